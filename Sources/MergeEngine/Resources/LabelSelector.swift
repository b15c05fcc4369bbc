import YAMLModel

/// A Kubernetes label selector in kubectl's syntax: `tier=prod,region!=us`, `env in (a,b)`,
/// `!canary`, `storage`. Requirements are ANDed.
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, [String])
        case notIn(String, [String])
        case exists(String)
        case doesNotExist(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let vs): return labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): return !(labels[k].map(vs.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }

    public var requirements: [Requirement]
    public let text: String

    public var description: String { text }

    /// Parses a selector; the error says what is wrong and where in the text.
    public init(parsing text: String, at location: SourceLocation? = nil) throws {
        self.text = text
        requirements = []
        var rest = Substring(text)
        func fail(_ why: String) -> Diagnostic {
            Diagnostic.error(at: location, "invalid label selector \"\(text)\": \(why)",
                             hint: "write key=value, key!=value, key in (a,b), key notin (a,b), key or !key, separated by commas")
        }
        func skipSpaces() { rest = rest.drop(while: { $0 == " " }) }
        func key() throws -> String {
            skipSpaces()
            let k = rest.prefix(while: { $0.isLetter || $0.isNumber || "-_./".contains($0) })
            guard !k.isEmpty else { throw fail("expected a label key at \"\(rest)\"") }
            rest = rest.dropFirst(k.count)
            return String(k)
        }
        func value() -> String {
            skipSpaces()
            let v = rest.prefix(while: { $0.isLetter || $0.isNumber || "-_.".contains($0) })
            rest = rest.dropFirst(v.count)
            return String(v)
        }
        skipSpaces()
        if rest.isEmpty { return }
        while true {
            skipSpaces()
            if rest.hasPrefix("!") {
                rest = rest.dropFirst()
                requirements.append(.doesNotExist(try key()))
            } else {
                let k = try key()
                skipSpaces()
                if rest.hasPrefix("!=") {
                    rest = rest.dropFirst(2); requirements.append(.notEquals(k, value()))
                } else if rest.hasPrefix("==") {
                    rest = rest.dropFirst(2); requirements.append(.equals(k, value()))
                } else if rest.hasPrefix("=") {
                    rest = rest.dropFirst(); requirements.append(.equals(k, value()))
                } else if rest.hasPrefix("in ") || rest.hasPrefix("in(") || rest.hasPrefix("notin ") || rest.hasPrefix("notin(") {
                    let negated = rest.hasPrefix("notin")
                    rest = rest.dropFirst(negated ? 5 : 2)
                    skipSpaces()
                    guard rest.hasPrefix("(") else { throw fail("expected ( after \(negated ? "notin" : "in")") }
                    rest = rest.dropFirst()
                    var values: [String] = []
                    while true {
                        values.append(value())
                        skipSpaces()
                        if rest.hasPrefix(",") { rest = rest.dropFirst(); continue }
                        if rest.hasPrefix(")") { rest = rest.dropFirst(); break }
                        throw fail("expected , or ) in the set of values")
                    }
                    requirements.append(negated ? .notIn(k, values) : .isIn(k, values))
                } else {
                    requirements.append(.exists(k))
                }
            }
            skipSpaces()
            if rest.isEmpty { return }
            guard rest.hasPrefix(",") else { throw fail("unexpected \"\(rest)\"") }
            rest = rest.dropFirst()
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// A Kubernetes label name: an optional DNS subdomain prefix and `/`, then at most 63
    /// letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
    public static func isValidKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last else { return false }
        if parts.count == 2 {
            let prefix = parts[0]
            guard !prefix.isEmpty, prefix.count <= 253,
                  prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ label in
                      !label.isEmpty && label.count <= 63 && label.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
                          && label.first != "-" && label.last != "-"
                  }) else { return false }
        }
        return !name.isEmpty && isValidValue(String(name))
    }

    /// A Kubernetes label value: empty, or at most 63 letters, digits, `-`, `_` and `.`,
    /// starting and ending with a letter or digit.
    public static func isValidValue(_ value: String) -> Bool {
        guard !value.isEmpty else { return true }
        func alphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        return value.count <= 63 && value.allSatisfy { alphanumeric($0) || "-_.".contains($0) }
            && alphanumeric(value.first!) && alphanumeric(value.last!)
    }
}
