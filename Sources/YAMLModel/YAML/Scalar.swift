/// A scalar with its YAML 1.2 core-schema type.
///
/// Integers keep their exact decimal digits (never a Double), so `9007199254740993` and
/// ClickHouse's `10000000000` survive any merge. Floats keep the text they were written with.
public struct Scalar: Hashable, Sendable {
    public enum Tag: String, Sendable { case string, int, float, bool, null }

    public var tag: Tag
    /// Canonical text for int, bool and null; the value for strings; the written text for floats.
    public var text: String

    public init(tag: Tag, text: String) {
        self.tag = tag
        self.text = text
    }

    public static func string(_ s: String) -> Scalar { Scalar(tag: .string, text: s) }
    public static func int(_ i: Int) -> Scalar { Scalar(tag: .int, text: String(i)) }
    public static func bool(_ b: Bool) -> Scalar { Scalar(tag: .bool, text: b ? "true" : "false") }
    public static let null = Scalar(tag: .null, text: "null")

    public var isNull: Bool { tag == .null }
    public var stringValue: String? { tag == .string ? text : nil }
    public var intValue: Int? { tag == .int ? Int(text) : nil }
    public var boolValue: Bool? { tag == .bool ? text == "true" : nil }

    public static func == (a: Scalar, b: Scalar) -> Bool {
        guard a.tag == b.tag else { return false }
        if a.tag == .float, a.text != b.text, let x = Double(floatLiteral: a.text), let y = Double(floatLiteral: b.text) {
            return x == y || (x.isNaN && y.isNaN)
        }
        return a.text == b.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        if tag == .float, let d = Double(floatLiteral: text) { hasher.combine(d) } else { hasher.combine(text) }
    }

    /// How the value reads in messages: strings quoted, everything else as written.
    public var display: String {
        tag == .string ? "\"\(text)\"" : text
    }
}

extension Double {
    /// Parses a YAML float literal, including `.inf` and `.nan`.
    public init?(floatLiteral s: String) {
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": self = .infinity
        case "-.inf", "-.Inf", "-.INF": self = -.infinity
        case ".nan", ".NaN", ".NAN": self = .nan
        default:
            guard let d = Double(s) else { return nil }
            self = d
        }
    }
}

/// Scalar resolution: YAML 1.2 core schema on input, and the stricter question
/// "would any common reader (YAML 1.1 or 1.2) read this plain text as something other
/// than a string?" on output.
public enum ScalarResolver {
    /// Resolves a plain (unquoted, untagged) scalar under the YAML 1.2 core schema.
    public static func resolvePlain(_ s: String) -> Scalar {
        let u = s.utf8
        guard let first = u.first else { return .null }
        switch first {
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "~"):
            if s == "null" || s == "Null" || s == "NULL" || s == "~" { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if s == "true" || s == "True" || s == "TRUE" { return .bool(true) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if s == "false" || s == "False" || s == "FALSE" { return .bool(false) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let n = resolveNumber(s) { return n }
        default:
            break
        }
        return .string(s)
    }

    /// Resolves text under an explicit core tag (`!!int "3"`), or nil when it does not fit.
    public static func resolve(_ s: String, tag: Scalar.Tag) -> Scalar? {
        switch tag {
        case .string: return .string(s)
        case .null: return resolvePlain(s).tag == .null ? .null : nil
        case .bool:
            let r = resolvePlain(s)
            return r.tag == .bool ? r : nil
        case .int:
            let r = resolvePlain(s)
            return r.tag == .int ? r : nil
        case .float:
            let r = resolvePlain(s)
            if r.tag == .float { return r }
            if r.tag == .int { return Scalar(tag: .float, text: r.text) }
            return nil
        }
    }

    static func resolveNumber(_ s: String) -> Scalar? {
        let bytes = Array(s.utf8)
        var negative = false
        var body = bytes[...]
        if let f = body.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        // 0o17, 0x1F
        if body.count > 2, body[body.startIndex] == UInt8(ascii: "0"), bytes.first != UInt8(ascii: "-"), bytes.first != UInt8(ascii: "+") {
            let marker = body[body.startIndex + 1]
            let digits = body.dropFirst(2)
            if marker == UInt8(ascii: "o"), digits.allSatisfy({ $0 >= 48 && $0 <= 55 }) {
                return integer(String(decoding: digits, as: UTF8.self), radix: 8, negative: false)
            }
            if marker == UInt8(ascii: "x"), digits.allSatisfy(isHexDigit) {
                return integer(String(decoding: digits, as: UTF8.self), radix: 16, negative: false)
            }
        }
        if body.allSatisfy(isDigit) {
            return integer(String(decoding: body, as: UTF8.self), radix: 10, negative: negative)
        }
        let text = String(decoding: body, as: UTF8.self)
        if text == ".inf" || text == ".Inf" || text == ".INF" { return Scalar(tag: .float, text: s) }
        if bytes.count == body.count, text == ".nan" || text == ".NaN" || text == ".NAN" { return Scalar(tag: .float, text: s) }
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var i = body.startIndex
        var mantissaDigits = 0
        while i < body.endIndex, isDigit(body[i]) { i += 1; mantissaDigits += 1 }
        if i < body.endIndex, body[i] == UInt8(ascii: ".") {
            i += 1
            while i < body.endIndex, isDigit(body[i]) { i += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return nil }
        if i < body.endIndex, body[i] == UInt8(ascii: "e") || body[i] == UInt8(ascii: "E") {
            i += 1
            if i < body.endIndex, body[i] == UInt8(ascii: "-") || body[i] == UInt8(ascii: "+") { i += 1 }
            let expStart = i
            while i < body.endIndex, isDigit(body[i]) { i += 1 }
            guard i > expStart else { return nil }
        }
        guard i == body.endIndex else { return nil }
        return Scalar(tag: .float, text: s)
    }

    /// Canonical decimal text of an integer of any size.
    static func integer(_ digits: String, radix: Int, negative: Bool) -> Scalar {
        var text: String
        if radix == 10 {
            let trimmed = digits.drop(while: { $0 == "0" })
            text = trimmed.isEmpty ? "0" : String(trimmed)
        } else if let v = UInt64(digits, radix: radix) {
            text = String(v)
        } else {
            // Too large for 64 bits: keep the literal rather than lose digits.
            return Scalar(tag: .int, text: (radix == 16 ? "0x" : "0o") + digits)
        }
        if negative && text != "0" { text = "-" + text }
        return Scalar(tag: .int, text: text)
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    @inline(__always) static func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
    }

    /// True when a YAML 1.1 reader (go-yaml v2, which kubectl uses; PyYAML) would read the
    /// plain text as a non-string. Deliberately generous: an unneeded quote is harmless,
    /// a missing one turns `"yes"` into `true`.
    public static func isNonStringUnderYAML11(_ s: String) -> Bool {
        // The words below are at most five bytes; most keys and values are longer, and
        // comparing against each word was half of all emitting time.
        if s.utf8.count <= 5 {
            if isYAML11Word(s) { return true }
        }
        return looksNumericUnderYAML11(s)
    }

    static func isYAML11Word(_ s: String) -> Bool {
        switch s {
        case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
             "true", "True", "TRUE", "false", "False", "FALSE",
             "on", "On", "ON", "off", "Off", "OFF",
             "null", "Null", "NULL", "~", "=", "<<":
            return true
        default:
            return false
        }
    }

    static func looksNumericUnderYAML11(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return true }
        let numericStart = isDigit(first) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
        guard numericStart else { return false }
        // Ints (binary, octal, hex, decimal with _), floats (with _, exponents, .inf/.nan),
        // sexagesimal (1:20) and timestamps (2001-12-14, 2001-12-14t21:59:43.10-05:00) are all
        // written with this alphabet. A string made only of it, with at least one digit and
        // no letters beyond those number syntax uses, is quoted.
        var digits = 0
        var letters = 0
        for c in s.utf8 {
            if isDigit(c) { digits += 1; continue }
            switch c {
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "):
                continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                letters += 1
            default:
                return false
            }
        }
        if digits == 0 {
            let lower = s.lowercased()
            return [".inf", "-.inf", "+.inf", ".nan"].contains(lower)
        }
        if letters == 0 {
            // Dotted quads (IP addresses) and version strings like 1.2.3 read as strings
            // in every reader; everything else made of digits and punctuation does not.
            let dots = s.utf8.filter { $0 == UInt8(ascii: ".") }.count
            let onlyDigitsAndDots = s.utf8.allSatisfy { isDigit($0) || $0 == UInt8(ascii: ".") }
            if onlyDigitsAndDots && dots >= 2 { return false }
            return true
        }
        // Letters allowed in number syntax: 0x1F, 0b101, 0o17, 1e3, 2001-12-14t21:59:43.
        let lower = s.lowercased()
        if lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x") {
            return lower.drop(while: { $0 == "-" || $0 == "+" }).dropFirst(2).allSatisfy { $0.isHexDigit || $0 == "_" }
        }
        // Signed too: PyYAML reads -0b101 as an int, and go-yaml v2 (strconv) -0b101 and -0o17.
        let unsigned = lower.first == "-" || lower.first == "+" ? lower.dropFirst() : lower[...]
        if unsigned.hasPrefix("0b") || unsigned.hasPrefix("0o") {
            return unsigned.dropFirst(2).allSatisfy { $0.isNumber || $0 == "_" }
        }
        let allowed: Set<Character> = ["e", "t", "z"]
        return lower.allSatisfy { $0.isNumber || allowed.contains($0) || ".:_+- ".contains($0) }
    }
}
