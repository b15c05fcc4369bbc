import Foundation
import YAMLModel

/// RFC 6902 JSON Patch: the escape hatch for changes a merge cannot express.
///
/// Operations `add`, `remove`, `replace`, `move`, `copy` and `test`, addressed with RFC 6901
/// JSON Pointers (`/spec/containers/0/image`, with `~1` for `/` and `~0` for `~`).
public struct JSONPatch: Sendable {
    public struct Operation: Sendable {
        public enum Kind: String, Sendable { case add, remove, replace, move, copy, test }
        public var kind: Kind
        public var path: [String]
        public var from: [String]?
        public var value: Node?
        /// Where the operation is written, for messages.
        public var location: SourceLocation
        public var pathText: String
    }

    public var operations: [Operation]

    public init(operations: [Operation]) { self.operations = operations }

    /// Reads a list of operations.
    public init(parsing node: Node) throws {
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "a JSON patch is a list of operations, not a \(node.kindName)")
        }
        operations = try items.map(Self.operation)
    }

    static func operation(_ node: Node) throws -> Operation {
        guard let m = node.mapping else {
            throw Diagnostic.error(at: node.location, "a JSON patch operation must be a mapping, not a \(node.kindName)")
        }
        guard let opNode = m["op"] else {
            throw Diagnostic.error(at: node.location, "the operation has no \"op\"", hint: "op is one of add, remove, replace, move, copy, test")
        }
        guard let name = opNode.stringValue, let kind = Operation.Kind(rawValue: name) else {
            throw Diagnostic.error(at: opNode.location, "unknown JSON patch op \(opNode.scalar?.display ?? opNode.kindName)",
                                   hint: "op is one of add, remove, replace, move, copy, test")
        }
        guard let pathNode = m["path"] else {
            throw Diagnostic.error(at: node.location, "the \(name) operation has no \"path\"")
        }
        let pathText = pathNode.stringValue ?? ""
        let path = try pointer(pathNode)
        var from: [String]?
        if kind == .move || kind == .copy {
            guard let fromNode = m["from"] else {
                throw Diagnostic.error(at: node.location, "the \(name) operation has no \"from\"")
            }
            from = try pointer(fromNode)
        }
        var value: Node?
        if kind == .add || kind == .replace || kind == .test {
            guard let v = m["value"] else {
                throw Diagnostic.error(at: node.location, "the \(name) operation has no \"value\"")
            }
            value = v
        }
        return Operation(kind: kind, path: path, from: from, value: value, location: node.location, pathText: pathText)
    }

    /// Splits an RFC 6901 pointer into reference tokens.
    public static func pointer(_ node: Node) throws -> [String] {
        guard let text = node.stringValue else {
            throw Diagnostic.error(at: node.location, "a JSON pointer must be a string, not \(node.scalar?.display ?? "a " + node.kindName)")
        }
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else {
            throw Diagnostic.error(at: node.location, "JSON pointer \"\(text)\" must start with \"/\"")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var chars = raw.makeIterator()
            while let c = chars.next() {
                if c == "~" {
                    switch chars.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default:
                        throw Diagnostic.error(at: node.location, "JSON pointer \"\(text)\" has a \"~\" not followed by 0 or 1", hint: "write ~0 for ~ and ~1 for /")
                    }
                } else {
                    token.append(c)
                }
            }
            tokens.append(token)
        }
        return tokens
    }

    /// The most nodes one patch may copy. `copy` shares the copied tree, so copying a
    /// document into itself a few dozen times costs nothing here but makes a tree of 2^n
    /// nodes that writing out would never finish ("copy bomb"); the bound is the parser's
    /// bound on alias expansion.
    public static let maxCopiedNodes = YAMLParser.Limits().aliasNodesHardLimit
    /// The deepest an operation may nest a value: twice the parser's limit, which a
    /// parameter's value placed in a base already reaches. Without it, copies into deep paths
    /// (or adds at ever longer paths) would nest a tree deep enough to overflow the stack.
    public static let maxDepth = 2 * YAMLParser.Limits().maxDepth

    /// Applies every operation in order. Nothing is applied if one fails.
    public func apply(to document: Node) throws -> Node {
        var doc = document
        var copied = 0
        for op in operations {
            doc = try Self.apply(op, to: doc, copied: &copied)
        }
        return doc
    }

    static func apply(_ op: Operation, to doc: Node, copied: inout Int) throws -> Node {
        let path = op.pathText
        switch op.kind {
        case .add:
            try checkDepth(of: op.value!, at: op.path, op: op)
            return try add(op.value!, at: op.path[...], in: doc, op: op, pointer: path)
        case .remove:
            return try remove(at: op.path[...], in: doc, op: op, pointer: path).root
        case .replace:
            _ = try get(op.path[...], in: doc, op: op, pointer: path)
            try checkDepth(of: op.value!, at: op.path, op: op)
            let removed = try remove(at: op.path[...], in: doc, op: op, pointer: path, forReplace: true)
            return try add(op.value!.replacing(removed.removed), at: op.path[...], in: removed.root, op: op, pointer: path)
        case .move:
            let from = op.from!
            if from == op.path { return doc }
            if op.path.count > from.count && Array(op.path.prefix(from.count)) == from {
                throw Diagnostic.error(at: op.location, "cannot move \(pointerText(from)) into its own child \(op.pathText)")
            }
            let removed = try remove(at: from[...], in: doc, op: op, pointer: "from " + pointerText(from))
            try checkDepth(of: removed.removed, at: op.path, op: op)
            return try add(removed.removed, at: op.path[...], in: removed.root, op: op, pointer: path)
        case .copy:
            let value = try get(op.from![...], in: doc, op: op, pointer: "from " + pointerText(op.from!))
            copied += value.size(upTo: maxCopiedNodes - copied + 1)
            if copied > maxCopiedNodes {
                throw Diagnostic.error(at: op.location, "the patch copies more than \(maxCopiedNodes) nodes; refusing a possible copy bomb",
                                       hint: "copy smaller parts, or write the values out")
            }
            try checkDepth(of: value, at: op.path, op: op)
            return try add(value, at: op.path[...], in: doc, op: op, pointer: path)
        case .test:
            let value = try get(op.path[...], in: doc, op: op, pointer: path)
            guard value == op.value! else {
                throw Diagnostic.error(at: op.location, "test failed: \(op.pathText) is not the expected value",
                                       hint: "the resource holds a different value there; the patch was written for another base")
            }
            return doc
        }
    }

    /// A value placed at `path` may not nest the document deeper than `maxDepth`.
    static func checkDepth(of value: Node, at path: [String], op: Operation) throws {
        let depth = path.count + value.height(upTo: maxDepth + 1)
        if depth > maxDepth {
            let pointer = op.pathText.isEmpty ? "\"\"" : op.pathText.count > 100 ? op.pathText.prefix(100) + "…" : op.pathText
            throw Diagnostic.error(at: op.location, "\(op.kind.rawValue) \(pointer) would nest the document more than \(maxDepth) levels deep",
                                   hint: "JSON patches may not build trees deeper than that")
        }
    }

    static func pointerText(_ tokens: [String]) -> String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }

    /// `pointer` is the pointer being walked: the op's path, or `from <pointer>` for move and copy.
    static func notFound(_ op: Operation, _ pointer: String, _ detail: String) -> Diagnostic {
        .error(at: op.location, "\(op.kind.rawValue) \(pointer.isEmpty ? "\"\"" : pointer): \(detail)")
    }

    static func arrayIndex(_ token: String, count: Int, allowEnd: Bool, op: Operation, pointer: String) throws -> Int {
        if allowEnd && token == "-" { return count }
        guard let i = Int(token), i >= 0, String(i) == token else {
            throw notFound(op, pointer, "\"\(token)\" is not a list index")
        }
        guard i < count || (allowEnd && i == count) else {
            throw notFound(op, pointer, "index \(i) is out of range (the list has \(count) element\(count == 1 ? "" : "s"))")
        }
        return i
    }

    static func get(_ path: ArraySlice<String>, in node: Node, op: Operation, pointer: String) throws -> Node {
        guard let token = path.first else { return node }
        switch node.value {
        case .mapping(let m):
            guard let child = m[token] else { throw notFound(op, pointer, "no key \"\(token)\"") }
            return try get(path.dropFirst(), in: child, op: op, pointer: pointer)
        case .sequence(let items):
            let i = try arrayIndex(token, count: items.count, allowEnd: false, op: op, pointer: pointer)
            return try get(path.dropFirst(), in: items[i], op: op, pointer: pointer)
        case .scalar:
            throw notFound(op, pointer, "cannot step into a \(node.kindName) with \"\(token)\"")
        }
    }

    static func add(_ value: Node, at path: ArraySlice<String>, in node: Node, op: Operation, pointer: String) throws -> Node {
        guard let token = path.first else { return value }
        var out = node
        switch node.value {
        case .mapping(var m):
            if path.count == 1 {
                m.set(token, m[token].map { value.replacing($0) } ?? value)
            } else {
                guard let child = m[token] else { throw notFound(op, pointer, "no key \"\(token)\"") }
                m.set(token, try add(value, at: path.dropFirst(), in: child, op: op, pointer: pointer))
            }
            out.value = .mapping(m)
        case .sequence(var items):
            if path.count == 1 {
                items.insert(value, at: try arrayIndex(token, count: items.count, allowEnd: true, op: op, pointer: pointer))
            } else {
                let i = try arrayIndex(token, count: items.count, allowEnd: false, op: op, pointer: pointer)
                items[i] = try add(value, at: path.dropFirst(), in: items[i], op: op, pointer: pointer)
            }
            out.value = .sequence(items)
        case .scalar:
            throw notFound(op, pointer, "cannot step into a \(node.kindName) with \"\(token)\"")
        }
        return out
    }

    static func remove(at path: ArraySlice<String>, in node: Node, op: Operation, pointer: String, forReplace: Bool = false) throws -> (root: Node, removed: Node) {
        guard let token = path.first else {
            if forReplace { return (node, node) }
            throw notFound(op, pointer, "cannot remove the whole document")
        }
        var out = node
        var removed: Node
        switch node.value {
        case .mapping(var m):
            guard let child = m[token] else { throw notFound(op, pointer, "no key \"\(token)\"") }
            if path.count == 1 {
                removed = child
                if !forReplace { m.remove(token) }
            } else {
                let r = try remove(at: path.dropFirst(), in: child, op: op, pointer: pointer, forReplace: forReplace)
                m.set(token, r.root)
                removed = r.removed
            }
            out.value = .mapping(m)
        case .sequence(var items):
            let i = try arrayIndex(token, count: items.count, allowEnd: false, op: op, pointer: pointer)
            if path.count == 1 {
                removed = items.remove(at: i)
            } else {
                let r = try remove(at: path.dropFirst(), in: items[i], op: op, pointer: pointer, forReplace: forReplace)
                items[i] = r.root
                removed = r.removed
            }
            out.value = .sequence(items)
        case .scalar:
            throw notFound(op, pointer, "cannot step into a \(node.kindName) with \"\(token)\"")
        }
        return (out, removed)
    }
}
