import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished program printed, and how it ended.
public struct ProcessOutput: CustomStringConvertible, Sendable {
    public var status: Int32
    public var stdout: String
    /// Empty when standard error went to standard output.
    public var stderr: String
    /// False when a signal ended the process (a crash), or it was killed after its timeout.
    public var exitedNormally: Bool
    public var timedOut: Bool
    /// From the start to the end, in seconds.
    public var seconds: Double

    /// Everything it printed: standard output, then standard error.
    public var output: String { stdout + stderr }

    public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// A program started in the background. Its output goes to files (never to pipes, so a
/// large output cannot block it), read when it is waited for.
public final class RunningProcess {
    public let process: Process
    public let started: Date
    private let stdoutFile: URL
    private let stderrFile: URL?
    private let handles: [FileHandle]
    /// The directory of the output files when the caller named none.
    private let ownLogs: Scratch?

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    init(_ executable: URL, _ arguments: [String], in directory: URL?, environment: [String: String]?,
         input: Data?, mergingStandardError: Bool, logs: URL?) throws {
        let logDirectory: URL
        if let logs {
            ownLogs = nil
            logDirectory = logs
        } else {
            let scratch = try Scratch(prefix: "gitops-weave-process")
            ownLogs = scratch
            logDirectory = scratch.url
        }
        let id = UUID().uuidString
        stdoutFile = logDirectory.appendingPathComponent("\(id).stdout")
        stderrFile = mergingStandardError ? nil : logDirectory.appendingPathComponent("\(id).stderr")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        if let stderrFile { _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil) }

        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        var handles: [FileHandle] = []
        if let input {
            let inFile = logDirectory.appendingPathComponent("\(id).stdin")
            try input.write(to: inFile)
            let handle = try FileHandle(forReadingFrom: inFile)
            handles.append(handle)
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let out = try FileHandle(forWritingTo: stdoutFile)
        handles.append(out)
        process.standardOutput = out
        if let stderrFile {
            let err = try FileHandle(forWritingTo: stderrFile)
            handles.append(err)
            process.standardError = err
        } else {
            process.standardError = out
        }
        self.handles = handles
        started = Date()
        try process.run()
    }

    /// Waits for the program to end; with a timeout, one still running then is killed
    /// (SIGKILL) and the output says `timedOut`.
    public func wait(timeout: TimeInterval? = nil) -> ProcessOutput {
        var timedOut = false
        if let timeout {
            let deadline = started.addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            timedOut = process.isRunning
            if timedOut { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        for handle in handles { try? handle.close() }
        return ProcessOutput(status: process.terminationStatus,
                             stdout: Self.read(stdoutFile),
                             stderr: stderrFile.map(Self.read) ?? "",
                             exitedNormally: process.terminationReason == .exit && !timedOut,
                             timedOut: timedOut,
                             seconds: Date().timeIntervalSince(started))
    }

    /// Kills the program with SIGKILL, if it still runs, and waits for it. (Programs started
    /// from the test runner's threads inherit a signal mask that blocks SIGTERM.)
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func read(_ file: URL) -> String {
        String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
    }
}

/// Running programs from tests.
public enum ProcessRunner {
    /// Starts a program. Standard input is `input`, or empty; output goes to files in `logs`
    /// (or in a directory of the process's own, removed with it).
    public static func start(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                             environment: [String: String]? = nil, input: Data? = nil,
                             mergingStandardError: Bool = false, logs: URL? = nil) throws -> RunningProcess {
        try RunningProcess(executable, arguments, in: directory, environment: environment, input: input,
                           mergingStandardError: mergingStandardError, logs: logs)
    }

    /// Runs a program to its end (or to `timeout`, when it is killed).
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                           environment: [String: String]? = nil, input: Data? = nil,
                           mergingStandardError: Bool = false, logs: URL? = nil,
                           timeout: TimeInterval? = nil) throws -> ProcessOutput {
        try start(executable, arguments, in: directory, environment: environment, input: input,
                  mergingStandardError: mergingStandardError, logs: logs).wait(timeout: timeout)
    }
}

/// External programs that tests use as oracles or to check results, when installed.
public enum ExternalTool {
    /// The full path of an executable on PATH, or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func exists(_ name: String) -> Bool { find(name) != nil }

    public static let git = find("git")
    public static let kubectl = find("kubectl")
    public static var hasGit: Bool { git != nil }
    public static var hasKubectl: Bool { git != nil && kubectl != nil }

    /// Runs `name` found on PATH (through /usr/bin/env); by default standard error goes to
    /// standard output, so `stdout` (and `output`) hold both, interleaved.
    public static func run(_ name: String, _ arguments: [String], in directory: URL? = nil, input: Data? = nil,
                           mergingStandardError: Bool = true) throws -> ProcessOutput {
        try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory,
                              input: input, mergingStandardError: mergingStandardError)
    }
}
