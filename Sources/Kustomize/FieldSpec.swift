import YAMLModel

/// One field that a transformer touches, in kustomize's configuration format:
///
///     - path: spec/template/spec/containers[]/image
///       kind: Deployment
///       create: true
///
/// An empty group, version or kind matches any. A path step ending in `[]` walks the elements
/// of a list; a step that meets a list walks its elements too.
public struct FieldSpec: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public var path: String { didSet { steps = Self.steps(of: path) } }
    public var create: Bool
    /// The path's steps; `/` inside brackets does not split.
    private(set) var steps: [String]

    public init(group: String = "", version: String = "", kind: String = "", path: String, create: Bool = false) {
        self.group = group
        self.version = version
        self.kind = kind
        self.path = path
        self.create = create
        self.steps = Self.steps(of: path)
    }

    /// What makes two specs the same spec: all but `create`.
    struct Identity: Hashable {
        var group, version, kind, path: String
    }

    var identity: Identity { Identity(group: group, version: version, kind: kind, path: path) }

    init(parsing node: Node, what: String) throws {
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "an entry of \(what) must be a mapping with a path, not \(node.kindWithArticle)")
        }
        guard let path = map["path"] else {
            throw Diagnostic.error(at: node.location, "a field spec of \(what) has no path", hint: "write path: spec/some/field")
        }
        self.path = try Kustomization.string(path, what: "path")
        steps = Self.steps(of: self.path)
        group = try map["group"].map { try Kustomization.string($0, what: "group") } ?? ""
        version = try map["version"].map { try Kustomization.string($0, what: "version") } ?? ""
        kind = try map["kind"].map { try Kustomization.string($0, what: "kind") } ?? ""
        create = try Kustomization.bool(map["create"], what: "create") ?? false
    }

    static func list(_ node: Node?, what: String) throws -> [FieldSpec] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "\(what) must be a list of field specs, not \(node.kindWithArticle)")
        }
        return try items.map { try FieldSpec(parsing: $0, what: what) }
    }

    public func matches(_ gvk: GVK) -> Bool {
        (kind.isEmpty || kind == gvk.kind) && (group.isEmpty || group == gvk.group) && (version.isEmpty || version == gvk.version)
    }

    static func steps(of path: String) -> [String] {
        var out: [String] = []
        var start = path.utf8.startIndex
        var depth = 0
        func cut(_ end: String.Index) {
            if start < end { out.append(String(path[start..<end])) }
        }
        for i in path.utf8.indices {
            switch path.utf8[i] {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: "/") where depth == 0:
                cut(i)
                start = path.utf8.index(after: i)
            default: break
            }
        }
        cut(path.utf8.endIndex)
        return out
    }
}

extension [FieldSpec] {
    /// Adds specs not already present (same kind selector and path), as kustomize's `MergeAll`.
    func merging(_ more: [FieldSpec]) -> [FieldSpec] {
        if more.isEmpty || more == self { return self }
        var seen = Set(map(\.identity))
        var out = self
        for spec in more where seen.insert(spec.identity).inserted {
            out.append(spec)
        }
        return out
    }
}

/// What a field spec creates where the path ends and the field is missing.
enum CreatedLeaf {
    case scalar
    case mapping
}

extension Node {
    /// Calls `set` on every node a field spec's path reaches, creating missing steps when the
    /// spec says `create` (and `leaf` says what to create at the end). The created nodes sit
    /// at `location`, where the transformer was configured.
    mutating func visit(_ spec: FieldSpec, leaf: CreatedLeaf?, at location: SourceLocation,
                        _ set: (inout Node) throws -> Void) throws {
        try visit(spec.steps[...], spec: spec, leaf: leaf, at: location, set)
    }

    private mutating func visit(_ steps: ArraySlice<String>, spec: FieldSpec, leaf: CreatedLeaf?, at location: SourceLocation,
                                _ set: (inout Node) throws -> Void) throws {
        guard let step = steps.first else { return try set(&self) }
        if isNull { return }
        switch value {
        case .sequence(var items):
            for i in items.indices { try items[i].visit(steps, spec: spec, leaf: leaf, at: location, set) }
            value = .sequence(items)
        case .mapping(var map):
            let isList = step.hasSuffix("[]")
            let name = isList ? String(step.dropLast(2)) : step
            let last = steps.count == 1
            let creates: CreatedLeaf? = (!spec.create || leaf == nil || isList) ? nil : (last ? leaf : .mapping)
            var child: Node
            if let existing = map[name] {
                child = existing
                if child.isNull, let creates {
                    child = creates == .mapping ? .mapping(at: location) : .scalar(.string(""), at: location)
                }
            } else if let creates {
                child = creates == .mapping ? .mapping(at: location) : .scalar(.string(""), at: location)
            } else {
                return
            }
            try child.visit(steps.dropFirst(), spec: spec, leaf: leaf, at: location, set)
            map.set(name, child, keyLocation: map.keyLocation(name) ?? location)
            value = .mapping(map)
        case .scalar:
            throw Diagnostic.error(at: self.location, "the field spec \(spec.path) expects a mapping or a list here, not \(kindWithArticle)",
                                   hint: "check the path of the transformer configuration, or the resource's structure")
        }
    }
}
