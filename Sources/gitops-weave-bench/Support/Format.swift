import YAMLModel

/// Number formatting without Foundation, so that output is the same on every platform.
enum Format {
    /// `x` with exactly `digits` decimals: `fixed(3.14159, 2)` is `3.14`.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        var text = (x < 0 && scaled != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }

    /// An integer with thousands separators: `3,512,345`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func padRight(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = ""
        GoJSON.quote(s, escapingHTML: false, into: &out)
        return out
    }

    /// A JSON number: integers as integers, other values with up to `digits` decimals.
    static func jsonNumber(_ x: Double, _ digits: Int = 3) -> String {
        x.isFinite ? fixed(x, digits) : "null"
    }
}

/// A JSON object whose keys keep the order they were added in, so output is stable.
struct JSONObject {
    private var members: [(String, String)] = []

    mutating func set(_ key: String, _ value: String) { members.append((key, Format.jsonString(value))) }
    mutating func set(_ key: String, _ value: Int) { members.append((key, String(value))) }
    mutating func set(_ key: String, _ value: UInt64) { members.append((key, String(value))) }
    mutating func set(_ key: String, _ value: Double, digits: Int = 3) { members.append((key, Format.jsonNumber(value, digits))) }
    mutating func set(_ key: String, _ value: Bool) { members.append((key, value ? "true" : "false")) }
    mutating func set(_ key: String, _ value: JSONObject) { members.append((key, value.render(indent: 0))) }
    mutating func set(_ key: String, _ values: [JSONObject]) {
        members.append((key, values.isEmpty ? "[]" : "[\n" + values.map { "  " + $0.render(indent: 2) }.joined(separator: ",\n") + "\n]"))
    }
    mutating func setNull(_ key: String) { members.append((key, "null")) }
    mutating func set(_ key: String, numbers: [Double], digits: Int = 3) {
        members.append((key, "[" + numbers.map { Format.jsonNumber($0, digits) }.joined(separator: ", ") + "]"))
    }

    /// Pretty-printed with two-space indentation.
    func render(indent: Int = 0) -> String {
        guard !members.isEmpty else { return "{}" }
        let pad = String(repeating: " ", count: indent + 2)
        let lines = members.map { key, value -> String in
            // Nested objects were rendered at indent 0; shift their inner lines.
            let shifted = value.replacingNewlines(with: "\n" + pad)
            return pad + Format.jsonString(key) + ": " + shifted
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
    }
}

private extension String {
    func replacingNewlines(with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == "\n" { out += replacement } else { out.append(c) }
        }
        return out
    }
}
