import YAMLModel

/// Kubernetes strategic merge patch, with the semantics of k8s.io/apimachinery's
/// `strategicpatch` (the engine behind `kubectl patch --type strategic`), driven by a
/// `MergeType` instead of Go struct tags so that it works on custom resources too.
///
/// Every value taken from a patch keeps the patch's source location, and records the
/// value it replaced, so the merged tree carries its own provenance.
///
/// With `Options.kyaml` it follows kustomize's kyaml merge2 instead (`KyamlMerge`).
public struct StrategicMerge {
    /// Where the reference implementations disagree and the choice depends on the kind.
    public struct Options: Hashable, Sendable {
        /// apimachinery leaves `{}` where `$patch: delete` removed a map; kustomize removes the key.
        public var deleteLeavesEmptyMap: Bool
        /// apimachinery lets a patch change a value's type (list to scalar, say); kustomize refuses.
        public var allowsTypeChange: Bool
        /// The algorithm: apimachinery's `strategicpatch`, or kustomize's kyaml `merge2`
        /// (`KyamlMerge`), which implies both choices above are false and ignores them.
        public var flavor: MergeFlavor

        public init(deleteLeavesEmptyMap: Bool, allowsTypeChange: Bool, flavor: MergeFlavor = .apimachinery) {
            self.deleteLeavesEmptyMap = deleteLeavesEmptyMap
            self.allowsTypeChange = allowsTypeChange
            self.flavor = flavor
        }

        /// Built-in kinds: exactly `kubectl patch --type strategic`.
        public static let apimachinery = Options(deleteLeavesEmptyMap: true, allowsTypeChange: true)
        /// Custom resources, which the API server never strategic-merges: kustomize's choices,
        /// which keep CRD validation happy and catch type mistakes.
        public static let customResource = Options(deleteLeavesEmptyMap: false, allowsTypeChange: false)
        /// Exactly `kubectl kustomize` (kyaml merge2, new elements first), for every kind;
        /// see `KyamlMerge` and `SchemaRegistry.semantics(for:flavor:)`.
        public static let kyaml = Options(deleteLeavesEmptyMap: false, allowsTypeChange: false, flavor: .kyaml)
    }

    public let options: Options

    public init(options: Options = .apimachinery) {
        self.options = options
    }

    public enum Outcome {
        case merged(Node)
        /// The patch's root said `$patch: delete`.
        case deleted
    }

    /// Applies one patch document to one resource.
    public static func apply(_ patch: Node, to base: Node, type: MergeType?, options: Options = .apimachinery) throws -> Outcome {
        guard let patchMap = patch.mapping else {
            throw Diagnostic.error(at: patch.location, "a strategic merge patch must be a mapping, not \(patch.kindWithArticle)")
        }
        if options.flavor == .kyaml {
            return try KyamlMerge.apply(patch, to: base, type: type)
        }
        if let directive = patchMap[Directive.patch], directive.scalar == .string(Directive.delete) {
            return .deleted
        }
        let merger = StrategicMerge(options: options)
        return .merged(try merger.mergeMap(base, patch, patchMap, type: type, path: FieldPath()))
    }

    // MARK: Maps

    func mergeMap(_ original: Node?, _ patch: Node, _ patchMap: Mapping, type: MergeType?, path: FieldPath) throws -> Node {
        if let directive = patchMap[Directive.patch] {
            return try applyMapDirective(directive, original: original, patch: patch, patchMap: patchMap, path: path)
        }
        var result = original?.mapping ?? Mapping()
        let location = original?.location ?? patch.location

        try applyRetainKeys(&result, patchMap, path: path)
        let ordered = try applySetElementOrder(&result, patchMap, type: type, path: path)

        for (rawKey, entry) in patchMap.entries {
            if rawKey == Directive.retainKeys || rawKey.hasPrefix(Directive.setElementOrderPrefix) || ordered.contains(rawKey) {
                continue
            }
            let patchValue = entry.value
            var key = rawKey
            var isDeleteList = false
            if rawKey.hasPrefix(Directive.deleteFromPrimitiveListPrefix) {
                key = String(rawKey.dropFirst(Directive.deleteFromPrimitiveListPrefix.count))
                isDeleteList = true
            }
            let fieldPath = path.appending(key)

            if patchValue.isNull {
                result.remove(key)
                continue
            }
            guard let current = result[key] else {
                try Self.checkDirectives(in: patchValue, path: fieldPath)
                if !isDeleteList, let added = Self.discardNullsAndDirectives(patchValue) {
                    result.set(key, added, keyLocation: entry.keyLocation)
                }
                continue
            }
            let field = type?.field(key)
            if !options.deleteLeavesEmptyMap, Directive.isDeleteElement(patchValue) {
                result.remove(key)
                continue
            }
            switch (current.value, patchValue.value) {
            case (.mapping, .mapping(let pm)):
                if field?.replacesMap == true {
                    result.set(key, patchValue.replacing(current))
                } else {
                    result.set(key, try mergeMap(current, patchValue, pm, type: field?.type, path: fieldPath))
                }
            case (.sequence(let cs), .sequence(let ps)):
                let merged = try mergeList(current, cs, patchValue, ps, field: field, isDeleteList: isDeleteList, path: fieldPath)
                result.set(key, merged)
            case (.scalar, .scalar):
                result.set(key, patchValue.replacing(current), keyLocation: entry.keyLocation)
            default:
                if !options.allowsTypeChange && !current.isNull {
                    throw Diagnostic.error(
                        at: patchValue.location, "the patch sets \(fieldPath) to \(patchValue.kindWithArticle), but it is \(current.kindWithArticle) at \(current.location)",
                        hint: "a merge keeps each value's type; to change it, use a JSON patch with op: replace")
                }
                // The types differ: the patch wins, as in apimachinery.
                try Self.checkDirectives(in: patchValue, path: fieldPath)
                if !isDeleteList, let replacement = Self.discardNullsAndDirectives(patchValue) {
                    result.set(key, replacement.replacing(current), keyLocation: entry.keyLocation)
                }
            }
        }
        return Node(.mapping(result), at: location, overrode: original?.overrode)
    }

    func applyMapDirective(_ directive: Node, original: Node?, patch: Node, patchMap: Mapping, path: FieldPath) throws -> Node {
        switch directive.scalar {
        case .string(Directive.replace)?:
            var replaced = patchMap
            replaced.remove(Directive.patch)
            let node = Node(.mapping(replaced), at: patch.location)
            return original.map { node.replacing($0) } ?? node
        case .string(Directive.delete)?:
            // apimachinery leaves an empty map behind, not a missing key.
            let node = Node(.mapping(Mapping()), at: directive.location)
            return original.map { node.replacing($0) } ?? node
        case .string(Directive.merge)?:
            throw Diagnostic.error(
                at: directive.location, "\"$patch: merge\" is not allowed in a mapping (at \(path))",
                hint: "mappings merge by default; remove the directive, or use \"replace\" or \"delete\"")
        default:
            throw Diagnostic.error(
                at: directive.location, "unknown $patch directive \(directive.scalar?.display ?? directive.kindName) (at \(path))",
                hint: "$patch takes \"replace\" or \"delete\"")
        }
    }

    /// `$retainKeys`: keep only the listed keys of the base; the patch may set no others.
    func applyRetainKeys(_ result: inout Mapping, _ patchMap: Mapping, path: FieldPath) throws {
        guard let retain = patchMap[Directive.retainKeys] else { return }
        guard let items = retain.sequence else {
            throw Diagnostic.error(at: retain.location, "$retainKeys must be a list of field names, not \(retain.kindWithArticle) (at \(path))",
                                   hint: "write $retainKeys: [field, ...]")
        }
        let keep = Set(items.compactMap { $0.stringValue })
        for (key, entry) in patchMap.entries {
            if entry.value.isNull || key == Directive.retainKeys
                || key.hasPrefix(Directive.deleteFromPrimitiveListPrefix) || key.hasPrefix(Directive.setElementOrderPrefix) {
                continue
            }
            if !keep.contains(key) {
                throw Diagnostic.error(
                    at: entry.keyLocation, "the patch sets \"\(key)\" but $retainKeys at \(retain.location) does not list it (at \(path))",
                    hint: "add \"\(key)\" to $retainKeys, or remove it from the patch")
            }
        }
        result.removeAll { !keep.contains($0) }
    }

    /// `$setElementOrder/<field>`: merges that list now and fixes its order. Returns the
    /// list fields it handled, which the main loop then skips.
    func applySetElementOrder(_ result: inout Mapping, _ patchMap: Mapping, type: MergeType?, path: FieldPath) throws -> Set<String> {
        var handled = Set<String>()
        for (directiveKey, entry) in patchMap.entries where directiveKey.hasPrefix(Directive.setElementOrderPrefix) {
            let key = String(directiveKey.dropFirst(Directive.setElementOrderPrefix.count))
            let fieldPath = path.appending(key)
            guard let order = entry.value.sequence else {
                throw Diagnostic.error(at: entry.value.location, "\(directiveKey) must be a list, not \(entry.value.kindWithArticle) (at \(path))",
                                       hint: "list the elements of \(key) in the order they should have")
            }
            let currentNode = result[key]
            let patchNode = patchMap[key]
            if let currentNode, currentNode.sequence == nil {
                throw Diagnostic.error(at: entry.keyLocation, "\(directiveKey) orders \"\(key)\", which is \(currentNode.kindWithArticle) in the base, not a list (at \(path))")
            }
            if let patchNode, patchNode.sequence == nil {
                throw Diagnostic.error(at: patchNode.location, "\(directiveKey) orders \"\(key)\", but the patch sets it to \(patchNode.kindWithArticle) (at \(path))")
            }
            let field = type?.field(key)
            let mergeKey: MergeKey? = { if case .mergeByKey(let k)? = field?.list { return k } else { return nil } }()
            try validateOrder(patchNode?.sequence ?? [], order, mergeKey: mergeKey, directive: entry.value,
                              directiveKey: directiveKey, path: fieldPath)

            let merged: [Node]
            let mergedNode: Node
            switch (currentNode, patchNode) {
            case (let c?, nil):
                merged = c.sequence!
                mergedNode = c
            case (nil, let p?):
                merged = p.sequence!
                mergedNode = p
            case (let c?, let p?):
                mergedNode = try mergeList(c, c.sequence!, p, p.sequence!, field: field, isDeleteList: false, path: fieldPath)
                merged = mergedNode.sequence!
            case (nil, nil):
                continue
            }
            let original = currentNode?.sequence ?? []
            let elementKind = try Self.elementKind(original, patchNode?.sequence ?? [], at: entry.value.location, path: fieldPath)
            let (inOrder, serverOnly) = try partition(merged, by: order, mergeKey: elementKind == .mapping ? mergeKey : nil, at: entry.value, path: fieldPath)
            let sorted = try normalizeElementOrder(
                patchItems: inOrder, serverOnly: serverOnly, patchOrder: order, serverOrder: original,
                mergeKey: elementKind == .mapping ? mergeKey : nil, at: entry.value, path: fieldPath)
            var node = mergedNode
            node.value = .sequence(sorted)
            result.set(key, node)
            handled.insert(key)
        }
        return handled
    }

    /// The relative order of the patch list's elements must agree with `$setElementOrder`.
    func validateOrder(_ patchList: [Node], _ order: [Node], mergeKey: MergeKey?, directive: Node,
                       directiveKey: String, path: FieldPath) throws {
        guard !order.isEmpty, !patchList.isEmpty else { return }
        let candidates = mergeKey == nil ? patchList : patchList.filter { !Directive.isDeleteElement($0) }
        var p = 0, o = 0
        while p < candidates.count && o < order.count {
            if Directive.patchDirective(of: candidates[p]) != nil {
                p += 1
                continue
            }
            if try sameIdentity(candidates[p], order[o], mergeKey: mergeKey, path: path) { p += 1 }
            o += 1
        }
        if p < candidates.count && o >= order.count {
            throw Diagnostic.error(
                at: candidates[p].location,
                "this element of \(path) is out of the order that \(directiveKey) at \(directive.location) gives",
                hint: "list every patched element in $setElementOrder, in the same relative order as the patch")
        }
    }

    // MARK: Lists

    /// A list field of both base and patch, merged as the field's strategy says.
    func mergeList(_ current: Node, _ base: [Node], _ patch: Node, _ patchItems: [Node], field: MergeField?,
                   isDeleteList: Bool, path: FieldPath) throws -> Node {
        let mergeKey: MergeKey?
        switch field?.list {
        case .mergeByKey(let k)?: mergeKey = k
        case .set?: mergeKey = nil
        case .atomic?, nil:
            // `$deleteFromPrimitiveList` deletes from any list, whatever its strategy, as in
            // apimachinery (`kubectl patch` removes a value from a container's atomic `args`).
            guard isDeleteList else { return patch.replacing(current) }
            mergeKey = nil
        }
        let merged = try mergeSlice(base, patchItems, elementType: field?.type, mergeKey: mergeKey,
                                    isDeleteList: isDeleteList, patch: patch, path: path)
        return Node(.sequence(merged), at: current.location, overrode: current.overrode)
    }

    enum ElementKind: Equatable { case scalar(Scalar.Tag), mapping, none }

    /// All elements of both lists must have one type, and lists of lists are not supported.
    static func elementKind(_ a: [Node], _ b: [Node], at location: SourceLocation, path: FieldPath) throws -> ElementKind {
        var kind: ElementKind = .none
        for node in a + b {
            let k: ElementKind
            switch node.value {
            case .mapping: k = .mapping
            case .scalar(let s): k = .scalar(s.tag)
            case .sequence:
                throw Diagnostic.error(at: node.location, "lists of lists cannot be merged (at \(path))")
            }
            switch (kind, k) {
            case (.none, _): kind = k
            case (.mapping, .mapping): break
            case (.scalar(let x), .scalar(let y)) where x == y: break
            default:
                throw Diagnostic.error(
                    at: node.location, "list elements have different types: \(describe(kind)) and \(describe(k)) (at \(path))",
                    hint: "every element of a merged list must have the same type")
            }
        }
        return kind
    }

    static func describe(_ k: ElementKind) -> String {
        switch k {
        case .mapping: return "mapping"
        case .scalar(let t): return t == .null ? "null" : t.rawValue
        case .none: return "nothing"
        }
    }

    func mergeSlice(_ original: [Node], _ patch: [Node], elementType: MergeType?, mergeKey: MergeKey?,
                    isDeleteList: Bool, patch patchNode: Node, path: FieldPath) throws -> [Node] {
        if original.isEmpty && patch.isEmpty { return original }
        let kind = try Self.elementKind(original, patch, at: patchNode.location, path: path)
        var base = original
        var patchList = patch
        var merged: [Node]
        if case .mapping = kind {
            guard let mergeKey else {
                if isDeleteList {
                    throw Diagnostic.error(
                        at: patchNode.location, "$deleteFromPrimitiveList deletes from lists of scalars, but \(path) holds mappings",
                        hint: "to remove elements of a list of mappings without a merge key, replace the list, or use a JSON patch with op: remove")
                }
                throw Diagnostic.error(at: patchNode.location, "the list at \(path) merges as a set of scalars, but holds mappings",
                                       hint: "declare a merge key for it, or patch it with $patch: replace")
            }
            (base, patchList) = try removeSpecialElements(base, patchList, mergeKey: mergeKey, path: path)
            merged = base
            for element in patchList {
                guard let keyValue = element.mapping?[mergeKey.primary] else {
                    throw missingKey(element, mergeKey, path: path)
                }
                if let i = try merged.firstIndex(where: { try sameIdentity($0, element, mergeKey: mergeKey, knownPatchKey: keyValue, path: path) }) {
                    let elementPath = path.appending(.element(key: mergeKey.primary, value: keyValue.scalar?.text ?? "?"))
                    merged[i] = try mergeMap(merged[i], element, element.mapping!, type: elementType, path: elementPath)
                } else {
                    merged.append(element)
                }
            }
        } else {
            if isDeleteList {
                return original.filter { o in !patch.contains(where: { $0 == o }) }
            }
            merged = []
            merged.reserveCapacity(original.count + patch.count)
            for element in original + patch where !merged.contains(where: { $0 == element }) {
                merged.append(element)
            }
        }
        let key: MergeKey? = { if case .mapping = kind { return mergeKey } else { return nil } }()
        let (inPatch, serverOnly) = try partition(merged, by: patchList, mergeKey: key, at: patchNode, path: path)
        return try normalizeElementOrder(patchItems: inPatch, serverOnly: serverOnly, patchOrder: patchList,
                                         serverOrder: base, mergeKey: key, at: patchNode, path: path)
    }

    /// Handles `{key: x, $patch: delete}` and `{$patch: replace}` elements. Returns the base
    /// (with deletions applied, or replaced) and the patch without special elements.
    func removeSpecialElements(_ original: [Node], _ patch: [Node], mergeKey: MergeKey, path: FieldPath) throws -> ([Node], [Node]) {
        var base = original
        var rest: [Node] = []
        var replace = false
        for element in patch {
            guard let directive = Directive.patchDirective(of: element) else {
                rest.append(element)
                continue
            }
            switch directive.scalar {
            case .string(Directive.delete)?:
                guard element.mapping?[mergeKey.primary] != nil else { throw missingKey(element, mergeKey, path: path) }
                base.removeAll { (try? sameIdentity($0, element, mergeKey: mergeKey)) ?? false }
            case .string(Directive.replace)?:
                replace = true
            case .string(Directive.merge)?:
                throw Diagnostic.error(at: directive.location, "\"$patch: merge\" is not allowed in a list (at \(path))",
                                       hint: "lists with a merge key merge by default; remove the directive")
            default:
                throw Diagnostic.error(at: directive.location, "unknown $patch directive \(directive.scalar?.display ?? directive.kindName) (at \(path))",
                                       hint: "$patch takes \"replace\" or \"delete\"")
            }
        }
        return replace ? (rest, []) : (base, rest)
    }

    func missingKey(_ element: Node, _ mergeKey: MergeKey, path: FieldPath) -> Diagnostic {
        .error(at: element.location, "list element has no merge key \"\(mergeKey.primary)\" (at \(path))",
               hint: "every element of \(path) is matched by its \"\(mergeKey.primary)\"; add it")
    }

    /// Whether two list elements are the same element: by merge key for mappings, by value otherwise.
    func sameIdentity(_ a: Node, _ b: Node, mergeKey: MergeKey?, knownPatchKey: Node? = nil, path: FieldPath = FieldPath()) throws -> Bool {
        guard let mergeKey else { return a == b }
        guard let am = a.mapping else {
            throw Diagnostic.error(at: a.location, "expected a mapping in the keyed list \(path), found \(a.kindWithArticle)")
        }
        guard let bm = b.mapping else {
            throw Diagnostic.error(at: b.location, "expected a mapping in the keyed list \(path), found \(b.kindWithArticle)")
        }
        guard let av = am[mergeKey.primary] else { throw missingKey(a, mergeKey, path: path) }
        guard let bv = knownPatchKey ?? bm[mergeKey.primary] else { throw missingKey(b, mergeKey, path: path) }
        guard av == bv else { return false }
        for extra in mergeKey.fields.dropFirst() {
            if let x = am[extra], let y = bm[extra], !(x == y) { return false }
        }
        return true
    }

    /// Splits `items` into those that occur in `list` and those that do not.
    func partition(_ items: [Node], by list: [Node], mergeKey: MergeKey?, at anchor: Node, path: FieldPath) throws -> ([Node], [Node]) {
        var inList: [Node] = [], rest: [Node] = []
        for item in items {
            if let mergeKey, item.mapping?[mergeKey.primary] == nil {
                throw missingKey(item, mergeKey, path: path)
            }
            var found = false
            for candidate in list {
                if mergeKey != nil, candidate.mapping == nil {
                    throw Diagnostic.error(at: candidate.location, "expected a mapping naming an element of \(path), found \(candidate.kindWithArticle)")
                }
                if let mergeKey, candidate.mapping?[mergeKey.primary] == nil { continue }
                if try sameIdentity(item, candidate, mergeKey: mergeKey, path: path) { found = true; break }
            }
            if found { inList.append(item) } else { rest.append(item) }
        }
        return (inList, rest)
    }

    // MARK: Order

    /// apimachinery's order rule: patch items keep the patch order, base-only items keep the
    /// base order, and the two are interleaved by base position where both have one.
    func normalizeElementOrder(patchItems: [Node], serverOnly: [Node], patchOrder: [Node], serverOrder: [Node],
                               mergeKey: MergeKey?, at anchor: Node, path: FieldPath) throws -> [Node] {
        let patchSorted = try sortByOrder(patchItems, order: patchOrder, mergeKey: mergeKey, path: path)
        let serverSorted = try sortByOrder(serverOnly, order: serverOrder, mergeKey: mergeKey, path: path)
        return mergeSorted(left: serverSorted, right: patchSorted, serverOrder: serverOrder, mergeKey: mergeKey)
    }

    /// Where `item` is in `list`, by the same identity the merge uses: with several key
    /// fields, elements that share the primary key are told apart by the others.
    func index(of item: Node, in list: [Node], mergeKey: MergeKey?) -> Int? {
        guard let mergeKey else { return list.firstIndex(where: { $0 == item }) }
        return list.firstIndex { (try? sameIdentity($0, item, mergeKey: mergeKey)) ?? false }
    }

    /// A stable insertion sort with apimachinery's comparator: items found in `order` sort by
    /// their position there; an item not found compares as "less". Delete directives go last.
    func sortByOrder(_ items: [Node], order: [Node], mergeKey: MergeKey?, path: FieldPath) throws -> [Node] {
        var toSort = items
        var toDelete: [Node] = []
        if let mergeKey {
            for item in items + order where item.mapping?[mergeKey.primary] == nil {
                throw missingKey(item, mergeKey, path: path)
            }
            toSort = items.filter { !Directive.isDeleteElement($0) }
            toDelete = items.filter { Directive.isDeleteElement($0) }
        }
        let positions = toSort.map { index(of: $0, in: order, mergeKey: mergeKey) }
        var indices = Array(toSort.indices)
        func less(_ a: Int, _ b: Int) -> Bool {
            if let pa = positions[a], let pb = positions[b] { return pa < pb }
            return true
        }
        if indices.count > 1 {
            for i in 1..<indices.count {
                var j = i
                while j > 0 && less(indices[j], indices[j - 1]) {
                    indices.swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
        return indices.map { toSort[$0] } + toDelete
    }

    func mergeSorted(left: [Node], right: [Node], serverOrder: [Node], mergeKey: MergeKey?) -> [Node] {
        var out: [Node] = []
        out.reserveCapacity(left.count + right.count)
        var i = 0, j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                out.append(right[j]); j += 1
            } else if j >= right.count {
                out.append(left[i]); i += 1
            } else if let li = index(of: left[i], in: serverOrder, mergeKey: mergeKey),
                      let ri = index(of: right[j], in: serverOrder, mergeKey: mergeKey), li < ri {
                out.append(left[i]); i += 1
            } else {
                out.append(right[j]); j += 1
            }
        }
        return out
    }

    // MARK: New values

    /// A value the patch adds whole is not merged, so its directives are dropped; an unknown
    /// `$patch` among them is still a mistake (a typo for replace or delete), not a no-op.
    static func checkDirectives(in node: Node, path: FieldPath) throws {
        var pending = [(node, path)]
        while let (node, path) = pending.popLast() {
            switch node.value {
            case .scalar:
                continue
            case .mapping(let m):
                if let directive = m[Directive.patch] {
                    switch directive.scalar {
                    case .string(Directive.replace)?, .string(Directive.delete)?, .string(Directive.merge)?: break
                    default:
                        throw Diagnostic.error(at: directive.location, "unknown $patch directive \(directive.scalar?.display ?? directive.kindName) (at \(path))",
                                               hint: "$patch takes \"replace\" or \"delete\"")
                    }
                }
                for (key, entry) in m.entries where entry.value.scalar == nil { pending.append((entry.value, path.appending(key))) }
            case .sequence(let items):
                for (i, item) in items.enumerated() where item.scalar == nil { pending.append((item, path.appending(.index(i)))) }
            }
        }
    }

    /// A patch value that lands where the base has nothing (or something of another type)
    /// loses its nulls and every mapping that carries a `$patch` directive, as in apimachinery.
    /// Returns nil when the value itself is such a mapping.
    static func discardNullsAndDirectives(_ node: Node) -> Node? {
        switch node.value {
        case .scalar:
            return node
        case .mapping(let m):
            if m[Directive.patch] != nil { return nil }
            var copy = m
            for (key, entry) in m.entries {
                if entry.value.isNull {
                    copy.remove(key)
                } else if let cleaned = discardNullsAndDirectives(entry.value) {
                    if entry.value.mapping != nil || entry.value.sequence != nil { copy.set(key, cleaned) }
                } else {
                    copy.remove(key)
                }
            }
            var out = node
            out.value = .mapping(copy)
            return out
        case .sequence(let items):
            var out = node
            out.value = .sequence(items.compactMap(discardNullsAndDirectives))
            return out
        }
    }
}

