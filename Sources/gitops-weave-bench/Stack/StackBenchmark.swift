import ArgumentParser
import CGit2
import CYAML
import Foundation

/// `gitops-weave-bench` (the default): gitops-weave side by side with kustomize, the git
/// CLI and the libyaml floor, on a generated source of N environments.
struct StackBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "gitops-weave against kustomize, the git CLI and libyaml, at 100 to 5,000 environments.",
        discussion: """
            For each number of environments, generates a source over the project's real \
            base/ and layers/ (tier × storage × platform, parameters varied), and times, \
            in this process, after one warm-up, the median of --repetitions runs:

              render         what `render --all` runs, into a new directory
              floor          libyaml's event API reading the same input and writing
                             the same output files, with no tree, on every core
              publish        the first commit of every environment (render excluded),
                             again with nothing changed, and with one changed
              git CLI        `git add -A && git commit` of the rendered files
              diff           what `diff HEAD~1 HEAD` runs, after a one-layer edit
              kustomize      when kubectl is installed: an equivalent kustomize tree
                             built with one `kubectl kustomize` per environment, and
                             as one aggregate build

            It also checks that the outputs agree: libyaml writes the same bytes, publish \
            commits the tree the git CLI makes of the rendered files, and kustomize's \
            output matches ours wherever the two tools' semantics agree. A failed check \
            exits with status 1; timings never fail the run. bench/README.md says what \
            every figure means.
            """)

    @Option(help: ArgumentHelp("Numbers of environments, comma-separated.", valueName: "N,N,..."))
    var envs: String = "100,1000,5000"

    @Option(help: "Timed repetitions after one warm-up; the median is reported.")
    var repetitions: Int = 3

    @Option(help: "At most this many environments run as their own kustomize process per repetition; the time is scaled to all of them.")
    var kustomizeSample: Int = 100

    @Option(help: "At most this many environments go into kustomize's one aggregate build; the time is scaled linearly to all of them, which flatters kustomize (it grows faster than linearly).")
    var kustomizeAggregate: Int = 250

    @Flag(help: "Do not run kustomize, even when kubectl is installed.")
    var noKustomize = false

    @Option(help: ArgumentHelp("Where to generate sources and write outputs (default: /dev/shm when it exists, else the temporary directory).", valueName: "DIR"))
    var scratch: String?

    @Option(help: ArgumentHelp("The project root whose gitops-weave.yaml, base/ and layers/ are used.", valueName: "DIR"))
    var project = "."

    @Flag(help: "Keep the generated sources and outputs in the scratch directory, to look at them.")
    var keepScratch = false

    @Flag(help: "Print one JSON object instead of the tables.")
    var json = false

    @Flag(name: .shortAndLong, help: "Do not print progress on standard error.")
    var quiet = false

    var counts: [Int] { envs.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let counts = self.counts
        guard !counts.isEmpty, counts.count == envs.split(separator: ",").count, counts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--envs takes positive numbers separated by commas, e.g. 100,1000,5000")
        }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be at least 1") }
        guard kustomizeSample > 0, kustomizeAggregate > 0 else { throw ValidationError("--kustomize-sample and --kustomize-aggregate must be at least 1") }
    }

    func run() throws {
        if EngineBenchmark.buildConfiguration == "debug" {
            fputs("gitops-weave-bench: warning: this is a debug build; its figures are meaningless. Use swift run -c release.\n", stderr)
        }
        let scratchDir = URL(fileURLWithPath: scratch ?? Self.defaultScratch())
        let quiet = self.quiet
        let options = StackRun.Options(
            repetitions: repetitions, scratch: scratchDir, project: project, kustomizeSample: kustomizeSample,
            kustomizeAggregate: kustomizeAggregate, kustomize: !noKustomize, keep: keepScratch, progress: { if !quiet { fputs("gitops-weave-bench: \($0)\n", stderr) } })
        var results: [StackResult] = []
        for n in counts.sorted() {
            results.append(try StackRun(environments: n, options: options).run())
        }
        let report = StackReport(results: results, header: header(scratch: scratchDir), repetitions: repetitions)
        print(json ? report.json() : report.text(), terminator: json ? "\n" : "")
        if !report.passed { throw ExitCode(1) }
    }

    /// tmpfs when there is one: on this project's build machines, creating files on the
    /// ext4 root costs more and more kernel time as deleted inodes pile up (see
    /// bench/README.md), which measures the machine rather than the tools. Both sides
    /// write the same files, so `--scratch` on a disk is a fair comparison too.
    static func defaultScratch() -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue,
           FileManager.default.isWritableFile(atPath: "/dev/shm") {
            return "/dev/shm"
        }
        return FileManager.default.temporaryDirectory.path
    }

    func header(scratch: URL) -> [(String, String)] {
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        git_libgit2_version(&major, &minor, &rev)
        var out: [(String, String)] = [
            ("build", EngineBenchmark.buildConfiguration),
            ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
            ("scratch", scratch.path + " (" + Self.filesystem(scratch.path) + ")"),
            ("libyaml", LibYAMLFloor.version),
            ("libgit2", "\(major).\(minor).\(rev)"),
        ]
        if let git = try? Processes.output(["git", "--version"], in: URL(fileURLWithPath: "/")) { out.append(("git", git)) }
        if !noKustomize, Processes.available("kubectl"),
           let version = try? Processes.output(["kubectl", "version", "--client"], in: URL(fileURLWithPath: "/")) {
            out.append(("kubectl", version.split(separator: "\n").joined(separator: ", ")))
        }
        return out
    }

    /// The filesystem type of a path, from /proc/mounts (longest matching mount point).
    static func filesystem(_ path: String) -> String {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "unknown filesystem" }
        var best = (point: "", type: "unknown filesystem")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { continue }
            let point = String(fields[1])
            if (path == point || path.hasPrefix(point == "/" ? "/" : point + "/")) && point.count > best.point.count {
                best = (point, String(fields[2]))
            }
        }
        return best.type
    }
}
