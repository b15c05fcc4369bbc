import OrderedCollections
import MergeEngine
import YAMLModel

/// Replaces `${name}` placeholders in base and layer documents with an environment's values.
///
/// A scalar that is exactly `${name}` becomes the value itself, keeping its type; a longer
/// string has the value interpolated as text. `$${` writes a literal `${`. Errors are
/// collected rather than thrown, so one run reports every bad placeholder.
public struct ParameterSubstitution {
    public let declarations: OrderedDictionary<String, Parameter>
    /// The value of every parameter that has one: the environment's, or the default.
    public let values: [String: Node]
    /// The environment file, named in "no value" messages.
    public let environmentFile: String
    public private(set) var used: Set<String> = []
    public private(set) var diagnostics: [Diagnostic] = []
    private var reportedMissing: Set<String> = []

    public init(declarations: OrderedDictionary<String, Parameter>, values: [String: Node], environmentFile: String) {
        self.declarations = declarations
        self.values = values
        self.environmentFile = environmentFile
    }

    public mutating func substitute(_ node: Node) -> Node {
        substituted(node) ?? node
    }

    /// The node with its placeholders filled in, or nil when it has none: subtrees without
    /// placeholders (most of a base) are shared with the parsed file, not copied.
    mutating func substituted(_ node: Node) -> Node? {
        switch node.value {
        case .scalar(let s):
            guard s.tag == .string, s.text.containsBytes(Self.marker) else { return nil }
            return substitute(string: s.text, in: node)
        case .sequence:
            return node.replacingChildren { substituted($0) }
        case .mapping(let m):
            // Children come in entry order; each key is checked before its value.
            var i = 0
            return node.replacingChildren { value in
                let (key, entry) = (m.entries.keys[i], m.entries.values[i])
                i += 1
                if key.containsBytes(Self.marker) {
                    diagnostics.append(.error(at: entry.keyLocation, "placeholders are not substituted in mapping keys: \"\(key)\"",
                                              hint: "keys are structure, which comes from layers; use a layer patch, or $${ for a literal ${"))
                }
                return substituted(value)
            }
        }
    }

    /// Substitutes along a map of where the document's placeholders are (made once per
    /// file), visiting nothing else: the same result as `substitute(_:)`.
    public mutating func substitute(_ node: Node, along map: PlaceholderMap) -> Node {
        switch map {
        case .none:
            return node
        case .anywhere:
            return substitute(node)
        case .mapping(let children):
            guard case .mapping(var m) = node.value else { return substitute(node) }
            for (i, child) in children { m.setValue(at: i, substitute(m.entries.values[i].value, along: child)) }
            var out = node
            out.value = .mapping(m)
            return out
        case .sequence(let children):
            guard case .sequence(var items) = node.value else { return substitute(node) }
            for (i, child) in children { items[i] = substitute(items[i], along: child) }
            var out = node
            out.value = .sequence(items)
            return out
        }
    }

    /// `${`, which `$${` contains too.
    static let marker = Array("${".utf8)

    enum Piece {
        case text(String)
        /// The name, and where the placeholder is (its `$`).
        case placeholder(String, at: SourceLocation)
    }

    /// The line of `bytes` that holds byte `offset`, without its newline.
    static func line(around offset: Int, in bytes: [UInt8]) -> String {
        let newline = UInt8(ascii: "\n")
        let start = bytes[..<offset].lastIndex(of: newline).map { $0 + 1 } ?? 0
        let end = bytes[offset...].firstIndex(of: newline) ?? bytes.count
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Where byte `offset` of a string at `location` is: its own line and column in an
    /// embedded file's text, else the string's location.
    static func location(of offset: Int, in bytes: [UInt8], at location: SourceLocation) -> SourceLocation {
        guard location.startsFile else { return location }
        var line = 1, start = 0
        for j in 0..<offset where bytes[j] == UInt8(ascii: "\n") { line += 1; start = j + 1 }
        return location.inText(line: line, column: offset - start + 1) ?? location
    }

    /// Splits a string into text and placeholders; nil (with a diagnostic) when malformed.
    mutating func pieces(_ text: String, at location: SourceLocation) -> [Piece]? {
        let bytes = Array(text.utf8)
        let dollar = UInt8(ascii: "$"), open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        var out: [Piece] = []
        var literal = ""
        var run = 0  // start of the literal bytes not yet copied into `literal`
        var i = 0
        while i < bytes.count {
            guard bytes[i] == dollar else { i += 1; continue }
            if i + 2 < bytes.count, bytes[i + 1] == dollar, bytes[i + 2] == open {
                literal += String(decoding: bytes[run..<i], as: UTF8.self) + "${"
                i += 3
                run = i
            } else if i + 1 < bytes.count, bytes[i + 1] == open {
                guard let end = bytes[(i + 2)...].firstIndex(of: close) else {
                    // A file's text is quoted by its line, not whole.
                    let quoted = location.startsFile ? Self.line(around: i, in: bytes) : text
                    diagnostics.append(.error(at: Self.location(of: i, in: bytes, at: location), "unterminated placeholder in \"\(quoted)\"",
                                              hint: "write ${name}, or $${ for a literal ${"))
                    return nil
                }
                literal += String(decoding: bytes[run..<i], as: UTF8.self)
                if !literal.isEmpty { out.append(.text(literal)); literal = "" }
                out.append(.placeholder(String(decoding: bytes[(i + 2)..<end], as: UTF8.self), at: Self.location(of: i, in: bytes, at: location)))
                i = end + 1
                run = i
            } else {
                i += 1
            }
        }
        literal += String(decoding: bytes[run...], as: UTF8.self)
        if !literal.isEmpty { out.append(.text(literal)) }
        return out
    }

    mutating func substitute(string text: String, in node: Node) -> Node {
        guard let pieces = pieces(text, at: node.location) else { return node }
        if pieces.count == 1, case .placeholder(let name, let at) = pieces[0] {
            guard let value = resolve(name, at: at) else { return node }
            // The value was set in the environment (or the project's default); the template
            // position is what it replaced.
            return value.replacing(node, reason: .parameter(name))
        }
        var out = ""
        var interpolated: [(name: String, value: Node)] = []
        for piece in pieces {
            switch piece {
            case .text(let t): out += t
            case .placeholder(let name, let at):
                guard let value = resolve(name, at: at) else { continue }
                guard let s = value.scalar, s.tag != .null else {
                    diagnostics.append(.error(at: at, "parameter \"\(name)\" is \(value.kindWithArticle) and cannot be part of a longer string",
                                              hint: "use ${\(name)} as the whole value"))
                    continue
                }
                out += s.text
                if !interpolated.contains(where: { $0.name == name }) { interpolated.append((name, value)) }
            }
        }
        var result = node
        result.value = .scalar(.string(out))
        // The string stays where the template wrote it; it records the values written into it,
        // each linked to the next, and the last to whatever the template node replaced.
        var link = node.overrode
        for (name, value) in interpolated.reversed() {
            var contributed = value
            contributed.overrode = link
            link = Overridden(contributed, reason: .interpolatedParameter(name))
        }
        result.overrode = link
        return result
    }

    mutating func resolve(_ name: String, at location: SourceLocation) -> Node? {
        guard let declaration = declarations[name] else {
            var hint = "declare it under parameters: in gitops-weave.yaml"
            if let close = Suggestion.closest(to: name, in: Array(declarations.keys)) { hint = "did you mean \"\(close)\"? Or " + hint }
            diagnostics.append(.error(at: location, "undeclared parameter \"\(name)\"", hint: hint))
            return nil
        }
        used.insert(name)
        guard let value = values[name] else {
            if reportedMissing.insert(name).inserted {
                diagnostics.append(.error(at: location, "parameter \"\(name)\" has no value: \(environmentFile) does not set it and it has no default",
                                          hint: "set \(name) under parameters: in \(environmentFile), or give it a default at \(declaration.location)"))
            }
            return nil
        }
        return value
    }
}

/// Where a document's placeholders are: the entries and items to descend into, and nothing
/// for subtrees without one. Most of a base has none, and every environment would
/// otherwise look at all of it again.
public indirect enum PlaceholderMap: Sendable {
    case none
    /// Substitute this whole subtree (a scalar with a placeholder, or a key holding `${`,
    /// which substitution reports).
    case anywhere
    case mapping([(Int, PlaceholderMap)])
    case sequence([(Int, PlaceholderMap)])

    public init(_ node: Node) {
        let marker = ParameterSubstitution.marker
        switch node.value {
        case .scalar(let s):
            self = s.tag == .string && s.text.containsBytes(marker) ? .anywhere : .none
        case .mapping(let m):
            if m.keys.contains(where: { $0.containsBytes(marker) }) { self = .anywhere; return }
            let children = Self.children(m.entries.values.map(\.value))
            self = children.isEmpty ? .none : .mapping(children)
        case .sequence(let items):
            let children = Self.children(items)
            self = children.isEmpty ? .none : .sequence(children)
        }
    }

    /// The maps of the values that hold a placeholder, with their positions.
    private static func children(_ values: [Node]) -> [(Int, PlaceholderMap)] {
        values.enumerated().compactMap { i, value in
            let child = PlaceholderMap(value)
            if case .none = child { return nil }
            return (i, child)
        }
    }
}
