import YAMLModel

/// A kustomize field path: `spec.template.spec.containers.[name=app].image`,
/// `metadata.annotations.[example.com/x]`, `spec.ports.0.port`, `spec.list.*`, or the vars
/// form `spec.containers[0].image`.
struct KustomizeFieldPath: CustomStringConvertible {
    enum Step {
        case key(String)
        case match(key: String, value: String)
        case index(Int)
        case all
    }

    var steps: [Step]
    let text: String
    var description: String { text }

    init(_ text: String, at location: SourceLocation) throws {
        self.text = text
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "[" {
                if depth == 0, !current.isEmpty { parts.append(current); current = "" }
                depth += 1
            }
            if c == "]" { depth -= 1 }
            if c == ".", depth == 0 {
                if !current.isEmpty { parts.append(current) }
                current = ""
                continue
            }
            current.append(c)
            if c == "]", depth == 0 { parts.append(current); current = "" }
        }
        if !current.isEmpty { parts.append(current) }
        guard !parts.isEmpty, depth == 0 else {
            throw Diagnostic.error(at: location, "invalid field path \"\(text)\"", hint: "write a dotted path such as spec.template.spec.containers.[name=app].image")
        }
        steps = parts.map { part in
            if part.hasPrefix("["), part.hasSuffix("]") {
                let inner = part.dropFirst().dropLast()
                if let eq = inner.firstIndex(of: "=") {
                    return .match(key: String(inner[..<eq]), value: String(inner[inner.index(after: eq)...]))
                }
                if let i = Int(inner) { return .index(i) }
                return .key(String(inner))
            }
            if part == "*" { return .all }
            if let i = Int(part) { return .index(i) }
            return .key(part)
        }
    }

    /// The nodes the path reaches (several with `*` or a repeated match).
    func values(in node: Node) -> [Node] {
        var current = [node]
        for step in steps {
            current = current.flatMap { n -> [Node] in
                switch (step, n.value) {
                case (.key(let k), .mapping(let m)): return m[k].map { [$0] } ?? []
                case (.index(let i), .sequence(let items)): return items.indices.contains(i) ? [items[i]] : []
                case (.match(let k, let v), .sequence(let items)):
                    return items.filter { k.isEmpty ? $0.scalar?.text == v : $0[k]?.scalar?.text == v }
                case (.all, .sequence(let items)): return items
                case (.all, .mapping(let m)): return m.entries.values.map(\.value)
                default: return []
                }
            }
        }
        return current
    }

    /// Applies `set` to every node the path reaches, creating missing mapping keys when asked.
    /// Returns how many nodes it reached.
    @discardableResult
    func update(_ node: inout Node, create: Bool, at location: SourceLocation, _ set: (inout Node) throws -> Void) throws -> Int {
        try update(&node, steps[...], create: create, at: location, set)
    }

    private func update(_ node: inout Node, _ rest: ArraySlice<Step>, create: Bool, at location: SourceLocation, _ set: (inout Node) throws -> Void) throws -> Int {
        guard let step = rest.first else { try set(&node); return 1 }
        var count = 0
        switch (step, node.value) {
        case (.key(let k), .mapping(var m)):
            var child: Node
            if let existing = m[k], !(existing.isNull && create && rest.count > 1) {
                child = existing
            } else if create {
                child = rest.count > 1 ? .mapping(at: location) : .scalar(.null, at: location)
            } else { return 0 }
            count = try update(&child, rest.dropFirst(), create: create, at: location, set)
            if count > 0 { m.set(k, child, keyLocation: m.keyLocation(k) ?? location); node.value = .mapping(m) }
        case (.key(let k), .scalar(let s)) where s.isNull && create:
            var m = Mapping()
            var child: Node = rest.count > 1 ? .mapping(at: location) : .scalar(.null, at: location)
            count = try update(&child, rest.dropFirst(), create: create, at: location, set)
            m.set(k, child, keyLocation: location)
            node.value = .mapping(m)
        case (.index(let i), .sequence(var items)) where items.indices.contains(i):
            count = try update(&items[i], rest.dropFirst(), create: create, at: location, set)
            node.value = .sequence(items)
        case (.match(let k, let v), .sequence(var items)):
            for j in items.indices where k.isEmpty ? items[j].scalar?.text == v : items[j][k]?.scalar?.text == v {
                count += try update(&items[j], rest.dropFirst(), create: create, at: location, set)
            }
            node.value = .sequence(items)
        case (.all, .sequence(var items)):
            for j in items.indices { count += try update(&items[j], rest.dropFirst(), create: create, at: location, set) }
            node.value = .sequence(items)
        default:
            return 0
        }
        return count
    }
}

/// One entry of `replacements:`: copies a field of one resource into fields of others.
struct Replacement {
    struct Options {
        var delimiter: String?
        var index = 0
        var create = false

        init(_ node: Node?) throws {
            guard let map = node?.mapping else { return }
            delimiter = try map["delimiter"].map { try Kustomization.string($0, what: "delimiter") }
            index = map["index"]?.scalar?.intValue ?? 0
            create = try Kustomization.bool(map["create"], what: "create") ?? false
        }
    }

    struct Target {
        var select: Selector?
        var reject: [Selector]
        var fieldPaths: [(KustomizeFieldPath, SourceLocation)]
        var options: Options
        var location: SourceLocation
    }

    var source: Selector
    var sourcePath: KustomizeFieldPath
    var sourceOptions: Options
    var targets: [Target]
    var location: SourceLocation

    init(parsing node: Node) throws {
        location = node.location
        guard let map = node.mapping, let s = map["source"], let sm = s.mapping else {
            throw Diagnostic.error(at: node.location, "a replacement needs a source", hint: "source: {kind: ..., name: ..., fieldPath: ...}")
        }
        var selector = Mapping()
        for (k, e) in sm.entries where Selector.keys.contains(k) { selector.set(k, e.value) }
        for (k, e) in sm.entries where !Selector.keys.contains(k) && k != "fieldPath" && k != "options" {
            throw Diagnostic.error(at: e.keyLocation, "unknown replacement source field \"\(k)\"")
        }
        source = try Selector(parsing: Node(.mapping(selector), at: s.location), what: "source")
        let path = try sm["fieldPath"].map { try Kustomization.string($0, what: "fieldPath") } ?? "metadata.name"
        sourcePath = try KustomizeFieldPath(path, at: sm["fieldPath"]?.location ?? s.location)
        sourceOptions = try Options(sm["options"])
        targets = []
        for t in map["targets"]?.sequence ?? [] {
            let tm = t.mapping ?? Mapping()
            let select = try tm["select"].map { try Selector(parsing: $0, what: "select") }
            let reject = try (tm["reject"]?.sequence ?? []).map { try Selector(parsing: $0, what: "reject") }
            let paths = try (tm["fieldPaths"].map { try Kustomization.strings($0, what: "fieldPaths") } ?? []).map {
                (try KustomizeFieldPath($0.value, at: $0.location), $0.location)
            }
            targets.append(Target(select: select, reject: reject, fieldPaths: paths, options: try Options(tm["options"]), location: t.location))
        }
    }

    func run(_ resources: inout ResourceMap) throws {
        let sources = resources.resources.filter { source.matches($0) }
        guard sources.count == 1 else {
            throw Diagnostic.error(at: source.location, sources.isEmpty ? "the replacement's source matches no resource"
                                       : "the replacement's source matches \(sources.count) resources: " + sources.map(\.id.description).joined(separator: ", "),
                                   hint: "a replacement copies from exactly one resource; narrow the source by kind, name or namespace")
        }
        guard var value = sourcePath.values(in: sources[0].node).first else {
            throw Diagnostic.error(at: source.location, "the source \(sources[0].id) has no field \(sourcePath)")
        }
        if let d = sourceOptions.delimiter, let text = value.scalar?.text {
            let parts = text.components(separatedBy: d)
            guard parts.indices.contains(sourceOptions.index) else {
                throw Diagnostic.error(at: source.location, "options.index \(sourceOptions.index) is out of bounds for the value \"\(text)\" split at \"\(d)\"")
            }
            value = .scalar(.string(parts[sourceOptions.index]), at: value.location)
        }
        let reason = Overridden.Reason.transformed(by: "replacement from \(sources[0].id) \(sourcePath) (\(location))")
        for target in targets {
            for i in resources.resources.indices {
                let r = resources.resources[i]
                guard target.select.map({ $0.matches(r) }) ?? true, !target.reject.contains(where: { $0.matches(r) }) else { continue }
                var node = r.node
                for (path, at) in target.fieldPaths {
                    try path.update(&node, create: target.options.create, at: at) { field in
                        var new = value
                        if let d = target.options.delimiter, let text = field.scalar?.text, let v = value.scalar?.text {
                            var parts = text.components(separatedBy: d)
                            let index = target.options.index
                            if index < 0 { parts.insert(v, at: 0) } else if index >= parts.count { parts.append(v) } else { parts[index] = v }
                            new = .scalar(.string(parts.joined(separator: d)), at: value.location)
                        }
                        field = new.replacing(field, reason: reason)
                    }
                }
                resources.resources[i].node = node
            }
        }
    }
}

/// `vars:` (kustomize's older mechanism): `$(NAME)` in the varReference fields becomes a
/// field of another resource, read after names are final.
struct Vars: Sendable {
    struct Var: Sendable {
        var name: String
        var kind: String
        var apiVersion: String?
        var objectName: String
        var namespace: String?
        var fieldPath: String
        var location: SourceLocation
        /// The resource it reads, found where the var is declared.
        var serial: Int
    }

    var vars: [Var] = []

    mutating func add(_ entries: [Node], of k: Kustomization, resources: ResourceMap) throws {
        for entry in entries {
            let map = entry.mapping!
            guard let name = map["name"]?.scalar?.text else { throw Diagnostic.error(at: entry.location, "a var has no name") }
            guard let ref = map["objref"]?.mapping, let kind = ref["kind"]?.stringValue, let object = ref["name"]?.scalar?.text else {
                throw Diagnostic.error(at: entry.location, "var \(name) needs objref with kind and name",
                                       hint: "vars are deprecated in kustomize; replacements do the same with field paths on both sides")
            }
            var apiVersion = ref["apiVersion"]?.stringValue
            if apiVersion == nil, let v = ref["version"]?.stringValue { apiVersion = (ref["group"]?.stringValue).map { $0.isEmpty ? v : $0 + "/" + v } ?? v }
            let fieldref = map["fieldref"]?.mapping
            let path = fieldref?.entries.first(where: { $0.key.lowercased() == "fieldpath" })?.value.value.stringValue ?? "metadata.name"
            let namespace = ref["namespace"]?.stringValue
            let matches = resources.resources.filter { r in
                r.gvk.kind == kind && (apiVersion.map { $0 == r.gvk.apiVersion || $0 == r.gvk.version } ?? true)
                    && (r.name == object || r.previousIDs.contains { $0.name == object })
                    && (namespace.map { $0 == r.namespace || $0 == r.originalNamespace } ?? true)
            }
            guard matches.count == 1 else {
                throw Diagnostic.error(at: ref["name"]!.location, matches.isEmpty ? "var \(name) refers to \(kind) \(object), which this kustomization does not hold"
                                           : "var \(name) matches \(matches.count) resources: " + matches.map(\.id.description).joined(separator: ", "),
                                       hint: "vars are deprecated in kustomize; replacements do the same with field paths on both sides")
            }
            let v = Var(name: name, kind: kind, apiVersion: apiVersion, objectName: object, namespace: namespace,
                        fieldPath: path, location: entry.location, serial: matches[0].serial)
            try append(v, at: entry.location)
        }
    }

    mutating func append(_ v: Var, at location: SourceLocation) throws {
        if let existing = vars.first(where: { $0.name == v.name }) {
            throw Diagnostic.error(at: location, "var \(v.name) is declared twice; first at \(existing.location)")
        }
        vars.append(v)
    }

    mutating func merge(_ other: Vars, at location: SourceLocation) throws {
        for v in other.vars { try append(v, at: location) }
    }

    func resolve(_ resources: inout ResourceMap, config: TransformerConfig) throws {
        guard !vars.isEmpty else { return }
        var values: [String: Node] = [:]
        for v in vars {
            let matches = resources.resources.filter { $0.serial == v.serial }
            guard matches.count == 1 else {
                throw Diagnostic.error(at: v.location, "var \(v.name) refers to \(v.kind) \(v.objectName), which a patch removed")
            }
            let path = try KustomizeFieldPath(v.fieldPath, at: v.location)
            guard let value = path.values(in: matches[0].node).first, value.scalar != nil else {
                throw Diagnostic.error(at: v.location, "var \(v.name): \(matches[0].id) has no scalar field \(v.fieldPath)")
            }
            values[v.name] = value
        }
        for i in resources.resources.indices {
            var r = resources.resources[i]
            for spec in config["varReference"] where spec.matches(r.gvk) {
                try r.node.visit(spec, leaf: nil, at: r.node.location) { node in node = Self.expand(node, values) }
            }
            resources.resources[i] = r
        }
    }

    /// Replaces `$(NAME)` in strings (recursively in lists and maps); `$$` escapes.
    static func expand(_ node: Node, _ values: [String: Node]) -> Node {
        switch node.value {
        case .sequence(let items):
            var out = node
            out.value = .sequence(items.map { expand($0, values) })
            return out
        case .mapping(let m):
            var map = m
            for (k, e) in m.entries { map.set(k, expand(e.value, values)) }
            var out = node
            out.value = .mapping(map)
            return out
        case .scalar(let s):
            guard s.tag == .string, s.text.contains("$") else { return node }
            var out = ""
            var used: Node?
            var rest = Substring(s.text)
            while let dollar = rest.firstIndex(of: "$") {
                out += rest[..<dollar]
                let after = rest[rest.index(after: dollar)...]
                if after.hasPrefix("$") { out += "$"; rest = after.dropFirst(); continue }
                if after.hasPrefix("("), let close = after.firstIndex(of: ")") {
                    let name = String(after[after.index(after: after.startIndex)..<close])
                    if let v = values[name] {
                        out += v.scalar!.text
                        used = v
                        rest = after[after.index(after: close)...]
                        continue
                    }
                }
                out += "$"
                rest = after
            }
            out += rest
            guard let used else { return node }
            return Node.scalar(.string(out), at: used.location).replacing(node, reason: .transformed(by: "var substitution"))
        }
    }
}
