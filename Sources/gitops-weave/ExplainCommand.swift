import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
import Kustomize
import WeaveStack
import LocalFiles

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say where one field of a rendered resource got its value.",
        discussion: """
            Renders ENVIRONMENT and prints the field's value, then every position that set it, \
            newest first: "set by file:line:col" and "overrode file:line:col: old value" for each \
            earlier value, each named by its part of the source (a layer, the base, the \
            environment file, a default in the project file). A parameter names the line that set \
            it and the template position it filled; a derived value (Keeper nodes, the W&B \
            ClickHouse settings) names the field it is derived from and that field's own history. \
            For a mapping or list, every key or element is listed with where it was set.

            The path is written as keys separated by dots, [key=value] or [index] for list \
            elements, and quotes around keys holding dots: \
            spec.configuration.clusters[name=weavecluster].layout.replicasCount, \
            spec.configuration.files."config.d/logger.xml".

            With --build DIR there is no environment: the field is one of `gitops-weave build \
            DIR`'s output, and each step names the kustomization line and transformer that set it \
            ("name prefix from overlays/prod/kustomization.yaml:4:13").

            Exit status: 0 on success; 1 when the environment does not render or the resource or \
            path does not exist (the message says what exists there).
            """)

    @Argument(help: ArgumentHelp("ENVIRONMENT (a file under environments/; not with --build), then RESOURCE: KIND/NAME, or KIND/NAMESPACE/NAME "
                                     + "when the name is used in several namespaces (the kind is case-insensitive), then FIELD-PATH, "
                                     + "e.g. spec.configuration.clusters[name=weavecluster].layout.replicasCount.",
                                 valueName: "environment> <resource> <field-path"))
    var words: [String] = []

    @Option(help: ArgumentHelp("Explain a field of `gitops-weave build DIR`'s output instead of an environment's.", valueName: "DIR"))
    var build: String?

    @OptionGroup var kustomize: KustomizeOptions

    @OptionGroup var source: SourceOptions

    @OptionGroup var output: ReportFormatOptions

    var environment: String { words[0] }
    var resource: String { words[words.count - 2] }
    var fieldPath: String { words[words.count - 1] }

    func validate() throws {
        let wanted = build == nil ? 3 : 2
        guard words.count == wanted else {
            throw ValidationError(build == nil ? "give ENVIRONMENT RESOURCE FIELD-PATH, such as: explain prod-aws chi/wandb spec.configuration"
                                               : "with --build, give RESOURCE FIELD-PATH, such as: explain --build overlays/prod deployment/web metadata.name")
        }
    }

    func run() throws {
        try Diagnostics.run(format: output.format) {
            let path = try FieldPath(parsing: fieldPath)
            if let build {
                let built = try kustomize.build(build)
                let resources = try built.nodes.map { try Resource(document: $0) }
                let env = try Environment(name: build, file: "<build \(build)>", documents: [])
                let outcome = Renderer.Outcome(environment: env, resources: resources)
                let selector = try ResourceSelector(parsing: resource).resolvingKind(.kubernetes)
                let layout = Explanation.SourceLayout(baseDirectory: "\u{0}", layersDirectory: "\u{0}", environmentFile: env.file,
                                                      environmentName: build, projectFile: "\u{0}")
                let explanation = try Explanation(outcome, resource: selector, path: path, layout: layout)
                switch output.format {
                case .text: FileHandle.standardOutput.write(Data(explanation.text.utf8))
                case .json: try JSONOutput.print(ExplanationReport(explanation))
                }
                return
            }
            let project = try source.loadProject()
            let selector = try ResourceSelector(parsing: resource).resolvingKind(project.kindNames)
            let outcome = Renderer(project: project).render(named: environment)
            let errors = outcome.diagnostics.filter { $0.severity == .error }
            guard errors.isEmpty else {
                var list = DiagnosticList()
                list.append(contentsOf: errors, environment: environment)
                throw CommandFailure(list)
            }
            let explanation = try Explanation(outcome, resource: selector, path: path,
                                              layout: .init(project: project, environment: outcome.environment))
            switch output.format {
            case .text:
                FileHandle.standardOutput.write(Data(explanation.text.utf8))
            case .json:
                try JSONOutput.print(ExplanationReport(explanation))
            }
        }
    }
}
