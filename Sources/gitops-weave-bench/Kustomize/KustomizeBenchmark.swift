import ArgumentParser
import Foundation

/// `gitops-weave-bench kustomize`: `gitops-weave build` against `kubectl kustomize`, side
/// by side, on the conformance corpus and on a generated repository of N overlays.
struct KustomizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kustomize",
        abstract: "gitops-weave build against kubectl kustomize, on the conformance corpus and on N generated overlays.",
        discussion: """
            Two workloads, each timed after one warm-up, the median of --repetitions runs:

              corpus     every case of shared/kustomize-conformance that builds
                         (GITOPS_WEAVE_SHARED, else ../shared; skipped when absent),
                         less those Tests/KustomizeTests/kustomize-conformance-
                         differences.txt lists as deliberate differences
              overlays   a generated repository of one base and --overlays overlays
                         (namespace, namePrefix, commonLabels, images, replicas,
                         a strategic-merge and a JSON 6902 patch)

            Each is built by kubectl kustomize (one process per build; a sample of the \
            overlays, scaled) and by gitops-weave build: one process per build, and in \
            this process through KustomizeBuild on one thread and on every core.

            Every output is compared with kubectl's as YAML documents in order; any \
            mismatch is listed and the run exits with status 1. Timings never fail the \
            run. Without kubectl only gitops-weave is measured, and its outputs are \
            compared with the corpus's recorded kubectl output and with each other.
            """)

    @Option(help: "Overlays in the generated repository.")
    var overlays: Int = 1000

    @Option(help: "Timed repetitions after one warm-up; the median is reported.")
    var repetitions: Int = 3

    @Option(help: "At most this many overlays run through kubectl kustomize per repetition; the time is scaled to all of them.")
    var kubectlSample: Int = 100

    @Flag(help: "Do not run kubectl, even when it is installed.")
    var noKubectl = false

    @Option(help: ArgumentHelp("The gitops-weave binary (default: the one beside this benchmark).", valueName: "PATH"))
    var gitopsWeave: String?

    @Option(help: ArgumentHelp("The project root, beside which ../shared is looked for.", valueName: "DIR"))
    var project = "."

    @Option(help: ArgumentHelp("Where to generate the repository and write outputs (default: /dev/shm when it exists, else the temporary directory).", valueName: "DIR"))
    var scratch: String?

    @Flag(help: "Keep the generated repository and the outputs in the scratch directory.")
    var keepScratch = false

    @Flag(help: "Print one JSON object instead of the tables.")
    var json = false

    @Flag(name: .shortAndLong, help: "Do not print progress on standard error, and list at most 3 mismatches per workload.")
    var quiet = false

    func validate() throws {
        guard overlays > 0 else { throw ValidationError("--overlays must be at least 1") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be at least 1") }
        guard kubectlSample > 0 else { throw ValidationError("--kubectl-sample must be at least 1") }
    }

    func run() throws {
        if EngineBenchmark.buildConfiguration == "debug" {
            fputs("gitops-weave-bench: warning: this is a debug build; its figures are meaningless. Use swift run -c release.\n", stderr)
        }
        let weave = try Self.gitopsWeaveBinary(gitopsWeave)
        let kubectl = !noKubectl && Processes.available("kubectl")
        let scratchDir = URL(fileURLWithPath: scratch ?? StackBenchmark.defaultScratch())
        let quiet = self.quiet
        let options = KustomizeRun.Options(
            overlays: overlays, repetitions: repetitions, kubectlSample: kubectlSample, kubectl: kubectl, weave: weave,
            shared: ConformanceCorpus.sharedDirectory(project: project), differences: ConformanceCorpus.differencesFile(project: project), scratch: scratchDir, keep: keepScratch,
            progress: { if !quiet { fputs("gitops-weave-bench: \($0)\n", stderr) } })
        let loadBefore = Processes.loadAverage
        let workloads = try KustomizeRun(options: options).run()
        // After the run: `kubectl version` is a child process too, and would count in the
        // children's peak RSS.
        var report = KustomizeReport(workloads: workloads, header: header(weave: weave, scratch: scratchDir, kubectl: kubectl) + [("load average", "\(loadBefore) before, \(Processes.loadAverage) after")], repetitions: repetitions)
        if quiet { report.listed = 3 }
        print(json ? report.json() : report.text(), terminator: json ? "\n" : "")
        if !report.passed { throw ExitCode(1) }
    }

    /// `--gitops-weave`, else the `gitops-weave` the same build wrote beside this binary.
    static func gitopsWeaveBinary(_ path: String?) throws -> URL {
        let here = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        let binary = path.map { URL(fileURLWithPath: $0) } ?? here.deletingLastPathComponent().appendingPathComponent("gitops-weave")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw BenchError("\(binary.path) is not an executable: build it with the benchmark's configuration and scratch path "
                + "(swift build -c release --product gitops-weave [--scratch-path DIR]) or pass --gitops-weave PATH")
        }
        return binary
    }

    func header(weave: URL, scratch: URL, kubectl: Bool) -> [(String, String)] {
        var out: [(String, String)] = [
            ("build", EngineBenchmark.buildConfiguration),
            ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
            ("scratch", scratch.path + " (" + StackBenchmark.filesystem(scratch.path) + ")"),
            ("gitops-weave", weave.path),
        ]
        if kubectl, let version = try? Processes.output(["kubectl", "version", "--client"], in: URL(fileURLWithPath: "/")) {
            out.append(("kubectl", version.split(separator: "\n").joined(separator: ", ")))
        } else {
            out.append(("kubectl", noKubectl ? "not run (--no-kubectl): gitops-weave measured alone" : "not installed: gitops-weave measured alone"))
        }
        return out
    }
}
