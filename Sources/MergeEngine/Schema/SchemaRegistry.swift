import YAMLModel

/// Answers "how does this path merge" for every kind: built-in metadata for the core kinds
/// and for the custom resources of the project's stacks, merge keys the user declares, and
/// list annotations read from CRD files. Kinds it knows nothing about merge as RFC 7386
/// JSON merge patch.
public struct SchemaRegistry: Sendable {
    private var kinds: [String: MergeType]

    /// The built-in core kinds, and the kinds of stacks (`Stack.mergeTypes`); a core kind's
    /// metadata wins over a stack's, and an earlier stack's over a later one's.
    public init(adding stackKinds: [[String: MergeType]] = []) {
        kinds = CoreSchemas.kinds
        for more in stackKinds { kinds.merge(more) { a, _ in a } }
    }

    /// A registry that knows nothing: every kind merges as JSON merge patch.
    public static let empty: SchemaRegistry = {
        var r = SchemaRegistry()
        r.kinds = [:]
        return r
    }()

    /// The root type of a kind, by `group/Kind`.
    public func type(groupKind: String) -> MergeType? { kinds[groupKind] }

    public func semantics(for id: ResourceID) -> MergeSemantics {
        guard let type = kinds[id.groupKind] else { return .jsonMerge }
        return .strategic(type, CoreSchemas.kinds[id.groupKind] != nil ? .apimachinery : .customResource)
    }

    /// The semantics of a kind under one flavor. `.apimachinery` is `semantics(for:)`. Under
    /// `.kyaml` every kind merges as kustomize merges it: built-in kinds with the list keys of
    /// kustomize's built-in schema (`x-kubernetes-list-map-keys` first, so container ports
    /// merge by containerPort and protocol), registry-known kinds with their merge types, and
    /// kinds the registry does not know with none (maps merge, lists are replaced whole).
    public func semantics(for id: ResourceID, flavor: MergeFlavor) -> MergeSemantics {
        switch flavor {
        case .apimachinery:
            return semantics(for: id)
        case .kyaml:
            guard let type = kinds[id.groupKind] else { return .strategic(MergeType(id.kind), .kyaml) }
            if CoreSchemas.kinds[id.groupKind] != nil { return .strategic(type.withListMapKeys(), .kyaml) }
            return .strategic(type, .kyaml)
        }
    }

    public func knows(_ id: ResourceID) -> Bool { kinds[id.groupKind] != nil }

    /// Registers a root type. Fields the registry already knows for the kind (built-in or
    /// declared) win over the new ones: a CRD file adds what the built-ins do not say.
    public mutating func register(_ type: MergeType, groupKind: String) {
        if let existing = kinds[groupKind] {
            kinds[groupKind] = MergeType.overlay(existing, over: type)
        } else {
            kinds[groupKind] = type
        }
    }

    /// Adds one merge-key declaration, such as `example.com/Widget:spec.items=name`.
    public mutating func declare(_ declaration: MergeKeyDeclaration) {
        let root = kinds[declaration.groupKind]?.copy() ?? MergeType(declaration.kind)
        var current = root
        for (i, segment) in declaration.path.enumerated() {
            let isLast = i == declaration.path.count - 1
            var field = current.field(segment.name) ?? MergeField()
            if isLast {
                field.list = .mergeByKey(declaration.key)
                current.set(segment.name, field)
                break
            }
            let next = field.type?.copy() ?? MergeType(segment.name)
            field.type = next
            current.set(segment.name, field)
            current = next
        }
        kinds[declaration.groupKind] = root
    }
}

extension MergeType {
    /// A shallow copy: the same fields, pointing at the same child types.
    public func copy() -> MergeType {
        let t = MergeType(name, fields: fields)
        t.setAdditionalProperties(additionalProperties)
        return t
    }

    /// The keyed lists that the Kubernetes OpenAPI schema (which kustomize reads) keys by
    /// `x-kubernetes-list-map-keys`, not by the struct tags' single `patchMergeKey`.
    static let listMapKeys: [(field: String, mergeKey: String, keys: [String])] = [
        ("ports", "containerPort", ["containerPort", "protocol"]),
        ("ports", "port", ["port", "protocol"]),
        ("topologySpreadConstraints", "topologyKey", ["topologyKey", "whenUnsatisfiable"]),
    ]

    /// A copy whose keyed lists use the list-map keys, as kustomize's built-in schema has them.
    func withListMapKeys() -> MergeType {
        var visited: [ObjectIdentifier: MergeType] = [:]
        return withListMapKeys(&visited)
    }

    private func withListMapKeys(_ visited: inout [ObjectIdentifier: MergeType]) -> MergeType {
        if let done = visited[ObjectIdentifier(self)] { return done }
        let out = copy()
        visited[ObjectIdentifier(self)] = out
        for (name, field) in fields {
            var f = field
            if case .mergeByKey(let key) = f.list, key.fields.count == 1,
               let entry = Self.listMapKeys.first(where: { $0.field == name && $0.mergeKey == key.primary }) {
                f.list = .mergeByKey(MergeKey(entry.keys))
            }
            f.type = f.type?.withListMapKeys(&visited)
            out.set(name, f)
        }
        if var extra = additionalProperties {
            extra.type = extra.type?.withListMapKeys(&visited)
            out.setAdditionalProperties(extra)
        }
        return out
    }

    /// `primary`'s knowledge, completed by `secondary` wherever `primary` says nothing.
    public static func overlay(_ primary: MergeType, over secondary: MergeType) -> MergeType {
        var visited: [ObjectIdentifier: MergeType] = [:]
        return overlay(primary, secondary, &visited)
    }

    private static func overlay(_ p: MergeType, _ s: MergeType, _ visited: inout [ObjectIdentifier: MergeType]) -> MergeType {
        let id = ObjectIdentifier(p)
        if let done = visited[id] { return done }
        let out = p.copy()
        visited[id] = out
        for (name, sf) in s.fields {
            guard var pf = p.fields[name] else { out.set(name, sf); continue }
            // A list the primary leaves atomic takes the secondary's strategy.
            if pf.list == .atomic { pf.list = sf.list }
            switch (pf.type, sf.type) {
            case (let pt?, let st?): pf.type = overlay(pt, st, &visited)
            case (nil, let st?): pf.type = st
            default: break
            }
            out.set(name, pf)
        }
        if out.additionalProperties == nil { out.setAdditionalProperties(s.additionalProperties) }
        return out
    }
}

/// A user's declaration that a list merges by key: `group/Kind:path.to.list=key`.
///
/// The path is dotted; `[]` after a segment steps into the elements of a list, as in
/// `apps.example.com/Widget:spec.pools[].members=name`. The core group is written as an
/// empty group (`/Kind`) or with the kind alone. Several keys are separated by commas.
public struct MergeKeyDeclaration: Hashable, Sendable, CustomStringConvertible {
    public struct Segment: Hashable, Sendable {
        public var name: String
        public var intoElements: Bool
    }

    public var group: String
    public var kind: String
    public var path: [Segment]
    public var key: MergeKey

    public var groupKind: String { "\(group)/\(kind)" }

    public init(group: String, kind: String, path: [Segment], key: MergeKey) {
        self.group = group
        self.kind = kind
        self.path = path
        self.key = key
    }

    public init(parsing text: String) throws {
        let syntax = "write it as group/Kind:path.to.list=key, e.g. example.com/Widget:spec.items=name"
        guard let colon = text.firstIndex(of: ":"), let equals = text.lastIndex(of: "="), colon < equals else {
            throw Diagnostic.error(at: nil, "cannot read merge key declaration \"\(text)\"", hint: syntax)
        }
        let target = text[..<colon]
        let pathText = text[text.index(after: colon)..<equals]
        let keyText = text[text.index(after: equals)...]
        if let slash = target.lastIndex(of: "/") {
            group = String(target[..<slash])
            kind = String(target[target.index(after: slash)...])
        } else {
            group = ""
            kind = String(target)
        }
        let keys = keyText.split(separator: ",").map { String($0).trimmingSpaces }
        var segments: [Segment] = []
        for raw in pathText.split(separator: ".", omittingEmptySubsequences: false) {
            var name = String(raw)
            var into = false
            if name.hasSuffix("[]") { name.removeLast(2); into = true }
            guard !name.isEmpty else {
                throw Diagnostic.error(at: nil, "merge key declaration \"\(text)\" has an empty path segment", hint: syntax)
            }
            segments.append(Segment(name: name, intoElements: into))
        }
        guard !kind.isEmpty, !segments.isEmpty, !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else {
            throw Diagnostic.error(at: nil, "cannot read merge key declaration \"\(text)\"", hint: syntax)
        }
        path = segments
        key = MergeKey(keys)
    }

    public var description: String {
        let p = path.map { $0.name + ($0.intoElements ? "[]" : "") }.joined(separator: ".")
        return "\(groupKind):\(p)=\(key)"
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
