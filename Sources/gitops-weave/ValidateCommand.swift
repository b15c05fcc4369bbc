import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Render environments and validate every resource against its schema.",
        discussion: """
            Each environment is rendered in memory (nothing is written) and every resource is \
            validated against the OpenAPI v3 schema of its apiVersion and kind, as the API \
            server would on apply, with unknown fields as errors where the schema is closed \
            (like kubectl apply --validate=strict): types, enums, patterns, required fields, \
            null where a field is not nullable, bounds and lengths.

            Schemas come from the CustomResourceDefinitions listed under crds: in the project \
            file and those in --crds DIR; without a CRD, the stack's custom resources are \
            checked against built-in rules for the fields the stack relies on, and a note says \
            which kinds were not fully validated. Core kinds (Namespace, ConfigMap, Secret, \
            ServiceAccount, and the basics of Deployment, StatefulSet and Service) have \
            built-in schemas.

            Each error is printed as `file:line:col: error: ...` at the source line that set \
            the value (a layer's patch, an environment's parameter), naming the resource and \
            the rendered path, with a hint. Exit status: 0 when every environment renders and \
            validates, 1 otherwise, 2 for a usage error.
            """)

    @OptionGroup var selection: EnvironmentArguments

    @OptionGroup var source: SourceOptions

    @OptionGroup var schemas: CRDOptions

    @OptionGroup var output: ReportFormatOptions

    func validate() throws {
        try schemas.checkDirectory()
    }

    func run() throws {
        try Diagnostics.run(format: output.format) {
            let project = try source.loadProject()
            let validator = try SchemaValidation.validator(project: project, crds: schemas.crds)
            let names = try selection.names(in: project)
            var diagnostics = DiagnosticList(namesEnvironments: names.count > 1)
            var valid: [(name: String, resources: Int)] = []
            var invalid: [String] = []
            for outcome in Renderer(project: project).renderAll(names) {
                let name = outcome.environment.name
                diagnostics.append(contentsOf: outcome.diagnostics, environment: name)
                guard !outcome.failed else { invalid.append(name); continue }
                let rendered = RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
                let errors = validator.validate(rendered.resources)
                diagnostics.append(contentsOf: errors, environment: name)
                if errors.contains(where: { $0.severity == .error }) {
                    invalid.append(name)
                } else {
                    valid.append((name, rendered.resources.count))
                }
            }
            if let note = validator.takeCoverageNote() { diagnostics.append(note) }
            switch output.format {
            case .text:
                diagnostics.print()
                for v in valid { print("valid \(v.name): \(v.resources) resources") }
            case .json:
                try JSONOutput.print(ValidationReport(
                    valid: valid.map { .init(environment: $0.name, resources: $0.resources) },
                    invalid: invalid,
                    diagnostics: diagnostics.json,
                    errors: diagnostics.errors))
            }
            if diagnostics.hasErrors { throw ExitCode(1) }
        }
    }
}

/// `validate --format json`: the environments that passed (with their number of
/// resources), those that did not, every diagnostic, and the number of errors.
struct ValidationReport: Encodable {
    struct Environment: Encodable {
        var environment: String
        var resources: Int
    }

    var valid: [Environment]
    var invalid: [String]
    var diagnostics: [DiagnosticJSON]
    var errors: Int
}
