import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

@main
struct GitopsWeave: ParsableCommand {
    static let version = GitopsWeaveVersion.current

    static let configuration = CommandConfiguration(
        commandName: "gitops-weave",
        abstract: "Compile base templates and environment overlays into plain Kubernetes manifests.",
        discussion: """
            gitops-weave merges Kubernetes resources with strategic-merge semantics, on the \
            built-in kinds and on the W&B Weave stack's custom resources (ClickHouseInstallation, \
            ClickHouseKeeperInstallation, WeightsAndBiases).
            """,
        version: version,
        subcommands: [RenderCommand.self, BuildCommand.self, ValidateCommand.self, PublishCommand.self, DiffCommand.self, AffectedCommand.self, CheckCommand.self, HistoryCommand.self, ExplainCommand.self, SyncConfigCommand.self, MergeCommand.self, SetCommand.self, UnsetCommand.self, PromoteCommand.self])

    /// Runs the command line. Usage errors (an unknown option, a missing argument, options
    /// that do not go together) exit with status 2, as the README's table says, printed as
    /// `error: ...` with the usage as the hint, or as JSON with `--format json`;
    /// ArgumentParser alone would exit 64.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let usage = UsageError(message: message(for: error), fullMessage: fullMessage(for: error))
            do {
                try Diagnostics.report(DiagnosticList([usage.diagnostic]), format: UsageError.wantsJSON(arguments) ? .json : .text)
            } catch {}
            Foundation.exit(UsageError.exitStatus)
        }
    }
}

/// A command line the commands cannot run: what is wrong, and how the command is used.
struct UsageError {
    static let exitStatus: Int32 = 2

    var message: String
    var fullMessage: String

    var diagnostic: Diagnostic {
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        // ArgumentParser's sentences start with a capital; ours, like clang's, do not.
        if let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase == true {
            text = first.lowercased() + text.dropFirst()
        }
        let usage = fullMessage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("Usage: ") }.map { String($0.dropFirst("Usage: ".count)) }
        return .error(at: nil, text, hint: usage.map { "usage: \($0) (see --help)" })
    }

    /// `--format json` (or `--format=json`) anywhere on the command line.
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.contains("--format=json") || zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" }
    }
}
