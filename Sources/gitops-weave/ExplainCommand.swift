import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
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

            Exit status: 0 on success; 1 when the environment does not render or the resource or \
            path does not exist (the message says what exists there).
            """)

    @Argument(help: "The environment (a file under environments/).")
    var environment: String

    @Argument(help: ArgumentHelp("KIND/NAME, or KIND/NAMESPACE/NAME when the name is used in several namespaces; the kind is case-insensitive.",
                                 valueName: "resource"))
    var resource: String

    @Argument(help: ArgumentHelp("The field, e.g. spec.configuration.clusters[name=weavecluster].layout.replicasCount.",
                                 valueName: "field-path"))
    var fieldPath: String

    @OptionGroup var source: SourceOptions

    @OptionGroup var output: ReportFormatOptions

    func run() throws {
        try Diagnostics.run(format: output.format) {
            let path = try FieldPath(parsing: fieldPath)
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
