/// A path into a resource, as users write it: `spec.configuration.clusters[name=weavecluster].layout.replicasCount`.
///
/// Dots separate keys; `[key=value]` picks the list element whose `key` is `value`;
/// `[3]` picks by index. A key holding dots or brackets is quoted: `files."config.d/logger.xml"`.
public struct FieldPathQuery: Hashable, Sendable, CustomStringConvertible {
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
        case element(key: String, value: String)
    }

    public var steps: [Step]
    public let text: String

    public init(parsing text: String) throws {
        self.text = text
        var steps: [Step] = []
        var chars = Array(text)
        var i = 0
        func fail(_ why: String) -> Diagnostic {
            .error(at: nil, "cannot read field path \"\(text)\": \(why)",
                   hint: "write keys separated by dots, [key=value] or [index] for list elements, and quote keys with dots: files.\"config.d/x.xml\"")
        }
        while i < chars.count {
            switch chars[i] {
            case ".":
                i += 1
                if i >= chars.count || chars[i] == "." { throw fail("empty key") }
            case "[":
                guard let close = chars[i...].firstIndex(of: "]") else { throw fail("unclosed [") }
                let inside = String(chars[(i + 1)..<close])
                if let eq = inside.firstIndex(of: "=") {
                    let key = String(inside[..<eq]), value = String(inside[inside.index(after: eq)...])
                    guard !key.isEmpty else { throw fail("[=\(value)] names no key") }
                    steps.append(.element(key: key, value: value))
                } else if let n = Int(inside), n >= 0 {
                    steps.append(.index(n))
                } else {
                    throw fail("[\(inside)] is neither key=value nor an index")
                }
                i = close + 1
            case "\"":
                guard let close = chars[(i + 1)...].firstIndex(of: "\"") else { throw fail("unclosed quote") }
                steps.append(.key(String(chars[(i + 1)..<close])))
                i = close + 1
            default:
                var j = i
                while j < chars.count, chars[j] != ".", chars[j] != "[" { j += 1 }
                steps.append(.key(String(chars[i..<j])))
                i = j
            }
        }
        chars.removeAll()
        guard !steps.isEmpty else { throw fail("it is empty") }
        self.steps = steps
    }

    public var description: String { text }

    /// The node at this path, or the step at which the path stopped matching.
    public func resolve(in node: Node) -> Result<Node, Miss> {
        var current = node
        for (n, step) in steps.enumerated() {
            switch step {
            case .key(let k):
                guard let next = current.mapping?[k] else { return .failure(Miss(depth: n, node: current)) }
                current = next
            case .index(let i):
                guard let items = current.sequence, i < items.count else { return .failure(Miss(depth: n, node: current)) }
                current = items[i]
            case .element(let k, let v):
                guard let next = current.sequence?.first(where: { $0.mapping?[k]?.scalar?.text == v }) else {
                    return .failure(Miss(depth: n, node: current))
                }
                current = next
            }
        }
        return .success(current)
    }

    /// Where a path stopped matching: the step that failed and the node it looked in.
    public struct Miss: Error {
        public var depth: Int
        public var node: Node
    }

    /// The steps up to `depth`, written back as text.
    public func prefix(_ depth: Int) -> String {
        var out = ""
        for step in steps.prefix(depth) {
            switch step {
            case .key(let k):
                let quoted = k.contains(".") || k.contains("[") ? "\"\(k)\"" : k
                out += out.isEmpty ? quoted : "." + quoted
            case .index(let i): out += "[\(i)]"
            case .element(let k, let v): out += "[\(k)=\(v)]"
            }
        }
        return out
    }
}
