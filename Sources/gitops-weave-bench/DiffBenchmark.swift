import ArgumentParser
import Foundation
import GitSync
import Overlays

/// `gitops-weave-bench diff`: `gitops-weave diff` between two commits of a generated source
/// that differ in one layer, rendered straight from git objects.
struct DiffBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Time diff between two revisions of a generated source of N environments.",
        discussion: """
            Generates N environments over the project's real base and layers, commits them \
            (git CLI, not timed), changes one layer (the prod tier's ClickHouse replica count) \
            and commits again, then times RevisionComparison, the code behind \
            `gitops-weave diff BASE HEAD`: both revisions rendered from git objects on every \
            core, and compared. Target: under 3 s for 1,000 environments.
            """)

    @Option(help: "Number of environments to generate.")
    var envs: Int = 1000

    @Option(help: "Timed repetitions; the median is reported.")
    var repetitions: Int = 3

    @Option(help: ArgumentHelp("The project root whose gitops-weave.yaml, base/ and layers/ are used.", valueName: "DIR"))
    var project = "."

    func run() throws {
        let source = try StackSource(projectRoot: project, count: envs, seed: 11)
        defer { source.remove() }
        let dir = source.root
        for args in [["init", "-q", "-b", "main"], ["config", "user.email", "bench@localhost"], ["config", "user.name", "bench"],
                     ["add", "-A"], ["commit", "-q", "-m", "base"]] {
            try PublishBenchmark.run(["git"] + args, in: dir)
        }
        let patch = dir.appendingPathComponent("layers/prod/patches/clickhouse.yaml")
        let text = try String(contentsOf: patch, encoding: .utf8)
        try text.replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: 5").write(to: patch, atomically: true, encoding: .utf8)
        try PublishBenchmark.run(["git", "commit", "-q", "-am", "prod: 5 replicas"], in: dir)

        var samples = Samples()
        var changed = 0
        _ = try RevisionComparison(source: dir.path, base: "HEAD~1", head: "HEAD").diff() // warm-up
        for _ in 0..<repetitions {
            let r = try timed { try RevisionComparison(source: dir.path, base: "HEAD~1", head: "HEAD").diff() }
            samples.add(r.nanoseconds)
            changed = r.result.environments.count
        }
        let seconds = samples.median / 1e9
        print("gitops-weave-bench diff: \(Format.grouped(envs)) environments, \(changed) changed by one layer edit; median of \(repetitions)")
        print("diff HEAD~1 HEAD (render both from git objects, compare): \(Format.fixed(seconds, 2)) s (target < 3 s: \(seconds < 3 ? "met" : "missed"))")
    }
}
