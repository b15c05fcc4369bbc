import ArgumentParser
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
        subcommands: [RenderCommand.self, ValidateCommand.self, PublishCommand.self, DiffCommand.self, AffectedCommand.self, CheckCommand.self, HistoryCommand.self, ExplainCommand.self, SyncConfigCommand.self, MergeCommand.self])
}
