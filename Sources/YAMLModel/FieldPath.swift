/// A path inside a YAML tree, the one way every part of the tool names a place in a
/// resource: merge errors, validation messages, rules, `explain` and `history`.
///
/// Written as users write it: `spec.configuration.clusters[name=weavecluster].layout.replicasCount`.
/// Dots separate keys; `[key=value]` picks the list element whose `key` is `value`; `[3]`
/// picks by index. A key holding dots, brackets, quotes or spaces is quoted:
/// `files."config.d/logger.xml"`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
        case element(key: String, value: String)

        /// The step of a list element: `[name=x]` when it has a name, else `[i]`.
        public static func element(_ i: Int, of item: Node) -> Step {
            item["name"]?.stringValue.map { .element(key: "name", value: $0) } ?? .index(i)
        }

        /// One step as written in a path: `key`, `[3]`, `[name=x]`.
        public var text: String {
            switch self {
            case .key(let k): return FieldPath.key(k)
            case .index(let i): return "[\(i)]"
            case .element(let k, let v): return "[\(k)=\(v)]"
            }
        }
    }

    public var steps: [Step]

    public init(_ steps: [Step] = []) { self.steps = steps }

    public func appending(_ key: String) -> FieldPath { appending(.key(key)) }

    public func appending(_ step: Step) -> FieldPath {
        var p = self
        p.steps.append(step)
        return p
    }

    public static func + (path: FieldPath, steps: [Step]) -> FieldPath { FieldPath(path.steps + steps) }

    /// The last key of the path, when it ends in one.
    public var lastKey: String? {
        if case .key(let k)? = steps.last { return k }
        return nil
    }

    /// The keys of the path, without its list steps.
    public var keys: [String] {
        steps.compactMap { if case .key(let k) = $0 { return k } else { return nil } }
    }

    public var description: String { steps.isEmpty ? "(root)" : prefix(steps.count) }

    /// The first `depth` steps, written back as text.
    public func prefix(_ depth: Int) -> String {
        var out = ""
        for step in steps.prefix(depth) {
            if case .key = step, !out.isEmpty { out += "." }
            out += step.text
        }
        return out
    }

    /// A key as written in a path: quoted when it holds dots, brackets, quotes or spaces.
    public static func key(_ k: String) -> String {
        if !k.isEmpty && !k.contains(where: { $0 == "." || $0 == "[" || $0 == "]" || $0 == "\"" || $0 == " " }) { return k }
        return quoted(k)
    }

    /// A string in double quotes, escaped, cut after 60 characters: messages never echo
    /// more of a value than that.
    public static func quoted(_ s: String) -> String {
        var body = ""
        for c in s.prefix(60) {
            switch c {
            case "\"": body += "\\\""
            case "\\": body += "\\\\"
            case "\n": body += "\\n"
            case "\t": body += "\\t"
            default: body.append(c)
            }
        }
        return "\"" + body + (s.count > 60 ? "…" : "") + "\""
    }

    // MARK: Reading a path as written

    public init(parsing text: String) throws {
        var steps: [Step] = []
        let chars = Array(text)
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
        guard !steps.isEmpty else { throw fail("it is empty") }
        self.steps = steps
    }

    // MARK: Following a path

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

    // MARK: Walking a tree

    /// Visits every node of a tree with its path, parents before children; list elements
    /// are named by `Step.element(_:of:)`. One path buffer serves the whole walk, so a
    /// visitor that keeps `path` keeps a copy.
    public static func walk(_ node: Node, from start: [Step] = [], _ visit: (Node, [Step]) -> Void) {
        var path = start
        walk(node, &path, visit)
    }

    private static func walk(_ node: Node, _ path: inout [Step], _ visit: (Node, [Step]) -> Void) {
        visit(node, path)
        switch node.value {
        case .scalar: break
        case .mapping(let m):
            for (k, e) in m.entries {
                path.append(.key(k))
                walk(e.value, &path, visit)
                path.removeLast()
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                path.append(.element(i, of: item))
                walk(item, &path, visit)
                path.removeLast()
            }
        }
    }

    /// Visits, with its path, every node that is the value of a mapping key in `keys`,
    /// without a call for every other node of the tree. `keys` is a short list: comparing
    /// a few short strings costs less than hashing one.
    public static func walk(_ node: Node, from start: [Step] = [], values keys: [String], _ visit: (Node, [Step]) -> Void) {
        var path = start
        walk(node, &path, keys, visit)
    }

    private static func walk(_ node: Node, _ path: inout [Step], _ keys: [String], _ visit: (Node, [Step]) -> Void) {
        switch node.value {
        case .scalar: break
        case .mapping(let m):
            for (k, e) in m.entries {
                path.append(.key(k))
                if keys.contains(k) { visit(e.value, path) }
                if case .scalar = e.value.value {} else { walk(e.value, &path, keys, visit) }
                path.removeLast()
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                if case .scalar = item.value { continue }
                path.append(.element(i, of: item))
                walk(item, &path, keys, visit)
                path.removeLast()
            }
        }
    }
}
