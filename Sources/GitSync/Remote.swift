import CGit2
import Foundation

/// Credentials for pushes and fetches, read from the environment. Values are never
/// printed.
///
/// - `GITOPS_WEAVE_SSH_KEY` (private key path, with `GITOPS_WEAVE_SSH_PASSPHRASE` if needed),
///   otherwise the ssh-agent at `SSH_AUTH_SOCK`, for ssh URLs;
/// - `GITOPS_WEAVE_TOKEN` (or `GIT_TOKEN`, or `GITHUB_TOKEN`) for https URLs, sent as the
///   password of `GITOPS_WEAVE_USERNAME` (default: the URL's user, or `x-access-token`).
public struct Credentials: Sendable {
    public var sshKeyPath: String?
    public var sshPassphrase: String?
    public var useAgent: Bool
    public var token: String?
    public var username: String?

    public init(sshKeyPath: String? = nil, sshPassphrase: String? = nil, useAgent: Bool = false, token: String? = nil, username: String? = nil) {
        self.sshKeyPath = sshKeyPath
        self.sshPassphrase = sshPassphrase
        self.useAgent = useAgent
        self.token = token
        self.username = username
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Credentials {
        Credentials(
            sshKeyPath: env["GITOPS_WEAVE_SSH_KEY"], sshPassphrase: env["GITOPS_WEAVE_SSH_PASSPHRASE"],
            useAgent: env["SSH_AUTH_SOCK"] != nil,
            token: env["GITOPS_WEAVE_TOKEN"] ?? env["GIT_TOKEN"] ?? env["GITHUB_TOKEN"],
            username: env["GITOPS_WEAVE_USERNAME"])
    }

    /// Which sources were offered, for "authentication failed" messages (never the values).
    var summary: String {
        var parts: [String] = []
        if sshKeyPath != nil { parts.append("the key in GITOPS_WEAVE_SSH_KEY") }
        if useAgent { parts.append("the ssh-agent") }
        if token != nil { parts.append("the token in GITOPS_WEAVE_TOKEN/GIT_TOKEN/GITHUB_TOKEN") }
        return parts.isEmpty ? "no credentials (none are set in the environment)" : parts.joined(separator: ", ")
    }
}

/// State shared with libgit2's C callbacks through their payload pointer.
final class RemoteCallbackState {
    let credentials: Credentials
    var attempts = 0
    var rejected: [String: String] = [:]

    init(credentials: Credentials) { self.credentials = credentials }
}

/// Why a push did not land.
public enum PushError: Error, CustomStringConvertible {
    /// The remote refused the update (usually: someone else pushed first).
    case rejected(reference: String, reason: String)

    public var description: String {
        switch self {
        case .rejected(let ref, let reason): return "the remote rejected \(ref): \(reason)"
        }
    }
}

extension Repository {
    /// A remote by name (`origin`) or, when `nameOrURL` is not a configured remote, an
    /// anonymous one for that URL or path.
    func withRemote<T>(_ nameOrURL: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        var remote: OpaquePointer?
        if git_remote_lookup(&remote, handle, nameOrURL) != 0 {
            try GitError.check(git_remote_create_anonymous(&remote, handle, nameOrURL), "use remote \(nameOrURL)")
        }
        defer { git_remote_free(remote) }
        return try body(remote!)
    }

    /// The URL of a configured remote, or nil. Read from the configuration rather than with
    /// git_remote_lookup, which in libgit2 1.5 leaks regex match data on every call.
    public func remoteURL(_ name: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, handle) == 0 else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, "remote.\(name).url") == 0, let value else { return nil }
        return String(cString: value)
    }

    /// What a remote's branches point at (like `git ls-remote`), without fetching.
    public func remoteReferences(_ nameOrURL: String, credentials: Credentials) throws -> [String: ObjectID] {
        let state = RemoteCallbackState(credentials: credentials)
        return try withRemote(nameOrURL) { remote in
            var callbacks = git_remote_callbacks()
            git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
            Self.install(&callbacks, state)
            let payload = Unmanaged.passRetained(state)
            defer { payload.release() }
            try authenticated(state, "connect to \(nameOrURL)") {
                git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil)
            }
            defer { git_remote_disconnect(remote) }
            var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
            var count = 0
            try GitError.check(git_remote_ls(&heads, &count, remote), "list the references of \(nameOrURL)")
            var out: [String: ObjectID] = [:]
            for i in 0..<count {
                guard let head = heads?[i]?.pointee else { continue }
                out[String(cString: head.name)] = ObjectID(head.oid)
            }
            return out
        }
    }

    /// Fetches refspecs such as `+refs/heads/rendered:refs/gitops-weave/fetched/rendered`.
    public func fetch(_ nameOrURL: String, refspecs: [String], credentials: Credentials) throws {
        let state = RemoteCallbackState(credentials: credentials)
        try withRemote(nameOrURL) { remote in
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            Self.install(&options.callbacks, state)
            options.update_fetchhead = 0
            let payload = Unmanaged.passRetained(state)
            defer { payload.release() }
            try withStrArray(refspecs) { specs in
                try authenticated(state, "fetch from \(nameOrURL)") {
                    git_remote_fetch(remote, &specs, &options, "gitops-weave: fetch")
                }
            }
        }
    }

    /// Pushes refspecs (`refs/heads/rendered:refs/heads/rendered`). A refused update throws
    /// `PushError.rejected`; nothing is forced.
    public func push(_ nameOrURL: String, refspecs: [String], credentials: Credentials) throws {
        // libgit2's local transport overwrites the remote reference without a compare-and-swap.
        if let path = localRemotePath(nameOrURL) {
            return try pushLocal(to: path, refspecs: refspecs)
        }
        // libgit2 pushes only from references: a commit named by its id goes through a
        // reference of this process's own (a shared branch could move under it meanwhile).
        var temporary: [(name: String, id: ObjectID)] = []
        defer { for t in temporary { try? deleteReference(t.name, expected: t.id) } }
        var refspecs = refspecs
        for (i, spec) in refspecs.enumerated() {
            let force = spec.hasPrefix("+")
            let text = force ? String(spec.dropFirst()) : spec
            guard let colon = text.lastIndex(of: ":"), let id = ObjectID(hex: String(text[..<colon])) else { continue }
            let name = "refs/gitops-weave/push/\(getpid())-\(UUID().uuidString)"
            try updateReference(name, to: id, expected: nil, message: "gitops-weave: push")
            temporary.append((name, id))
            refspecs[i] = (force ? "+" : "") + name + text[colon...]
        }
        let state = RemoteCallbackState(credentials: credentials)
        try withRemote(nameOrURL) { remote in
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            Self.install(&options.callbacks, state)
            options.callbacks.push_update_reference = { refname, status, payload in
                if let status, let payload, let refname {
                    let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
                    state.rejected[String(cString: refname)] = String(cString: status)
                }
                return 0
            }
            let payload = Unmanaged.passRetained(state)
            defer { payload.release() }
            do {
                try withStrArray(refspecs) { specs in
                    try authenticated(state, "push to \(nameOrURL)") { git_remote_upload(remote, &specs, &options) }
                }
                // The remote-tracking references are a local cache: a concurrent publisher
                // holding their lock must not turn a push that landed into a failure.
                _ = git_remote_update_tips(remote, &options.callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_UNSPECIFIED, nil)
            } catch let error as GitError where error.code == GIT_ENONFASTFORWARD.rawValue
                || error.message.contains("non-fast-forward") || error.message.contains("rejected")
                // libgit2's own check when the remote's tip is in the local object database
                // but is not an ancestor (another publisher pushed first and we fetched it).
                || error.message.contains("non-fastforwardable")
                || error.message.contains("cannot push because a reference that you are trying to update on the remote contains commits") {
                throw PushError.rejected(reference: refspecs.first ?? "", reason: error.message)
            }
            if let (ref, reason) = state.rejected.first {
                throw PushError.rejected(reference: ref, reason: reason)
            }
        }
    }

    static func install(_ callbacks: inout git_remote_callbacks, _ state: RemoteCallbackState) {
        callbacks.payload = Unmanaged.passUnretained(state).toOpaque()
        callbacks.credentials = { out, url, usernameFromURL, allowed, payload in
            guard let payload, let out else { return -1 }
            let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
            state.attempts += 1
            // libgit2 asks again after a refusal; give up rather than loop forever.
            guard state.attempts <= 3 else { return GIT_EUSER.rawValue }
            let creds = state.credentials
            let user = usernameFromURL.map { String(cString: $0) }
            if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
                let sshUser = user ?? "git"
                if let key = creds.sshKeyPath, state.attempts == 1 {
                    return git_credential_ssh_key_new(out, sshUser, nil, key, creds.sshPassphrase)
                }
                if creds.useAgent {
                    return git_credential_ssh_key_from_agent(out, sshUser)
                }
            }
            if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0, let token = creds.token {
                return git_credential_userpass_plaintext_new(out, creds.username ?? user ?? "x-access-token", token)
            }
            if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
                return git_credential_username_new(out, user ?? "git")
            }
            return GIT_PASSTHROUGH.rawValue
        }
    }

    /// Runs a network call, turning an authentication failure into a message that says
    /// which credential sources were tried.
    func authenticated(_ state: RemoteCallbackState, _ operation: String, _ call: () -> Int32) throws {
        let result = call()
        if result < 0 && (state.attempts > 0 && (result == GIT_EUSER.rawValue || result == GIT_EAUTH.rawValue)) {
            throw GitError(operation: operation, code: result,
                           message: "authentication failed; tried \(state.credentials.summary)")
        }
        try GitError.check(result, operation)
    }
}

/// A `git_strarray` over Swift strings, valid inside `body`.
func withStrArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) rethrows -> T {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
