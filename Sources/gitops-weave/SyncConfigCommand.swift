import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct SyncConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-config",
        abstract: "Print the Argo CD or Flux objects that deploy what `publish` commits.",
        discussion: """
            `publish` commits the rendered environments to git. With --layout directory (the \
            default) every environment is a folder <env>/ of one branch (--branch, default \
            "rendered"); with --layout branch every environment is a branch env/<env> of its own. \
            Either way the environment holds a kustomization.yaml and its resources. Apply this \
            command's output to a cluster once (kubectl apply -f FILE); from then on the cluster \
            follows the branch, and every publish is deployed without further steps.

            argocd, directory layout: one ApplicationSet. Its git directory generator lists the \
            environment folders, and Argo CD creates one Application per folder, named after it, \
            which builds the folder with kustomize. argocd, branch layout: one Application per \
            environment, reading path "." of branch env/<env>. The Applications sync \
            automatically, prune what a commit removed and undo changes made in the cluster \
            (self-heal); they apply server-side, skip the dry run for kinds whose CRD the \
            ClickHouse operator has not installed yet, and retry a failed sync.

            flux: a GitRepository that fetches the branch every minute, and two Kustomizations \
            per environment, reconciled every ten minutes and pruning what a commit removed: \
            <env>-prerequisites applies ./<env>/prerequisites (namespaces, CRDs, the charts' \
            HelmRepositories and HelmReleases) and waits until all of it is ready; <env> applies \
            ./<env> and depends on it, so no custom resource is applied before the chart that \
            installs its CRD. In the branch layout every environment has its own GitRepository, \
            for branch env/<env>, and the paths are ./prerequisites and ./. Post-build \
            substitution is on only when the project file sets output.flux.postBuild.

            Every environment named must be rendered for the tool (target: in its file, or the \
            project's output.target): the other tool's charts are not objects this one applies.

            Everything is deployed into the cluster that runs Argo CD or Flux, so give each cluster \
            only its own environments: a warning says when the chosen environments define the \
            same resources. Deleting the generated objects, or leaving an environment out and \
            applying again, stops syncing it but leaves its resources running: tearing down an \
            environment (and its ClickHouse data) is a deliberate step. A private repository \
            needs credentials: a repository Secret for Argo CD, spec.secretRef on Flux's \
            GitRepository.

            The output is the same bytes for the same input. Errors go to standard error as \
            `error: ...` (`file:line:col: error: ...` for a bad project or environment file). \
            Exit status: 0 on success, 1 on an error, 2 for a usage error.
            """)

    @Argument(help: "The tool that syncs the cluster.")
    var tool: SyncTarget

    @OptionGroup var selection: EnvironmentArguments

    @OptionGroup var source: SourceOptions

    @Option(name: .customLong("repo-url"),
            help: ArgumentHelp("The URL Argo CD or Flux clones: the repository publish pushes to (required).", valueName: "URL"))
    var repoURL: String?

    @Option(help: ArgumentHelp("The branch holding the environment folders, for --layout directory (default: rendered).", valueName: "NAME"))
    var branch: String?

    @Option(help: "directory: one branch with a folder per environment; branch: a branch env/<env> per environment.")
    var layout: RenderedLayout = .directory

    @Option(help: ArgumentHelp("The namespace of the generated objects (default: argocd for Argo CD, flux-system for Flux).", valueName: "NS"))
    var namespace: String?

    @Option(help: ArgumentHelp("Write the objects to FILE, replacing it atomically, instead of standard output.", valueName: "FILE"))
    var out: String?

    func validate() throws {
        if repoURL == nil {
            throw ValidationError("--repo-url is required: it is the URL \(tool.toolName) clones (the repository gitops-weave publish pushes to, e.g. --repo-url https://github.com/acme/weave-deploy.git)")
        }
        if layout == .branch, let branch {
            throw ValidationError("--branch \(branch) does not apply to --layout branch: every environment has its own branch there, \(SyncConfig.environmentBranchPrefix)<environment>")
        }
    }

    func run() throws {
        try Diagnostics.run {
            let repoURL = repoURL!
            let project = try source.loadProject()
            let names = try selection.names(in: project)
            if names.isEmpty {
                throw Diagnostic.error(at: nil, "\(source.files.displayPath(project.environmentsDirectory))/ holds no environments",
                                       hint: "an environment is a file environments/<name>.yaml")
            }
            // The config lists environments by name only; a broken file must still stop it, and
            // so must an environment rendered for the other tool.
            for name in names {
                let environment = try project.environment(named: name)
                guard environment.target == tool else {
                    let set = environment.targetLocation.map { _ in "its file sets target: \(environment.target.rawValue)" }
                        ?? "it follows the project's output.target: \(environment.target.rawValue)"
                    throw Diagnostic.error(
                        at: environment.targetLocation, "environment \(name) is rendered for \(environment.target.toolName) (\(set)), so \(tool.toolName) cannot sync it",
                        hint: "name only the \(tool.rawValue) environments, or set target: \(tool.rawValue) in \(environment.file) and publish again")
                }
            }
            let config = SyncConfig(tool: tool, layout: layout, environments: names, repoURL: repoURL,
                                    branch: branch ?? SyncConfig.defaultBranch, namespace: namespace, fluxPostBuild: project.fluxPostBuild)
            let documents = try config.documents()
            let text = try config.yaml()

            for note in notes(project: project, names: names) { Diagnostics.print(note) }
            if let out {
                try OutputFile.write(text, to: out)
                print("wrote \(out): \(documents.count) object\(documents.count == 1 ? "" : "s") for \(names.count) environment\(names.count == 1 ? "" : "s")")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    /// What the user should know but that does not stop the output: environments that
    /// would overwrite each other.
    func notes(project: Project, names: [String]) -> [Diagnostic] {
        var notes: [Diagnostic] = []
        if names.count > 1 {
            let renderer = Renderer(project: project)
            let rendered = names.compactMap { name -> (name: String, resources: [ResourceID])? in
                let outcome = renderer.render(named: name)
                return outcome.failed ? nil : (name, outcome.resources.map(\.id))
            }
            if let warning = SyncConfig.sharedResourcesWarning(rendered, tool: tool) { notes.append(warning) }
        }
        return notes
    }

}

extension SyncTarget: ExpressibleByArgument {}
