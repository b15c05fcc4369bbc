import YAMLModel

/// Builds generated trees whose nodes all carry one provenance: what made them.
struct NodeBuilder: Sendable {
    var here: SourceLocation

    init(_ here: SourceLocation) { self.here = here }
    init(generatedBy what: String) { here = .generated(what) }

    func str(_ s: String) -> Node { .scalar(.string(s), at: here) }
    func bool(_ b: Bool) -> Node { .scalar(.bool(b), at: here) }
    func int(_ i: Int) -> Node { .scalar(.int(i), at: here) }
    func list(_ items: [Node]) -> Node { .sequence(items, at: here) }

    func map(_ pairs: [(String, Node)]) -> Node {
        var m = Mapping()
        for (key, value) in pairs { m.set(key, value) }
        return .mapping(m, at: here)
    }

    /// A mapping without the pairs whose value is nil.
    func map(_ pairs: [(String, Node?)]) -> Node {
        map(pairs.compactMap { key, value in value.map { (key, $0) } })
    }
}
