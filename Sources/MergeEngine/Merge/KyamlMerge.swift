import YAMLModel

/// kustomize's strategic merge: kyaml `merge2` walking base ("dest") and patch ("origin")
/// with `ListIncreaseDirection: prepend`, as `kubectl kustomize` (kustomize v5.5, kyaml
/// v0.18) applies a `patches:` entry.
///
/// kyaml works on mutable YAML nodes and some of its documented behaviour comes from nodes
/// being shared between the two trees while they are merged (a `$patch: replace` element
/// loses its content, a base duplicate collapses into its last copy, an element without its
/// merge key empties the list). So this follows kyaml's walk step by step on reference
/// nodes (`KNode`), and converts back to `Node` at the end. Differences from apimachinery
/// that fall out of it: elements named by the patch come first; `$retainKeys`,
/// `$setElementOrder` and `$deleteFromPrimitiveList` are ordinary keys; `$patch: delete`
/// removes a map's key; `$patch: merge` is accepted; nulls in added values are dropped but
/// kept inside replaced lists; a value never changes type.
struct KyamlMerge {
    /// kustomize prepends; kyaml's own default (`merge2` without options) appends.
    var prepend = true

    static func apply(_ patch: Node, to base: Node, type: MergeType?) throws -> StrategicMerge.Outcome {
        // kustomize ignores a whole patch whose root says `$patch: replace`.
        if patch.mapping?[Directive.patch]?.scalar == .string(Directive.replace) {
            return .merged(base)
        }
        let merger = KyamlMerge()
        let schema = type.map { MergeField($0) }
        guard let merged = try merger.walk([KNode(base), KNode(patch)], schema, FieldPath()) else {
            return .deleted
        }
        return .merged(merged.node)
    }

    typealias Sources = [KNode?]

    // MARK: Walk

    func walk(_ sources: Sources, _ schema: MergeField?, _ path: FieldPath) throws -> KNode? {
        switch sources.lazy.compactMap({ $0 }).first(where: { !$0.isNull })?.kind {
        case .mapping?:
            try checkKinds(.mapping, sources, path)
            return try walkMap(sources, schema, path)
        case .sequence?:
            try checkKinds(.sequence, sources, path)
            if Self.isAssociative(schema) {
                return try walkAssociativeSequence(sources, schema!, path)
            }
            return sources[1] ?? sources[0]
        case .scalar?:
            try checkKinds(.scalar, sources, path)
            return sources[1] ?? sources[0]
        case nil:
            return try walkMap(sources, schema, path)
        }
    }

    static func isAssociative(_ schema: MergeField?) -> Bool {
        switch schema?.list {
        case .mergeByKey?, .set?: return true
        case .atomic?, nil: return false
        }
    }

    /// kyaml's "wrong node kind" check; the base decides the kind, so the patch is at fault.
    func checkKinds(_ kind: KNode.Kind, _ sources: Sources, _ path: FieldPath) throws {
        for case let node? in sources where !node.isNull && node.kind != kind {
            let other = sources.compactMap { $0 }.first { !$0.isNull && $0.kind == kind }
            let base = other.map { " (set at \($0.location))" } ?? ""
            throw Diagnostic.error(
                at: node.location, "cannot merge \(node.kindWithArticle) into \(KNode.article(kind)) at \(path)\(base)",
                hint: "kustomize keeps each value's type in a strategic merge; to change it, use a JSON patch with op: replace")
        }
    }

    func walkMap(_ sources: Sources, _ schema: MergeField?, _ path: FieldPath) throws -> KNode? {
        var s = sources
        guard let dest = try visitMap(s, path) else { return nil }
        s[0] = dest
        for key in Self.fieldNames(s) {
            let values = s.map { $0?.field(key) }
            let keyLocation = s.lazy.compactMap { $0?.keyLocation(key) }.last
            let value = try walk(values, schema?.type?.field(key), path.appending(key))
            dest.setField(key, value, keyLocation: keyLocation)
        }
        return dest
    }

    /// Field names of every mapping source: the base's in order, then the patch's new ones.
    static func fieldNames(_ s: Sources) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for case let node? in s where node.kind == .mapping {
            for entry in node.entries where seen.insert(entry.key).inserted { names.append(entry.key) }
        }
        return names
    }

    func visitMap(_ s: Sources, _ path: FieldPath) throws -> KNode? {
        let dest = s[0], origin = s[1]
        if KNode.missingOrNull(dest) {
            // A map the base lacks is added as the patch wrote it; kyaml ignores a bad
            // directive here (and only here).
            if (try? directive(origin, path)) == .delete { return nil }
            if origin == nil, let dest {
                // A base null the patch does not touch stays.
                let kept = KNode(copying: dest)
                kept.keep = true
                return kept
            }
            return origin
        }
        if origin?.isNull == true { return nil }
        switch try directive(origin, path) {
        case .delete: return nil
        case .replace: return origin
        case .merge: return dest
        }
    }

    func visitAssociativeList(_ s: Sources, _ path: FieldPath) throws -> KNode? {
        let dest = s[0], origin = s[1]
        if KNode.missingOrNull(dest) { return origin }
        if origin?.isNull == true { return nil }
        switch try directive(origin, path) {
        case .delete: return nil
        case .replace: return origin
        case .merge: return dest
        }
    }

    // MARK: Directives

    enum ListDirective { case merge, replace, delete }

    /// The `$patch` directive of a patch map or list, which it removes from the patch.
    func directive(_ origin: KNode?, _ path: FieldPath) throws -> ListDirective {
        guard let origin else { return .merge }
        switch origin.kind {
        case .mapping:
            guard let value = origin.field(Directive.patch) else { return .merge }
            let d = try Self.parseDirective(value, path)
            origin.removeField(Directive.patch)
            return d
        case .sequence:
            // The first element holding `$patch`; with other keys it is no list directive.
            guard let element = origin.items.first(where: { $0.kind == .mapping && $0.field(Directive.patch) != nil }),
                  element.entries.count == 1, let value = element.field(Directive.patch) else { return .merge }
            let d = try Self.parseDirective(value, path)
            _ = try elementSetter(origin, element: nil, keys: [Directive.patch], values: [value.text], path)
            return d
        case .scalar:
            throw Diagnostic.error(at: origin.location, "a strategic merge patch cannot merge \(origin.kindWithArticle) at \(path)")
        }
    }

    static func parseDirective(_ value: KNode, _ path: FieldPath) throws -> ListDirective {
        switch value.text {
        case Directive.delete: return .delete
        case Directive.replace: return .replace
        case Directive.merge: return .merge
        default:
            throw Diagnostic.error(
                at: value.location, "unknown $patch directive \(value.display) (at \(path))",
                hint: "$patch takes \"replace\", \"delete\" or \"merge\"")
        }
    }

    // MARK: Associative lists

    func walkAssociativeSequence(_ sources: Sources, _ schema: MergeField, _ path: FieldPath) throws -> KNode? {
        var s = sources
        guard let dest = try visitAssociativeList(s, path) else { return nil }
        s[0] = dest
        let keys: [String]
        if case .mergeByKey(let k) = schema.list { keys = k.fields } else { keys = [] }
        let elementSchema = MergeField(schema.type)
        let values = elementValues(s, keys)
        if !values.isEmpty || !keys.isEmpty {
            return try setElements(s, values, keys, dest, elementSchema, path)
        }
        return try setElements(s, primitiveValues(s), [""], dest, elementSchema, path)
    }

    /// The sources in the order their elements are listed: the patch first when prepending.
    func listingOrder(_ s: Sources) -> [KNode] {
        (prepend ? [s[1], s[0]] : [s[0], s[1]]).compactMap { $0 }.filter { $0.kind == .sequence }
    }

    /// The merge-key values of every element of every source, each tuple once.
    func elementValues(_ s: Sources, _ keys: [String]) -> [[String]] {
        var out: [[String]] = []
        for source in listingOrder(s) {
            for item in source.items {
                let values = keys.map { key -> String in
                    guard let f = item.field(key), !f.isNilOrEmpty else { return "" }
                    return f.text
                }
                if values.isEmpty || out.contains(values) { continue }
                out.append(values)
            }
        }
        return out
    }

    func primitiveValues(_ s: Sources) -> [[String]] {
        var out: [[String]] = []
        var seen = Set<String>()
        for source in listingOrder(s) {
            for item in source.items where seen.insert(item.text).inserted { out.append([item.text]) }
        }
        return out
    }

    func setElements(_ s: Sources, _ valuesIn: [[String]], _ keys: [String], _ destIn: KNode,
                     _ elementSchema: MergeField, _ path: FieldPath) throws -> KNode? {
        var dest = destIn
        let added = KNode(sequenceAt: dest.location)
        added.overrode = dest.overrode
        let valuesList = keys.count > 1 ? Self.mergeValues(valuesIn) : valuesIn
        var validKeys: [String] = [], validValues: [String] = []
        for values in valuesList where !values.isEmpty {
            (validKeys, validValues) = Self.validateKeys(valuesList, values, keys)
            let step: FieldPath.Step = .element(key: validKeys.first ?? "", value: validValues.first ?? "")
            let value = try walk(elementSources(s, validKeys, validValues), elementSchema, path.appending(step))
            var removed = false
            for (i, key) in validKeys.enumerated() {
                if KNode.isEmptyMap(value) {
                    _ = try elementSetter(dest, element: nil, keys: validKeys, values: validValues, path)
                    removed = true
                } else if let value, value.kind == .mapping, value.field(key) == nil, !validValues[i].isEmpty {
                    value.setField(key, KNode(scalar: KNode.plainScalar(validValues[i]), at: value.location), keyLocation: nil)
                }
            }
            if removed { continue }
            _ = try elementSetter(added, element: value, keys: validKeys, values: validValues, path)
        }
        if !valuesList.isEmpty {
            dest = prepend ? try appendList(added, dest, validKeys, path) : try appendList(dest, added, validKeys, path)
        }
        return KNode.missingOrNull(dest) ? nil : dest
    }

    /// Each source's element whose keys hold these values.
    func elementSources(_ s: Sources, _ keys: [String], _ values: [String]) -> Sources {
        let (k, v) = Self.validateKeys([values], values, keys)
        return s.map { source in
            guard let source, source.kind == .sequence else { return nil }
            return Self.elementMatching(source, k, v)
        }
    }

    /// Secondary keys no element carries are left out (kyaml's `validateKeys`).
    static func validateKeys(_ valuesList: [[String]], _ values: [String], _ keys: [String]) -> ([String], [String]) {
        var present = Set<String>()
        for vs in valuesList {
            for (i, v) in vs.enumerated() where !v.isEmpty && i < keys.count { present.insert(keys[i]) }
        }
        if present.isEmpty { return (keys, values) }
        let validKeys = keys.filter { present.contains($0) }
        var validValues: [String] = []
        for (i, v) in values.enumerated() where !v.isEmpty || (i < keys.count && present.contains(keys[i])) {
            validValues.append(v)
        }
        return (validKeys, validValues)
    }

    /// Key tuples that agree where both have a value are completed from each other.
    static func mergeValues(_ input: [[String]]) -> [[String]] {
        var list = input
        for i in list.indices {
            let first = list[i]
            for j in list.indices {
                if let merged = match(first, list[j]) {
                    list[i] = merged
                    list[j] = merged
                }
            }
        }
        return list
    }

    static func match(_ a: [String], _ b: [String]) -> [String]? {
        guard a.count == b.count else { return nil }
        var common = false
        var out: [String] = []
        for i in a.indices {
            if a[i] == b[i] {
                common = true
                out.append(a[i])
            } else if !a[i].isEmpty && !b[i].isEmpty {
                return nil
            } else {
                out.append(a[i].isEmpty ? b[i] : a[i])
            }
        }
        return common ? out : nil
    }

    /// kyaml's `ElementMatcher`: the first element whose fields equal the values.
    static func elementMatching(_ list: KNode, _ keysIn: [String], _ valuesIn: [String]) -> KNode? {
        let keys = keysIn.isEmpty ? [""] : keysIn
        let values = valuesIn.isEmpty ? [""] : valuesIn
        if keys[0].isEmpty {
            return list.items.first { $0.text == values[0] }
        }
        guard keys.count == values.count else { return nil }
        return list.items.first { item in
            item.kind == .mapping && keys.indices.allSatisfy { item.field(keys[$0])?.text == values[$0] }
        }
    }

    /// kyaml's `FieldMatcher` with a string value: an empty value matches any.
    func fieldMatching(_ node: KNode, _ key: String, _ value: String, _ path: FieldPath) throws -> KNode? {
        if node.isNull { return nil }
        if key.isEmpty {
            guard node.kind == .scalar else { throw mixedList(node, path) }
            return node.text == value ? node : nil
        }
        guard node.kind == .mapping else { throw mixedList(node, path) }
        guard let field = node.field(key) else { return nil }
        return value.isEmpty || field.text == value ? field : nil
    }

    func mixedList(_ node: KNode, _ path: FieldPath) -> Diagnostic {
        .error(at: node.location, "cannot merge the list at \(path): it mixes \(node.kindWithArticle) with elements of another kind",
               hint: "every element of a merged list must have the same type")
    }

    /// kyaml's `ElementSetter`: replaces every element matching the keys' values with
    /// `element` (removes them when it is nil), or appends it when none matches. Null and
    /// empty elements are dropped on the way.
    func elementSetter(_ list: KNode, element: KNode?, keys keysIn: [String], values: [String], _ path: FieldPath) throws -> KNode? {
        let keys = keysIn.isEmpty ? [""] : keysIn
        let mappingSetter = !keys[0].isEmpty && !values.isEmpty && !values[0].isEmpty
        var items: [KNode] = []
        var matched = false
        for item in list.items {
            if KNode.isEmptyMap(item) { continue }
            if item.kind != .mapping && mappingSetter {
                items.append(item)
                continue
            }
            var found = true
            var field: KNode?
            for j in keys.indices {
                if j < values.count { field = try fieldMatching(item, keys[j], values[j], path) }
                if field == nil { found = false; break }
            }
            if !found {
                if !values.isEmpty { items.append(item) }
                continue
            }
            matched = true
            if let element { items.append(element) }
        }
        list.items = items
        guard let element, !element.isNull else { return nil }
        if !matched { list.items.append(element) }
        return element
    }

    /// kyaml's `appendListNode`: sets each element of `source` into `list` by its keys.
    func appendList(_ list: KNode, _ source: KNode, _ keys: [String], _ path: FieldPath) throws -> KNode {
        guard let first = keys.first else { return list }
        for item in source.items {
            if first.isEmpty {
                _ = try elementSetter(list, element: item, keys: [""], values: [item.text], path)
                continue
            }
            var values: [String] = []
            for key in keys {
                if item.isNull { list.items.append(item); continue }
                guard item.kind == .mapping else { throw mixedList(item, path) }
                guard let value = item.field(key) else {
                    list.items.append(item)
                    continue
                }
                values.append(value.text)
            }
            if keys.count > 1 {
                _ = try elementSetter(list, element: nil, keys: keys, values: values, path)
            }
            _ = try elementSetter(list, element: item, keys: keys, values: values, path)
        }
        return list
    }
}

/// A YAML node with identity, as kyaml's walker mutates and shares them.
final class KNode {
    enum Kind { case scalar, mapping, sequence }

    struct Entry {
        var key: String
        var keyLocation: SourceLocation
        var value: KNode
    }

    var kind: Kind
    var scalar: Scalar = .null
    var entries: [Entry] = []
    var items: [KNode] = []
    var location: SourceLocation
    var overrode: Overridden?
    /// kyaml's `ShouldKeep`: a null that setting a field keeps rather than clears.
    var keep = false

    init(_ node: Node) {
        location = node.location
        overrode = node.overrode
        switch node.value {
        case .scalar(let s):
            kind = .scalar
            scalar = s
        case .mapping(let m):
            kind = .mapping
            entries = m.entries.map { Entry(key: $0.key, keyLocation: $0.value.keyLocation, value: KNode($0.value.value)) }
        case .sequence(let list):
            kind = .sequence
            items = list.map(KNode.init)
        }
    }

    init(scalar: Scalar, at location: SourceLocation) {
        kind = .scalar
        self.scalar = scalar
        self.location = location
    }

    init(sequenceAt location: SourceLocation) {
        kind = .sequence
        self.location = location
    }

    init(copying other: KNode) {
        kind = other.kind
        location = other.location
        assign(from: other)
    }

    /// kyaml's `SetYNode`: this node takes the other's content, keeping its identity.
    func assign(from other: KNode) {
        kind = other.kind
        scalar = other.scalar
        entries = other.entries
        items = other.items
        location = other.location
        overrode = other.overrode
        keep = other.keep
    }

    var node: Node {
        let value: Node.Value
        switch kind {
        case .scalar:
            value = .scalar(scalar)
        case .mapping:
            var m = Mapping()
            for e in entries { m.set(e.key, e.value.node, keyLocation: e.keyLocation) }
            value = .mapping(m)
        case .sequence:
            value = .sequence(items.map(\.node))
        }
        return Node(value, at: location, overrode: overrode)
    }

    var isNull: Bool { kind == .scalar && scalar.isNull }

    /// The node's text as kyaml compares it: a scalar's value, empty for collections.
    var text: String { kind == .scalar ? scalar.text : "" }

    var display: String { kind == .scalar ? scalar.display : kindName }

    var isNilOrEmpty: Bool {
        isNull || (kind == .mapping && entries.isEmpty) || (kind == .sequence && items.isEmpty)
    }

    static func missingOrNull(_ n: KNode?) -> Bool { n?.isNull ?? true }

    static func isEmptyMap(_ n: KNode?) -> Bool {
        guard let n, !n.isNull else { return true }
        return n.kind == .mapping && n.entries.isEmpty
    }

    var kindName: String {
        switch kind {
        case .scalar: return scalar.tag == .null ? "null" : scalar.tag.rawValue
        case .mapping: return "mapping"
        case .sequence: return "list"
        }
    }

    var kindWithArticle: String {
        let name = kindName
        return (name.first.map { "aeiou".contains($0) } ?? false) ? "an \(name)" : "a \(name)"
    }

    static func article(_ kind: Kind) -> String {
        switch kind {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// A value kyaml writes as a new plain scalar (a merge key it copies into an element).
    static func plainScalar(_ text: String) -> Scalar {
        ScalarResolver.isNonStringUnderYAML11(text) ? .string(text) : ScalarResolver.resolvePlain(text)
    }

    func field(_ key: String) -> KNode? {
        guard kind == .mapping else { return nil }
        return entries.first { $0.key == key }?.value
    }

    func keyLocation(_ key: String) -> SourceLocation? {
        guard kind == .mapping else { return nil }
        return entries.first { $0.key == key }?.keyLocation
    }

    func removeField(_ key: String) {
        entries.removeAll { $0.key == key }
    }

    /// kyaml's `FieldSetter`: nil (or a null not to keep) removes the key; an existing value
    /// takes the new content in place; a new key goes last.
    func setField(_ key: String, _ value: KNode?, keyLocation: SourceLocation?) {
        guard let value, !(value.isNull && !value.keep) else {
            removeField(key)
            return
        }
        if let i = entries.firstIndex(where: { $0.key == key }) {
            let old = entries[i].value
            guard old !== value else { return }
            // A value from elsewhere (the patch) records the one it replaced, as `Node.replacing` does.
            let earlier = old.location != value.location ? old.node : nil
            old.assign(from: value)
            if let earlier {
                old.overrode = Node(.scalar(.null), at: value.location, overrode: value.overrode).replacing(earlier).overrode
            }
        } else {
            entries.append(Entry(key: key, keyLocation: keyLocation ?? value.location, value: value))
        }
    }
}
