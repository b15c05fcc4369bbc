import CYAML

/// Where each node of a YAML file's first document is, in bytes, and how it is written:
/// what an edit that changes only a value's characters needs. (`Node` knows the line and
/// column a value starts at, not where it ends or how it is quoted.)
public struct YAMLSpans: Sendable {
    /// Bytes `start..<end` of the file.
    public struct Span: Equatable, Sendable {
        public var start: Int
        public var end: Int
    }

    public enum ScalarStyle: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public indirect enum Item: Sendable {
        case scalar(String, ScalarStyle, Span)
        case mapping([Entry], flow: Bool, Span)
        case sequence([Item], flow: Bool, Span)
        /// `*anchor`: refers to another node; never edited in place.
        case alias(Span)

        public var span: Span {
            switch self {
            case .scalar(_, _, let s), .mapping(_, _, let s), .sequence(_, _, let s), .alias(let s): return s
            }
        }

        public var entries: [Entry]? {
            if case .mapping(let e, _, _) = self { return e }
            return nil
        }

        /// The entry with this key, when this is a mapping.
        public func entry(_ key: String) -> Entry? { entries?.first { $0.key == key } }
    }

    public struct Entry: Sendable {
        public var key: String
        public var keySpan: Span
        public var value: Item
    }

    public let bytes: [UInt8]
    /// The first document's root; nil for an empty file.
    public let root: Item?

    public init(_ text: String, file: String) throws {
        bytes = Array(text.utf8)
        root = try Self.parse(bytes, file: file)
    }

    /// The line break the file uses: `\r\n` when its first line ends so.
    public var lineBreak: String {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return "\n" }
        return newline > 0 && bytes[newline - 1] == 0x0D ? "\r\n" : "\n"
    }

    /// The start of the line holding byte `offset`.
    public func lineStart(_ offset: Int) -> Int {
        var i = min(offset, bytes.count)
        while i > 0 && bytes[i - 1] != 0x0A { i -= 1 }
        return i
    }

    /// The byte after the line break ending the line that holds `offset` (the end of the
    /// file when that line has none).
    public func nextLineStart(_ offset: Int) -> Int {
        var i = offset
        while i < bytes.count && bytes[i] != 0x0A { i += 1 }
        return min(i + 1, bytes.count)
    }

    /// The column (0-based, in bytes) of `offset` in its line.
    public func column(_ offset: Int) -> Int { offset - lineStart(offset) }

    // MARK: Parsing

    static func parse(_ bytes: [UInt8], file: String) throws -> Item? {
        // libyaml's marks count characters (a CRLF as two); map them back to bytes.
        var byteOfCharacter: [Int] = []
        byteOfCharacter.reserveCapacity(bytes.count + 1)
        let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for (i, b) in bytes.enumerated().dropFirst(bom) where b & 0xC0 != 0x80 { byteOfCharacter.append(i) }
        byteOfCharacter.append(bytes.count)
        func offset(_ mark: yaml_mark_t) -> Int {
            let index = Int(mark.index)
            return index < byteOfCharacter.count ? byteOfCharacter[index] : bytes.count
        }

        return try bytes.withUnsafeBufferPointer { buffer -> Item? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                throw Diagnostic.error(at: nil, "libyaml could not initialise a parser (out of memory)")
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count)

            // Open collections, innermost last; a mapping's pending key waits for its value.
            enum Open {
                case mapping(entries: [Entry], flow: Bool, start: Int, pendingKey: (String, Span)?)
                case sequence(items: [Item], flow: Bool, start: Int)
            }
            var stack: [Open] = []
            var root: Item?
            var documents = 0

            func add(_ item: Item) throws {
                guard var top = stack.popLast() else {
                    root = item
                    return
                }
                switch top {
                case .mapping(var entries, let flow, let start, let pending):
                    if let (key, keySpan) = pending {
                        entries.append(Entry(key: key, keySpan: keySpan, value: item))
                        top = .mapping(entries: entries, flow: flow, start: start, pendingKey: nil)
                    } else {
                        guard case .scalar(let text, _, let span) = item else {
                            throw Diagnostic.error(at: nil, "\(file): a key that is not a scalar cannot be edited in place")
                        }
                        top = .mapping(entries: entries, flow: flow, start: start, pendingKey: (text, span))
                    }
                case .sequence(var items, let flow, let start):
                    items.append(item)
                    top = .sequence(items: items, flow: flow, start: start)
                }
                stack.append(top)
            }

            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw YAMLParser.parserError(parser, file: file, input: buffer)
                }
                defer { yaml_event_delete(&event) }
                let start = offset(event.start_mark), end = offset(event.end_mark)
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return root
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                case YAML_DOCUMENT_END_EVENT:
                    // Only the first document is mapped.
                    if documents == 1 { return root }
                case YAML_SCALAR_EVENT:
                    let s = event.data.scalar
                    let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
                    let style: ScalarStyle
                    switch s.style {
                    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                    case YAML_LITERAL_SCALAR_STYLE: style = .literal
                    case YAML_FOLDED_SCALAR_STYLE: style = .folded
                    default: style = .plain
                    }
                    try add(.scalar(text, style, Span(start: start, end: end)))
                case YAML_ALIAS_EVENT:
                    try add(.alias(Span(start: start, end: end)))
                case YAML_MAPPING_START_EVENT:
                    stack.append(.mapping(entries: [], flow: event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE, start: start, pendingKey: nil))
                case YAML_SEQUENCE_START_EVENT:
                    stack.append(.sequence(items: [], flow: event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE, start: start))
                case YAML_MAPPING_END_EVENT:
                    guard case .mapping(let entries, let flow, let s, _) = stack.popLast() else { continue }
                    // A block mapping ends where its last value does (libyaml's end mark is
                    // the next token, past comments and blank lines).
                    let last = flow ? end : (entries.last?.value.span.end ?? s)
                    try add(.mapping(entries, flow: flow, Span(start: s, end: last)))
                case YAML_SEQUENCE_END_EVENT:
                    guard case .sequence(let items, let flow, let s) = stack.popLast() else { continue }
                    let last = flow ? end : (items.last?.span.end ?? s)
                    try add(.sequence(items, flow: flow, Span(start: s, end: last)))
                default:
                    break
                }
            }
        }
    }
}

/// A replacement of bytes `range` of a file by `text`.
public struct TextEdit: Sendable, Equatable {
    public var range: Range<Int>
    public var text: String

    public init(range: Range<Int>, text: String) {
        self.range = range
        self.text = text
    }

    /// `bytes` with the edits made; edits must not overlap.
    public static func apply(_ edits: [TextEdit], to bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            out.replaceSubrange(edit.range, with: Array(edit.text.utf8))
        }
        return out
    }
}
