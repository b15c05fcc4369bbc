import CGit2

/// A libgit2 failure, carrying libgit2's own message.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32
    public var message: String

    public var description: String { "\(operation): \(message)" }

    /// Throws when a libgit2 call returned a negative code.
    @discardableResult
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
        guard code < 0 else { return code }
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "error \(code)"
        throw GitError(operation: operation(), code: code, message: message)
    }
}
