import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// External programs the publish tests check their results with.
enum Tool {
    /// The full path of an executable on PATH, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let git = find("git")
    static let kubectl = find("kubectl")
    static var hasGit: Bool { git != nil }
    static var hasKubectl: Bool { git != nil && kubectl != nil }
}

/// What a finished program printed.
struct Output: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

struct CommandFailed: Error, CustomStringConvertible {
    var command: String
    var output: Output
    var description: String { "\(command) failed: \(output)" }
}

/// One test's world: a scratch directory, and an environment in which `git` and
/// `gitops-weave` see no global or system configuration, no credentials, and a cache of
/// their own. Everything is removed with the object.
final class GitWorld {
    let scratch: Scratch
    var root: URL { scratch.url }
    let environment: [String: String]
    private var outputs = 0

    init() throws {
        scratch = try Scratch()
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

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    // MARK: Running programs

    /// A program started in the background; its output goes to files.
    final class Running {
        let process: Process
        let stdoutFile: URL
        let stderrFile: URL

        init(process: Process, stdoutFile: URL, stderrFile: URL) {
            self.process = process
            self.stdoutFile = stdoutFile
            self.stderrFile = stderrFile
        }

        var pid: Int32 { process.processIdentifier }

        func wait() -> Output {
            process.waitUntilExit()
            return Output(status: process.terminationStatus,
                          stdout: (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
        }
    }

    func start(_ executable: String, _ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Running {
        outputs += 1
        let stdoutFile = url("out/\(outputs).\(UUID().uuidString).stdout"), stderrFile = url("out/\(outputs).\(UUID().uuidString).stderr")
        FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment.merging(extra) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        return Running(process: process, stdoutFile: stdoutFile, stderrFile: stderrFile)
    }

    func run(_ executable: String, _ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Output {
        try start(executable, arguments, in: directory, environment: extra).wait()
    }

    /// `git` with its exit status and output.
    func gitOutput(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Output {
        try run(Tool.git!, arguments, in: directory, environment: extra)
    }

    /// `git`, which must succeed; its stdout without the final newline.
    @discardableResult
    func git(_ arguments: String..., in directory: URL, environment extra: [String: String] = [:]) throws -> String {
        let out = try gitOutput(arguments, in: directory, environment: extra)
        guard out.status == 0 else { throw CommandFailed(command: "git " + arguments.joined(separator: " "), output: out) }
        return out.stdout.hasSuffix("\n") ? String(out.stdout.dropLast()) : out.stdout
    }

    /// Lines of a `git` command's output.
    func gitLines(_ arguments: String..., in directory: URL) throws -> [String] {
        let out = try gitOutput(arguments, in: directory)
        guard out.status == 0 else { throw CommandFailed(command: "git " + arguments.joined(separator: " "), output: out) }
        return out.stdout.split(separator: "\n").map(String.init)
    }

    /// The `gitops-weave` binary under test.
    func weave(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Output {
        try run(CLI.binary.path, arguments, in: directory, environment: extra)
    }

    func startWeave(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Running {
        try start(CLI.binary.path, arguments, in: directory, environment: extra)
    }

    // MARK: Repositories

    static let sourceAuthor = (name: "Source Author", email: "source@example.com")

    /// `git init` with a local identity (and nothing from the user's configuration).
    @discardableResult
    func initRepository(_ path: String, bare: Bool = false) throws -> URL {
        let dir = url(path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = try gitOutput(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []), in: dir)
        guard out.status == 0 else { throw CommandFailed(command: "git init", output: out) }
        try git("config", "user.name", Self.sourceAuthor.name, in: dir)
        try git("config", "user.email", Self.sourceAuthor.email, in: dir)
        try git("config", "commit.gpgsign", "false", in: dir)
        return dir
    }

    /// Writes a file below `dir`, creating its directories.
    func write(_ dir: URL, _ path: String, _ text: String) throws {
        let file = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    /// Commits everything in the work tree; returns the new HEAD.
    @discardableResult
    func commitAll(_ dir: URL, _ message: String) throws -> String {
        try git("add", "-A", in: dir)
        try git("commit", "-q", "-m", message, in: dir)
        return try git("rev-parse", "HEAD", in: dir)
    }

    /// A repository holding a copy of this project's own source (gitops-weave.yaml, base/,
    /// layers/, environments/), committed on main.
    func bundledSource(_ path: String = "src") throws -> URL {
        let dir = try initRepository(path)
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: CLI.repository.appendingPathComponent(item), to: dir.appendingPathComponent(item))
        }
        try commitAll(dir, "The W&B Weave stack")
        return dir
    }

    static let bundledEnvironments = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs"]

    /// A small source: one layer with one ConfigMap whose value is a parameter, and
    /// environments e1…eN using it.
    func generatedSource(_ path: String = "src", environments count: Int) throws -> URL {
        let dir = try initRepository(path)
        try write(dir, "gitops-weave.yaml", "parameters:\n  value:\n    type: string\n")
        try write(dir, "layers/app/resources/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app
              namespace: default
            data:
              value: ${value}

            """)
        for i in 1...count {
            try write(dir, "environments/e\(i).yaml", "layers: [app]\nparameters:\n  value: v\(i)\n")
        }
        try commitAll(dir, "A generated source")
        return dir
    }

    /// Commits files onto a branch with plumbing only (no checkout, no index of the work
    /// tree): the new commit's tree is the branch's tree with these files added.
    @discardableResult
    func commitOnto(_ branch: String, in repo: URL, files: [String: String], message: String) throws -> String {
        let index = url("out/index-\(UUID().uuidString)")
        let env = ["GIT_INDEX_FILE": index.path]
        try git("read-tree", branch, in: repo, environment: env)
        for (path, text) in files {
            let blobFile = url("out/blob-\(UUID().uuidString)")
            try text.write(to: blobFile, atomically: true, encoding: .utf8)
            let blob = try git("hash-object", "-w", blobFile.path, in: repo)
            try git("update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)", in: repo, environment: env)
        }
        let tree = try git("write-tree", in: repo, environment: env)
        let old = try git("rev-parse", branch, in: repo)
        let commit = try git("commit-tree", tree, "-p", old, "-m", message, in: repo)
        try git("update-ref", "refs/heads/\(branch)", commit, old, in: repo)
        return commit
    }

    /// The trailers of a commit, in order.
    func trailers(_ revision: String, in repo: URL) throws -> [(key: String, value: String)] {
        try gitLines("log", "-1", "--format=%(trailers:only,unfold)", revision, in: repo).compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    func trailer(_ key: String, of revision: String, in repo: URL) throws -> [String] {
        try trailers(revision, in: repo).filter { $0.key == key }.map(\.value)
    }

    /// Whether a reference exists.
    func exists(_ ref: String, in repo: URL) throws -> Bool {
        try gitOutput(["rev-parse", "--verify", "-q", ref], in: repo).status == 0
    }
}

// MARK: - A loopback git daemon

/// `git daemon` serving a directory on 127.0.0.1 with pushes enabled, for as long as the
/// object lives (`stop()` terminates it).
final class GitDaemon {
    let port: Int
    let base: URL
    private let running: GitWorld.Running

    init(world: GitWorld, base: URL) throws {
        self.base = base
        port = try Self.freePort()
        // git-daemon itself, not the `git daemon` wrapper, so that killing it stops it:
        // processes started from the test runner's threads inherit a signal mask that
        // blocks SIGTERM, so only SIGKILL (to the daemon itself) is sure to stop it.
        let execPath = try world.git("--exec-path", in: base)
        running = try world.start(execPath + "/git-daemon", [
            "--reuseaddr", "--base-path=\(base.path)", "--export-all", "--enable=receive-pack",
            "--listen=127.0.0.1", "--port=\(port)", base.path,
        ], in: base)
        // Ready when it accepts connections.
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port) {
            guard Date() < deadline, running.process.isRunning else {
                stop()
                throw CommandFailed(command: "git daemon", output: running.wait())
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    func url(_ repository: String) -> String { "git://127.0.0.1:\(port)/\(repository)" }

    func stop() {
        if running.process.isRunning {
            kill(running.pid, SIGKILL)
            running.process.waitUntilExit()
        }
    }

    /// A port nothing listens on: bind to port 0 and read what the kernel chose.
    static func freePort() throws -> Int {
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

    static func accepts(_ port: Int) -> Bool {
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

/// A small deterministic generator (SplitMix64), so a failing crash trial can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
