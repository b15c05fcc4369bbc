import Foundation

/// JSON as Go's encoding/json writes it, for the files and hashes that Go programs read
/// back or recompute: kustomize's content hash (`json.Marshal` of a map) and Argo CD's
/// `hydrator.metadata` (an Encoder with an indent, without HTML escaping).
public indirect enum GoJSON {
    case string(String)
    /// A number, `true`, `false` or `null`, as written.
    case raw(String)
    case array([GoJSON])
    /// Fields in the order given: a Go struct's field order.
    case object([(String, GoJSON)])

    /// A YAML tree as data: strings quoted, other scalars as written.
    public init(_ node: Node) {
        switch node.value {
        case .scalar(let s):
            switch s.tag {
            case .string: self = .string(s.text)
            case .null: self = .raw("null")
            default: self = .raw(s.text)
            }
        case .sequence(let items): self = .array(items.map(GoJSON.init))
        case .mapping(let m): self = .object(m.entries.map { ($0.key, GoJSON($0.value.value)) })
        }
    }

    /// `json.Marshal`: compact, and `<`, `>`, `&` escaped. With `sortingKeys`, object keys
    /// in byte order, as Go writes a map; without, in the order given, as it writes a struct.
    public func marshal(sortingKeys: Bool) -> String {
        var out = ""
        write(into: &out, sortingKeys: sortingKeys)
        return out
    }

    private func write(into out: inout String, sortingKeys: Bool) {
        switch self {
        case .raw(let text): out += text
        case .string(let s): Self.quote(s, escapingHTML: true, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out, sortingKeys: sortingKeys)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            let ordered = sortingKeys ? fields.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) } : fields
            for (i, (k, v)) in ordered.enumerated() {
                if i > 0 { out += "," }
                Self.quote(k, escapingHTML: true, into: &out)
                out += ":"
                v.write(into: &out, sortingKeys: sortingKeys)
            }
            out += "}"
        }
    }

    /// An Encoder with `SetIndent("", "  ")` and `SetEscapeHTML(false)`: `"key": value`,
    /// nested values two spaces in, `<`, `>` and `&` as they are; no final newline.
    public func indented(_ indent: String = "") -> String {
        switch self {
        case .raw(let text):
            return text
        case .string(let s):
            var out = ""
            Self.quote(s, escapingHTML: false, into: &out)
            return out
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.indented(inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            let inner = indent + "  "
            return "{\n" + fields.map { inner + GoJSON.string($0.0).indented() + ": " + $0.1.indented(inner) }.joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    /// A Go JSON string: U+2028 and U+2029 are always escaped, and the HTML characters when
    /// `escapingHTML` (Go's default).
    public static func quote(_ s: String, escapingHTML: Bool, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", u.value)
            case "<", ">", "&":
                // (A `where` would bind to "&" alone.)
                if escapingHTML { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}
