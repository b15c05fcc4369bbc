import MergeEngine
import YAMLModel

/// Which parameters reach the rendered output, read from the values' provenance: a
/// parameter's value that is still in a resource was used; one that a later patch replaced
/// everywhere was not, and the patch's position says what replaced it.
struct ParameterUse {
    /// Parameters whose value is in the output (whole, or written into a string).
    private(set) var reaching: Set<String> = []
    /// For parameters a patch replaced: where the first such patch value is.
    private(set) var replacedAt: [String: SourceLocation] = [:]

    init(_ resources: [Resource]) {
        for r in resources { visit(r.node) }
    }

    /// Parameters used in the templates whose every value was replaced.
    func overridden(among used: Set<String>) -> [(name: String, by: SourceLocation)] {
        replacedAt.filter { used.contains($0.key) && !reaching.contains($0.key) }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private mutating func visit(_ node: Node) {
        follow(node)
        switch node.value {
        case .scalar: break
        case .sequence(let items): for item in items { visit(item) }
        case .mapping(let m): for (_, entry) in m.entries { visit(entry.value) }
        }
    }

    /// Walks a node's history: parameter links before any plain override reach the output;
    /// those after one were replaced by `node`.
    private mutating func follow(_ node: Node) {
        var link = node.overrode
        var replaced = false
        var depth = 0
        while let l = link, depth < 64 {
            switch l.reason {
            case .parameter(let name)?, .interpolatedParameter(let name)?:
                if replaced {
                    if replacedAt[name] == nil { replacedAt[name] = node.location }
                } else {
                    reaching.insert(name)
                }
            case .derived?, .transformed?:
                break
            case nil:
                replaced = true
            }
            link = l.node.overrode
            depth += 1
        }
    }
}
