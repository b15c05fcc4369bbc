import ArgumentParser

/// The benchmark tool's root command. `stack`, the comparison with kustomize, the git CLI
/// and libyaml, runs when no subcommand is named.
struct WeaveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gitops-weave-bench",
        abstract: "Measure gitops-weave against kustomize, the git CLI and libyaml.",
        discussion: """
            Every benchmark generates its own input from a seed, so runs are repeatable and \
            comparable across machines and commits. Build it in release mode; a debug build \
            measures the compiler, not the tool:

              swift run -c release gitops-weave-bench --envs 100,1000,5000

            Results are medians of several repetitions after one warm-up, as tables on \
            standard output, or as one JSON object with --json. Progress goes to standard \
            error. See bench/README.md for what every figure means.
            """,
        subcommands: [StackBenchmark.self, KustomizeBenchmark.self, EngineBenchmark.self, GenerateCommand.self],
        defaultSubcommand: StackBenchmark.self)
}
