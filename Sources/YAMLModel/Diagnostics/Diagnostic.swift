/// A compiler-style message: `path:line:col: error: what is wrong`, with an optional hint.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public var severity: Severity
    public var location: SourceLocation?
    public var message: String
    public var hint: String?
    /// The stack rule that reported it (`keeper-nodes`), if any: shown after the message, as
    /// clang shows a warning's flag, so the reader knows what to disable (with a reason).
    public var rule: String?

    public init(_ severity: Severity = .error, at location: SourceLocation?, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    public static func error(at location: SourceLocation?, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, at: location, message, hint: hint)
    }

    /// The same diagnostic, reported by a stack rule.
    public func reported(by rule: String) -> Diagnostic {
        var copy = self
        copy.rule = rule
        return copy
    }

    /// The first line, e.g. `base.yaml:3:5: error: duplicate key "name"`, with the rule's id
    /// in brackets at the end when a stack rule reported it.
    public var headline: String {
        let text = message + (rule.map { " [\($0)]" } ?? "")
        if let location { return "\(location): \(severity.rawValue): \(text)" }
        return "\(severity.rawValue): \(text)"
    }

    /// The headline, then the hint on its own line, as clang prints notes.
    public var description: String {
        guard let hint else { return headline }
        return headline + "\n  hint: " + hint
    }
}
