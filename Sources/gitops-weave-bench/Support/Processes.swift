import Foundation

/// The other tools the benchmark runs: kubectl (kustomize) and the git CLI. The product
/// never runs them; the benchmark compares against them.
enum Processes {
    /// Runs a command and waits. Standard output goes to `output` (a file), or is
    /// discarded; standard error is kept for the error message.
    static func run(_ arguments: [String], in dir: URL? = nil, output: URL? = nil, environment: [String: String]? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        if let dir { p.currentDirectoryURL = dir }
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("gitops-weave-bench-stderr-\(UUID().uuidString.prefix(8))")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer { try? errorHandle.close() }
        p.standardError = errorHandle
        var outputHandle: FileHandle?
        if let output {
            FileManager.default.createFile(atPath: output.path, contents: nil)
            outputHandle = try FileHandle(forWritingTo: output)
        }
        defer { try? outputHandle?.close() }
        p.standardOutput = outputHandle ?? FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw BenchError("\(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(message.prefix(2000))")
        }
    }

    /// A command's standard output, trimmed.
    static func output(_ arguments: [String], in dir: URL) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gitops-weave-bench-out-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: file) }
        try run(arguments, in: dir, output: file)
        return try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The number of documents in a YAML stream kustomize wrote (`---` separated).
    static func countDocuments(_ file: URL) throws -> Int {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard !text.isEmpty else { return 0 }
        return text.components(separatedBy: "\n---\n").count
    }

    /// Whether a command is on PATH.
    static func available(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }

    /// The git CLI with a fixed identity and no user or system configuration. Automatic
    /// gc is off: after a commit of thousands of loose objects git would otherwise start a
    /// repack in the background, which the commit's time does not include and which would
    /// slow down whatever the benchmark measures next.
    static func git(_ arguments: [String], in dir: URL) throws {
        try run(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"] + arguments, in: dir,
                environment: ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"])
    }
}

extension Processes {
    /// The peak resident set of a command, run once under GNU time (`/usr/bin/time -f %M`),
    /// or nil without it. A child's own high-water mark can't be read from this process:
    /// Linux starts a spawned child's with its parent's (the benchmark's) and
    /// RUSAGE_CHILDREN keeps the largest child ever, even of a `swift run` before exec.
    /// time's fork starts afresh from time's small image.
    static func peakResident(_ arguments: [String], in dir: URL) -> Int? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gitops-weave-bench-rss-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: file) }
        guard (try? run(["/usr/bin/time", "-f", "%M", "-o", file.path] + arguments, in: dir)) != nil,
              let text = try? String(contentsOf: file, encoding: .utf8),
              let kb = Int(text.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) ?? "") else { return nil }
        return kb * 1024
    }

    /// The one-minute load average, to show whether something else was running.
    static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
