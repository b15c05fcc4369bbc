import ArgumentParser
import Foundation

/// `gitops-weave-bench generate`: writes the benchmark's generated source to a directory,
/// so that one phase can be replayed under a profiler with the real CLI.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the generated source of N environments to a directory, for profiling.",
        discussion: """
            Writes the same source the stack benchmark measures (the project's gitops-weave.yaml, \
            base/ and layers/, and N generated environments) to DIR. For example:

              gitops-weave-bench generate --envs 1000 /tmp/src
              valgrind --tool=callgrind .build/release/gitops-weave render --all \\
                --source /tmp/src --out /tmp/out
            """)

    @Option(help: "Number of environments to generate.")
    var envs: Int = 1000

    @Option(help: "Seed of the environment generator.")
    var seed: UInt64 = 7

    @Option(help: ArgumentHelp("The project root whose gitops-weave.yaml, base/ and layers/ are used.", valueName: "DIR"))
    var project = "."

    @Argument(help: ArgumentHelp("Where to write the source; it must not exist yet.", valueName: "DIR"))
    var directory: String

    func run() throws {
        guard !FileManager.default.fileExists(atPath: directory) else { throw ValidationError("\(directory) exists already") }
        let source = try StackSource(projectRoot: project, count: envs, seed: seed, root: URL(fileURLWithPath: directory))
        print("wrote \(source.names.count) environments to \(source.root.path)")
    }
}
