/// Writes `Node` trees as YAML in Kubernetes style, byte for byte deterministic.
///
/// - block style, two-space indent; list items (`- `) sit at their parent key's indent;
/// - mapping keys keep their order;
/// - a string is quoted only when a YAML 1.1 or 1.2 reader would otherwise read it as
///   something else (`"yes"`, `"1.0"`, `"0777"`, `""`) or when it cannot be written plain;
/// - multi-line strings are `|` literal blocks, so embedded XML stays readable.
public struct YAMLEmitter {
    public init() {}

    /// One document, ending in a newline.
    public func emit(_ node: Node) -> String {
        var out = ByteWriter()
        write(node, into: &out)
        return out.string
    }

    /// A string as a YAML double-quoted scalar, escapes included; for one-line displays.
    public static func doubleQuoted(_ s: String) -> String {
        var out = ByteWriter(capacity: s.utf8.count + 2)
        ScalarStyle.writeDoubleQuoted(s, into: &out)
        return out.string
    }

    /// Several documents separated by `---`.
    public func emitStream(_ nodes: [Node]) -> String {
        var out = ByteWriter()
        for (i, node) in nodes.enumerated() {
            if i > 0 { out.append("---\n") }
            write(node, into: &out)
        }
        return out.string
    }

    /// Appends one document's bytes.
    public func write(_ node: Node, into out: inout ByteWriter) {
        switch node.value {
        case .mapping(let m) where !m.isEmpty:
            writeMapping(m, indent: 0, into: &out)
        case .sequence(let items) where !items.isEmpty:
            writeSequence(items, indent: 0, into: &out)
        default:
            writeInline(node, indent: 0, into: &out)
            out.newline()
        }
    }

    private func writeMapping(_ m: Mapping, indent: Int, into out: inout ByteWriter, firstInline: Bool = false) {
        var first = firstInline
        for (key, entry) in m.entries {
            if first { first = false } else { out.spaces(indent) }
            let keyStart = out.bytes.count
            writeKey(key, into: &out)
            if out.bytes.count - keyStart > ScalarStyle.maxImplicitKeyBytes {
                // Readers accept an implicit key of at most 1024 characters; a longer one
                // is written as an explicit `? key` with its value after `: `.
                out.removeLast(out.bytes.count - keyStart)
                out.append("? ")
                writeKey(key, into: &out)
                out.removeLast(1)
                out.newline()
                out.spaces(indent)
                out.byte(UInt8(ascii: ":"))
                writeCompact(entry.value, indent: indent, into: &out)
                continue
            }
            writeValue(entry.value, indent: indent, into: &out)
        }
    }

    /// Writes what follows `key:` (or `- `), including the line end.
    private func writeValue(_ value: Node, indent: Int, into out: inout ByteWriter) {
        switch value.value {
        case .mapping(let m) where !m.isEmpty:
            out.newline()
            writeMapping(m, indent: indent + 2, into: &out)
        case .sequence(let items) where !items.isEmpty:
            out.newline()
            writeSequence(items, indent: indent, into: &out)
        default:
            out.byte(UInt8(ascii: " "))
            writeInline(value, indent: indent, into: &out)
            out.newline()
        }
    }

    private func writeSequence(_ items: [Node], indent: Int, into out: inout ByteWriter, firstInline: Bool = false) {
        var first = firstInline
        for item in items {
            if first { first = false } else { out.spaces(indent) }
            out.byte(UInt8(ascii: "-"))
            writeCompact(item, indent: indent, into: &out)
        }
    }

    /// Writes what follows a `-` (or an explicit `:`) at column `indent`, with the line end:
    /// a mapping or list starts on the same line, indented two more.
    private func writeCompact(_ item: Node, indent: Int, into out: inout ByteWriter) {
        switch item.value {
        case .mapping(let m) where !m.isEmpty:
            out.byte(UInt8(ascii: " "))
            writeMapping(m, indent: indent + 2, into: &out, firstInline: true)
        case .sequence(let inner) where !inner.isEmpty:
            out.byte(UInt8(ascii: " "))
            writeSequence(inner, indent: indent + 2, into: &out, firstInline: true)
        default:
            out.byte(UInt8(ascii: " "))
            writeInline(item, indent: indent, into: &out)
            out.newline()
        }
    }

    /// A scalar, `{}` or `[]`, without the line end. `indent` is the indent of the owning
    /// key or item, used for literal blocks.
    private func writeInline(_ node: Node, indent: Int, into out: inout ByteWriter) {
        switch node.value {
        case .mapping: out.append("{}")
        case .sequence: out.append("[]")
        case .scalar(let s):
            switch s.tag {
            case .string: writeString(s.text, indent: indent, into: &out)
            case .null: out.append("null")
            case .int, .bool: out.append(s.text)
            case .float: out.append(ScalarStyle.floatText(s.text))
            }
        }
    }

    private func writeKey(_ key: String, into out: inout ByteWriter) {
        switch ScalarStyle.choose(for: key, allowLiteral: false) {
        case .plain: out.append(key)
        default: ScalarStyle.writeDoubleQuoted(key, into: &out)
        }
        out.byte(UInt8(ascii: ":"))
    }

    private func writeString(_ s: String, indent: Int, into out: inout ByteWriter) {
        switch ScalarStyle.choose(for: s, allowLiteral: true) {
        case .plain: out.append(s)
        case .doubleQuoted: ScalarStyle.writeDoubleQuoted(s, into: &out)
        case .literal: ScalarStyle.writeLiteral(s, indent: indent + 2, into: &out)
        }
    }
}

/// A growable byte buffer; cheaper than building Strings piece by piece.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }
    @inline(__always) mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }
    @inline(__always) mutating func newline() { bytes.append(UInt8(ascii: "\n")) }
    @inline(__always) mutating func spaces(_ n: Int) {
        for _ in 0..<n { bytes.append(UInt8(ascii: " ")) }
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

enum ScalarStyle {
    case plain, doubleQuoted, literal

    /// Longest key written as an implicit `key:`; readers allow 1024 characters.
    static let maxImplicitKeyBytes = 1000

    /// Float text that reads back as a float under YAML 1.2 and 1.1 alike: `!!float 3` holds
    /// "3", which plain would be an int, and YAML 1.1 (kubectl's go-yaml v2) reads `1e3` as a
    /// string because its floats need a dot and a signed exponent, so that is written `1.0e+3`.
    static func floatText(_ text: String) -> String {
        if ScalarResolver.resolvePlain(text).tag == .float {
            return yaml11Float(text)
        }
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : text[...]
        if !digits.isEmpty && digits.utf8.allSatisfy(ScalarResolver.isDigit) { return text + ".0" }
        if let d = Double(floatLiteral: text), d.isFinite { return "\(d)" }
        return text
    }

    /// Adds the dot and exponent sign YAML 1.1 needs: `1e3` → `1.0e+3`, `2E-5` → `2.0E-5`.
    static func yaml11Float(_ text: String) -> String {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e])
        var exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if exponent.first != "-" && exponent.first != "+" { exponent = "+" + exponent }
        return mantissa + String(text[e]) + exponent
    }

    static func choose(for text: String, allowLiteral: Bool) -> ScalarStyle {
        var s = text
        return s.withUTF8 { u -> ScalarStyle in
            if u.isEmpty { return .doubleQuoted }
            var hasNewline = false
            var needsEscape = false
            var plainSafe = true
            let first = u[0], last = u[u.count - 1]
            if first == 0x20 || last == 0x20 || first == 0x09 || last == 0x09 { plainSafe = false }
            switch first {
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                // Allowed plain only when followed by a non-space character, and never as "---".
                if u.count == 1 || u[1] == 0x20 || u[1] == 0x09 { plainSafe = false }
                if u.count >= 3 && u[0] == u[1] && u[1] == u[2] { plainSafe = false }
            case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                 UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
                 UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
                 UInt8(ascii: "`"):
                plainSafe = false
            case UInt8(ascii: "."):
                if u.count >= 3 && u[1] == UInt8(ascii: ".") && u[2] == UInt8(ascii: ".") { plainSafe = false }
            default: break
            }
            if last == UInt8(ascii: ":") { plainSafe = false }
            var previous: UInt8 = 0
            var i = 0
            while i < u.count {
                let c = u[i]
                if c < 0x20 || c == 0x7F {
                    if c == 0x0A { hasNewline = true } else if c != 0x09 { needsEscape = true }
                    plainSafe = false
                } else if c == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) {
                    plainSafe = false
                } else if c == UInt8(ascii: " ") && previous == UInt8(ascii: ":") {
                    plainSafe = false
                } else if c >= 0x80 {
                    // NEL, LS, PS and the BOM are line breaks or invisible to YAML readers.
                    // C1 controls (U+0080-U+009F, NEL among them) are not printable YAML.
                    if c == 0xC2 && i + 1 < u.count && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F { needsEscape = true }
                    // Neither are the non-characters U+FFFE and U+FFFF.
                    if c == 0xEF && i + 2 < u.count && u[i + 1] == 0xBF && (u[i + 2] == 0xBE || u[i + 2] == 0xBF) { needsEscape = true }
                    if c == 0xE2 && i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9) { needsEscape = true }
                    if c == 0xEF && i + 2 < u.count && u[i + 1] == 0xBB && u[i + 2] == 0xBF { needsEscape = true }
                    if needsEscape { plainSafe = false }
                }
                previous = c
                i += 1
            }
            if hasNewline && allowLiteral && !needsEscape && literalSafe(u) { return .literal }
            if !plainSafe || hasNewline || needsEscape { return .doubleQuoted }
            if ScalarResolver.resolvePlain(text).tag != .string || ScalarResolver.isNonStringUnderYAML11(text) {
                return .doubleQuoted
            }
            return .plain
        }
    }

    /// A literal block keeps every character only when no line ends in white space (which
    /// readers may fold away), nothing is a carriage return, and the text does not end in
    /// more than one newline after white space-only lines.
    private static func literalSafe(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt8 = 0x0A
        for c in u {
            if c == 0x0D { return false }
            if c == 0x0A && (previous == 0x20 || previous == 0x09) { return false }
            if c == 0x09 && previous == 0x0A { return false }
            previous = c
        }
        if previous == 0x20 || previous == 0x09 { return false }
        // A text that is only line breaks reads back differently under chomping.
        return u.contains { $0 != 0x0A }
    }

    static func writeLiteral(_ s: String, indent: Int, into out: inout ByteWriter) {
        var s = s
        s.withUTF8 { u in
            out.byte(UInt8(ascii: "|"))
            // An explicit indentation indicator when the first line starts with a space.
            var firstContent = 0
            while firstContent < u.count && u[firstContent] == 0x0A { firstContent += 1 }
            if firstContent < u.count && u[firstContent] == 0x20 { out.append("2") }
            var trailing = 0
            var j = u.count - 1
            while j >= 0 && u[j] == 0x0A { trailing += 1; j -= 1 }
            if trailing == 0 { out.byte(UInt8(ascii: "-")) } else if trailing > 1 { out.byte(UInt8(ascii: "+")) }
            out.newline()
            var lineStart = true
            for idx in 0...j {
                let c = u[idx]
                if c == 0x0A {
                    out.newline()
                    lineStart = true
                    continue
                }
                if lineStart { out.spaces(indent); lineStart = false }
                out.byte(c)
            }
            out.newline()
            if trailing > 1 { for _ in 1..<trailing { out.newline() } }
        }
        // The caller writes the final newline after inline values; a literal already ended
        // its last line, so take that newline back.
        out.dropLastNewline()
    }

    static func writeDoubleQuoted(_ s: String, into out: inout ByteWriter) {
        out.byte(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\t": out.append("\\t")
            case "\r": out.append("\\r")
            case "\u{85}": out.append("\\N")
            case "\u{2028}": out.append("\\L")
            case "\u{2029}": out.append("\\P")
            case "\u{FEFF}": out.append("\\uFEFF")
            case "\u{FFFE}": out.append("\\uFFFE")
            case "\u{FFFF}": out.append("\\uFFFF")
            default:
                if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out.append("\\x" + (hex.count < 2 ? "0" + hex : hex))
                } else {
                    out.append(String(scalar))
                }
            }
        }
        out.byte(UInt8(ascii: "\""))
    }
}

extension ByteWriter {
    mutating func dropLastNewline() {
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
    }

    mutating func removeLast(_ n: Int) {
        bytes.removeLast(n)
    }
}

extension YAMLEmitter {
    /// A scalar written on one line, as the emitter would write it: plain when that reads
    /// back as the same value under YAML 1.2 and 1.1, else double-quoted. `inFlow`: inside
    /// `{...}` or `[...]`, where `,`, `[`, `]`, `{` and `}` end a plain scalar. `keeping`: a
    /// file's quotes to keep, single or double, where they can hold the text; a plain
    /// style keeps nothing (the value is plain if it can be).
    public static func inlineScalar(_ s: Scalar, inFlow: Bool = false, keeping style: YAMLSpans.ScalarStyle? = nil) -> String {
        switch s.tag {
        case .null: return "null"
        case .int, .bool: return s.text
        case .float: return ScalarStyle.floatText(s.text)
        case .string: break
        }
        var out = ByteWriter(capacity: s.text.utf8.count + 2)
        let plainSafe = ScalarStyle.choose(for: s.text, allowLiteral: false) == .plain
            && !(inFlow && s.text.contains(where: { ",[]{}".contains($0) }))
        if style == .singleQuoted, plainSafe || !s.text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "'" + s.text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        if style != .doubleQuoted && plainSafe { return s.text }
        ScalarStyle.writeDoubleQuoted(s.text, into: &out)
        return out.string
    }
}
