import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `git` command that failed, with what it printed.
public struct GitCommandFailed: Error, CustomStringConvertible {
    public var command: String
    public var output: ProcessOutput
    public var description: String { "\(command) failed: \(output)" }

    public init(command: String, output: ProcessOutput) {
        self.command = command
        self.output = output
    }
}

/// One test's world for the git CLI: a scratch directory (with `home/`, `cache/` and `out/`,
/// where the output of the programs it runs goes), and an environment in which `git` (and
/// programs run through `start`/`run`) see no global or system configuration, no
/// credentials, and a cache of their own. Everything is removed with the object.
public final class GitSandbox {
    public let scratch: Scratch
    public var root: URL { scratch.url }
    public let environment: [String: String]

    public init(prefix: String = "gitops-weave-git") throws {
        scratch = try Scratch(prefix: prefix)
        let home = scratch.url.appendingPathComponent("home")
        for dir in ["home", "cache", "out"] {
            try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("GIT_") && !key.hasPrefix("GITOPS_WEAVE_") && key != "SSH_AUTH_SOCK" && key != "GITHUB_TOKEN"
        }
        env["HOME"] = home.path
        env["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        env["XDG_CACHE_HOME"] = scratch.url.appendingPathComponent("cache").path
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["LC_ALL"] = "C"
        environment = env
    }

    public func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    public func path(_ path: String) -> String { url(path).path }

    // MARK: Running programs

    /// Starts a program in the sandbox's environment (plus `extra`); its output goes to `out/`.
    public func start(_ executable: String, _ arguments: [String], in directory: URL,
                      environment extra: [String: String] = [:], input: Data? = nil) throws -> RunningProcess {
        try ProcessRunner.start(URL(fileURLWithPath: executable), arguments, in: directory,
                                environment: environment.merging(extra) { $1 }, input: input, logs: url("out"))
    }

    public func run(_ executable: String, _ arguments: [String], in directory: URL,
                    environment extra: [String: String] = [:], input: Data? = nil) throws -> ProcessOutput {
        try start(executable, arguments, in: directory, environment: extra, input: input).wait()
    }

    /// `git` with its exit status and output.
    public func gitOutput(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:],
                          input: Data? = nil) throws -> ProcessOutput {
        guard let git = ExternalTool.git else {
            throw GitCommandFailed(command: "git", output: ProcessOutput(status: 127, stdout: "", stderr: "git is not on PATH",
                                                                         exitedNormally: true, timedOut: false, seconds: 0))
        }
        return try run(git, arguments, in: directory, environment: extra, input: input)
    }

    /// `git`, which must succeed; its stdout without the final newline.
    @discardableResult
    public func git(arguments: [String], in directory: URL, environment extra: [String: String] = [:],
                    input: Data? = nil) throws -> String {
        let out = try gitOutput(arguments, in: directory, environment: extra, input: input)
        guard out.status == 0 else { throw GitCommandFailed(command: "git " + arguments.joined(separator: " "), output: out) }
        return out.stdout.hasSuffix("\n") ? String(out.stdout.dropLast()) : out.stdout
    }

    /// `git`, which must succeed; its stdout without the final newline.
    @discardableResult
    public func git(_ arguments: String..., in directory: URL, environment extra: [String: String] = [:],
                    input: Data? = nil) throws -> String {
        try git(arguments: arguments, in: directory, environment: extra, input: input)
    }

    /// Lines of a `git` command's output, which must succeed.
    public func gitLines(_ arguments: String..., in directory: URL) throws -> [String] {
        let out = try gitOutput(arguments, in: directory)
        guard out.status == 0 else { throw GitCommandFailed(command: "git " + arguments.joined(separator: " "), output: out) }
        return out.stdout.split(separator: "\n").map(String.init)
    }

    // MARK: Repositories

    /// `git init -b main` (bare or not) at a path below the sandbox, with nothing else set.
    @discardableResult
    public func makeRepository(_ path: String, bare: Bool = false) throws -> URL {
        let dir = url(path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try git(arguments: ["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []), in: dir)
        return dir
    }

    /// Sets a repository's own author identity and turns commit signing off.
    public func setIdentity(name: String, email: String, in repo: URL) throws {
        try git("config", "user.name", name, in: repo)
        try git("config", "user.email", email, in: repo)
        try git("config", "commit.gpgsign", "false", in: repo)
    }

    /// Writes a file below `dir`, creating its directories.
    public func write(_ dir: URL, _ path: String, _ text: String) throws {
        try FileTree.write(dir, path, text)
    }

    /// Commits everything in the work tree; returns the new HEAD.
    @discardableResult
    public func commitAll(_ dir: URL, _ message: String) throws -> String {
        try git("add", "-A", in: dir)
        try git("commit", "-q", "-m", message, in: dir)
        return try git("rev-parse", "HEAD", in: dir)
    }

    /// Whether a reference exists.
    public func exists(_ ref: String, in repo: URL) throws -> Bool {
        try gitOutput(["rev-parse", "--verify", "-q", ref], in: repo).status == 0
    }
}

// MARK: - A loopback git daemon

/// `git daemon` serving a directory on 127.0.0.1 with pushes enabled, for as long as the
/// object lives (`stop()` ends it).
public final class GitDaemon {
    public let port: Int
    public let base: URL
    private let running: RunningProcess

    public init(sandbox: GitSandbox, base: URL) throws {
        self.base = base
        port = try Self.freePort()
        // git-daemon itself, not the `git daemon` wrapper, so that killing it stops it:
        // processes started from the test runner's threads inherit a signal mask that
        // blocks SIGTERM, so only SIGKILL (to the daemon itself) is sure to stop it.
        let execPath = try sandbox.git("--exec-path", in: base)
        running = try sandbox.start(execPath + "/git-daemon", [
            "--reuseaddr", "--base-path=\(base.path)", "--export-all", "--enable=receive-pack",
            "--listen=127.0.0.1", "--port=\(port)", base.path,
        ], in: base)
        // Ready when it accepts connections.
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port) {
            guard Date() < deadline, running.isRunning else {
                stop()
                throw GitCommandFailed(command: "git daemon on port \(port)", output: running.wait())
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// `git://127.0.0.1:<port>/<repository>`.
    public func url(_ repository: String) -> String { "git://127.0.0.1:\(port)/\(repository)" }

    public func stop() { running.stop() }

    /// A port nothing listens on: bind to port 0 and read what the kernel chose.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
