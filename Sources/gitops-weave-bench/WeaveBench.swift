import ArgumentParser

/// The benchmark tool's root command. It only groups the benchmarks; `engine` runs when no
/// subcommand is named.
struct WeaveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gitops-weave-bench",
        abstract: "Measure how fast gitops-weave reads, merges and writes Kubernetes YAML.",
        discussion: """
            Each benchmark generates its own input from a seed, so runs are repeatable and \
            comparable across machines and commits. Build it in release mode; a debug build \
            measures the compiler, not the engine:

              swift run -c release gitops-weave-bench engine

            Results are medians of several repetitions after one warm-up, as a table on \
            standard output, or as one JSON object with --json. Progress goes to standard \
            error. See bench/README.md for what every figure means.
            """,
        subcommands: [EngineBenchmark.self, PublishBenchmark.self, DiffBenchmark.self],
        defaultSubcommand: EngineBenchmark.self)
}
