import CGit2
import YAMLModel

/// A libgit2 failure, carrying libgit2's own message and error class.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32
    public var message: String
    /// libgit2's error class (`GIT_ERROR_NET`, `GIT_ERROR_HTTP`, ...), 0 when unknown.
    public var errorClass: Int32 = 0

    public var description: String { "\(operation): \(message)" }

    /// Throws when a libgit2 call returned a negative code.
    @discardableResult
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
        guard code < 0 else { return code }
        let last = git_error_last()
        let message = last.map { String(cString: $0.pointee.message) } ?? "error \(code)"
        throw GitError(operation: operation(), code: code, message: message, errorClass: last.map { $0.pointee.klass } ?? 0)
    }

    /// What a user reads: what could not be done and why, in words, with what to do.
    /// libgit2's message is kept as the cause, never as the whole story.
    public var diagnostic: Diagnostic {
        let cause = message.isEmpty ? "error \(code)" : message.prefix(1).lowercased() + message.dropFirst()
        let network = [GIT_ERROR_NET, GIT_ERROR_HTTP, GIT_ERROR_SSL, GIT_ERROR_SSH].map { Int32($0.rawValue) }
        if code == GIT_EAUTH.rawValue || message.hasPrefix("authentication failed") {
            return .error(at: nil, "cannot \(operation): \(cause)",
                          hint: "for https set GITOPS_WEAVE_TOKEN (and GITOPS_WEAVE_USERNAME if the server needs one); for ssh set GITOPS_WEAVE_SSH_KEY or run an ssh-agent")
        }
        let remoteCall = ["connect to ", "push to ", "fetch "].contains { operation.hasPrefix($0) }
        if network.contains(errorClass) || code == GIT_ECERTIFICATE.rawValue || (remoteCall && errorClass == Int32(GIT_ERROR_OS.rawValue)) {
            return .error(at: nil, "cannot \(operation): \(cause)",
                          hint: "check the URL and that the server is reachable; nothing on either side was changed")
        }
        if code == GIT_ELOCKED.rawValue {
            return .error(at: nil, "cannot \(operation): \(cause)",
                          hint: "another git process holds the lock; if none is running, remove the .lock file it names")
        }
        return .error(at: nil, "cannot \(operation): \(cause)")
    }
}
