import CYAML
import OrderedCollections

/// Parses YAML streams into `Node` trees through libyaml's event API.
///
/// Every node keeps its file, line and column. Anchors, aliases and `<<` merge keys are
/// resolved while building, with a bound on how much aliases may expand, so that a
/// "billion laughs" document fails fast instead of exhausting memory.
public struct YAMLParser {
    /// Limits on alias expansion. An alias costs the size of the tree it stands for.
    public struct Limits: Sendable {
        /// Aliases may always expand to this many nodes in total.
        public var aliasNodesAlwaysAllowed = 100_000
        /// Beyond that, aliases may expand to at most this many times the written nodes.
        public var aliasExpansionRatio = 10
        /// And never beyond this many nodes.
        public var aliasNodesHardLimit = 5_000_000
        /// Deepest nesting accepted.
        public var maxDepth = 512

        public init() {}
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses every document of a stream. A document that is empty (`---` alone) is a null node.
    public func parseStream(_ text: String, file: String) throws -> [Node] {
        var bytes = Array(text.utf8)
        return try parseStream(bytes: &bytes, file: file)
    }

    public func parseStream(bytes: inout [UInt8], file: String) throws -> [Node] {
        let count = bytes.count
        return try bytes.withUnsafeBufferPointer { buffer -> [Node] in
            var builder = TreeBuilder(file: file, limits: limits)
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                throw Diagnostic.error(at: nil, "libyaml could not initialise a parser (out of memory)")
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw Self.parserError(parser, file: file, input: buffer)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return builder.documents
        }
    }

    /// Parses a stream that must hold exactly one document.
    public func parseDocument(_ text: String, file: String) throws -> Node {
        let docs = try parseStream(text, file: file)
        guard let first = docs.first else {
            return Node.scalar(.null, at: SourceLocation(file: file, line: 1, column: 1))
        }
        if docs.count > 1 {
            throw Diagnostic.error(at: docs[1].location, "expected one YAML document, found \(docs.count)")
        }
        return first
    }

    static func parserError(_ parser: yaml_parser_t, file: String, input: UnsafeBufferPointer<UInt8>) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " " + context
            message += " (which started at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        if parser.error == YAML_READER_ERROR {
            // The reader (bad characters) reports a byte offset, not a mark.
            let location = Self.location(ofByte: Int(parser.problem_offset), in: input, file: file)
            if parser.problem_value >= 0 {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                message += " (found U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ")"
            }
            return .error(at: location, "invalid YAML: " + message)
        }
        let mark = parser.problem_mark
        let location = SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        if parser.error == YAML_SCANNER_ERROR, Self.character(atLine: Int(mark.line), column: Int(mark.column), in: input) == 0x09 {
            return .error(at: location, "invalid YAML: " + message,
                          hint: "this is a tab; YAML indents with spaces only")
        }
        return .error(at: location, "invalid YAML: " + message)
    }

    /// The first byte of the character at a 0-based line and column (as libyaml counts
    /// them, with LF line ends), or nil.
    static func character(atLine line: Int, column: Int, in input: UnsafeBufferPointer<UInt8>) -> UInt8? {
        var i = 0, currentLine = 0
        while currentLine < line {
            guard let newline = input[i...].firstIndex(of: 0x0A) else { return nil }
            i = newline + 1
            currentLine += 1
        }
        var currentColumn = 0
        while i < input.count {
            if input[i] & 0xC0 != 0x80 {
                if currentColumn == column { return input[i] }
                currentColumn += 1
            }
            if input[i] == 0x0A { return nil }
            i += 1
        }
        return nil
    }

    /// Line and column of a byte offset, counted as libyaml counts marks: columns in
    /// characters; CR LF, CR, LF, NEL, LS and PS each end a line.
    public static func location(ofByte offset: Int, in input: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, input.count)
        func at(_ j: Int) -> UInt8 { j < input.count ? input[j] : 0 }
        while i < end {
            let c = input[i]
            if c == 0x0D && at(i + 1) == 0x0A {
                i += 1
                continue
            }
            if c == 0x0A || c == 0x0D || (c == 0xC2 && at(i + 1) == 0x85)
                || (c == 0xE2 && at(i + 1) == 0x80 && (at(i + 2) == 0xA8 || at(i + 2) == 0xA9)) {
                line += 1
                column = 0
            }
            if c & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

/// Builds nodes from libyaml events.
private struct TreeBuilder {
    struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        /// Sequence items, or mapping keys and values alternating.
        var items: [Node] = []
        /// Indices (into `items`) of keys written as a plain `<<`.
        var mergeKeys: [Int] = []
        var size = 1
        /// Levels of nesting below this one (the tallest item's height).
        var height = 0
    }

    let file: String
    let limits: YAMLParser.Limits
    var documents: [Node] = []
    var stack: [Frame] = []
    /// Anchored nodes, with their size (nodes) and height (nesting levels, 0 for a scalar).
    var anchors: [String: (node: Node, size: Int, height: Int)] = [:]
    var writtenNodes = 0
    var aliasNodes = 0

    init(file: String, limits: YAMLParser.Limits) {
        self.file = file
        self.limits = limits
    }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    var expectingKey: Bool {
        guard let top = stack.last, top.isMapping else { return false }
        return top.items.count % 2 == 0
    }

    mutating func handle(_ event: yaml_event_t) throws {
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors.removeAll(keepingCapacity: true)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let loc = location(event.start_mark)
            let tag = Self.string(data.tag)
            let plain = data.style == YAML_PLAIN_SCALAR_STYLE
            if expectingKey {
                // `<<` is a merge key when plain and untagged, or tagged `!!merge` (as
                // generated CRDs write it: `!!merge <<: *anchor`).
                if text == "<<" && ((plain && tag == nil) || tag == "tag:yaml.org,2002:merge") {
                    stack[stack.count - 1].mergeKeys.append(stack[stack.count - 1].items.count)
                }
                // Keys are strings, as written. An anchored key, though, is reused by its
                // aliases as a value, with its resolved type (`&p 80: x` then `port: *p`).
                let anchor = Self.string(data.anchor)
                try complete(Node.scalar(.string(text), at: loc), size: 1, anchor: nil)
                if let anchor {
                    let value = (try? resolve(text, tag: tag, plain: plain, at: loc)) ?? .string(text)
                    anchors[anchor] = (Node.scalar(value, at: loc), 1, 0)
                }
                return
            }
            let scalar = try resolve(text, tag: tag, plain: plain, at: loc)
            writtenNodes += 1
            try complete(Node.scalar(scalar, at: loc), size: 1, anchor: Self.string(data.anchor))
        case YAML_SEQUENCE_START_EVENT:
            try push(isMapping: false, at: location(event.start_mark), anchor: Self.string(event.data.sequence_start.anchor))
        case YAML_MAPPING_START_EVENT:
            try push(isMapping: true, at: location(event.start_mark), anchor: Self.string(event.data.mapping_start.anchor))
        case YAML_SEQUENCE_END_EVENT:
            let frame = stack.removeLast()
            writtenNodes += 1
            try complete(Node.sequence(frame.items, at: frame.location), size: frame.size, height: frame.height + 1, anchor: frame.anchor)
        case YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            writtenNodes += 1
            let mapping = try buildMapping(frame)
            try complete(Node.mapping(mapping, at: frame.location), size: frame.size, height: frame.height + 1, anchor: frame.anchor)
        case YAML_ALIAS_EVENT:
            let loc = location(event.start_mark)
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw Diagnostic.error(at: loc, "alias *\(name) refers to no anchor defined before it",
                                       hint: "define &\(name) earlier in the same document")
            }
            if expectingKey {
                guard let key = target.node.scalar else {
                    throw Diagnostic.error(at: loc, "a mapping key must be a scalar; *\(name) is a \(target.node.kindName)")
                }
                // A key is placed where it is written, so that a duplicate names the alias.
                try complete(Node.scalar(.string(key.text), at: loc), size: 1, anchor: nil)
                return
            }
            aliasNodes += target.size
            if aliasNodes > limits.aliasNodesHardLimit
                || (aliasNodes > limits.aliasNodesAlwaysAllowed && aliasNodes > limits.aliasExpansionRatio * max(writtenNodes, 1)) {
                throw Diagnostic.error(
                    at: loc, "aliases expand to more than \(aliasNodes) nodes from \(writtenNodes) written ones; refusing a possible alias bomb",
                    hint: "write the repeated structure out, or reference it fewer times")
            }
            // An alias nests its tree where it stands: aliases of aliases could otherwise
            // build a tree far deeper than any written nesting, and deep enough to
            // overflow the stack of everything that walks it.
            if stack.count + target.height > limits.maxDepth {
                throw Diagnostic.error(
                    at: loc, "alias *\(name) would nest the document \(stack.count + target.height) levels deep; the limit is \(limits.maxDepth)",
                    hint: "aliases may not nest deeper than written nesting may; reference the anchor less deeply")
            }
            try complete(target.node, size: target.size, height: target.height, anchor: nil)
        default:
            break
        }
    }

    mutating func push(isMapping: Bool, at loc: SourceLocation, anchor: String?) throws {
        if expectingKey {
            throw Diagnostic.error(at: loc, "a mapping key must be a scalar, not a \(isMapping ? "mapping" : "list")")
        }
        guard stack.count < limits.maxDepth else {
            throw Diagnostic.error(at: loc, "nesting deeper than \(limits.maxDepth) levels")
        }
        stack.append(Frame(isMapping: isMapping, location: loc, anchor: anchor))
    }

    mutating func complete(_ node: Node, size: Int, height: Int = 0, anchor: String?) throws {
        if let anchor { anchors[anchor] = (node, size, height) }
        if stack.isEmpty {
            documents.append(node)
        } else {
            stack[stack.count - 1].items.append(node)
            stack[stack.count - 1].size += size
            stack[stack.count - 1].height = max(stack[stack.count - 1].height, height)
        }
    }

    func resolve(_ text: String, tag: String?, plain: Bool, at loc: SourceLocation) throws -> Scalar {
        guard let tag, tag != "!" else {
            return plain && tag == nil ? ScalarResolver.resolvePlain(text) : .string(text)
        }
        let core: Scalar.Tag?
        switch tag {
        case "tag:yaml.org,2002:str", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp": core = .string
        case "tag:yaml.org,2002:int": core = .int
        case "tag:yaml.org,2002:float": core = .float
        case "tag:yaml.org,2002:bool": core = .bool
        case "tag:yaml.org,2002:null": core = .null
        default: core = nil
        }
        guard let core else {
            // Unknown application tags carry no type we understand; read the value as written.
            return plain ? ScalarResolver.resolvePlain(text) : .string(text)
        }
        guard let scalar = ScalarResolver.resolve(text, tag: core) else {
            throw Diagnostic.error(at: loc, "\"\(text)\" is not a valid !!\(core.rawValue)")
        }
        return scalar
    }

    func buildMapping(_ frame: Frame) throws -> Mapping {
        if frame.mergeKeys.isEmpty { return try buildPlainMapping(frame) }
        var explicit: [String: SourceLocation] = [:]
        let mergeKeys = Set(frame.mergeKeys)
        var i = 0
        while i + 1 < frame.items.count {
            defer { i += 2 }
            if mergeKeys.contains(i) { continue }
            let key = frame.items[i]
            let name = key.scalar?.text ?? ""
            if let first = explicit[name] {
                throw Self.duplicateKey(name, at: key.location, first: first)
            }
            explicit[name] = key.location
        }
        var entries = OrderedDictionary<String, Mapping.Entry>()
        entries.reserveCapacity(frame.items.count / 2)
        i = 0
        while i + 1 < frame.items.count {
            defer { i += 2 }
            let key = frame.items[i], value = frame.items[i + 1]
            if mergeKeys.contains(i) {
                let sources: [Node]
                switch value.value {
                case .mapping: sources = [value]
                case .sequence(let items) where items.allSatisfy({ $0.mapping != nil }): sources = items
                default:
                    throw Diagnostic.error(at: value.location, "a << merge key needs a mapping or a list of mappings, not a \(value.kindName)")
                }
                for source in sources {
                    for (k, e) in source.mapping!.entries where explicit[k] == nil && entries[k] == nil {
                        entries[k] = e
                    }
                }
                continue
            }
            entries[key.scalar?.text ?? ""] = Mapping.Entry(keyLocation: key.location, value: value)
        }
        return Mapping(entries)
    }

    /// The common case, without `<<`: one pass, and inserting a key reveals a duplicate.
    func buildPlainMapping(_ frame: Frame) throws -> Mapping {
        var entries = OrderedDictionary<String, Mapping.Entry>(minimumCapacity: frame.items.count / 2)
        var i = 0
        while i + 1 < frame.items.count {
            let key = frame.items[i]
            let name = key.scalar?.text ?? ""
            let entry = Mapping.Entry(keyLocation: key.location, value: frame.items[i + 1])
            if let first = entries.updateValue(entry, forKey: name) {
                throw Self.duplicateKey(name, at: key.location, first: first.keyLocation)
            }
            i += 2
        }
        return Mapping(entries)
    }

    static func duplicateKey(_ name: String, at location: SourceLocation, first: SourceLocation) -> Diagnostic {
        .error(at: location, "duplicate key \"\(name)\"; first defined at \(first)",
               hint: "a mapping may set each key once; remove one of them")
    }
}
