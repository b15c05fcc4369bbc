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
            validates, 1 otherwise.
            """)

    @Argument(help: "Environments to validate (default: all of them).")
    var environments: [String] = []

    @Flag(help: "Validate every environment (the default when none is named).")
    var all = false

    @Option(help: ArgumentHelp("The source repository's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    @Option(help: ArgumentHelp("Also validate against the CustomResourceDefinitions in DIR (its *.yaml files).", valueName: "DIR"))
    var crds: String?

    @Option(help: "How to report: text, or json for machines.")
    var format: ReportFormat = .text

    func validate() throws {
        if all && !environments.isEmpty { throw ValidationError("name environments or pass --all, not both") }
        try SchemaValidation.checkDirectory(crds)
    }

    func run() throws {
        var diagnostics: [(String?, Diagnostic)] = []
        var valid: [(name: String, resources: Int)] = []
        var invalid: [String] = []
        do {
            let project = try Project.load(from: FileSystemSource(root: source), stacks: .bundled)
            let validator = try SchemaValidation.validator(project: project, crds: crds)
            let names = environments.isEmpty ? try project.environmentNames() : environments
            for outcome in Renderer(project: project).renderAll(names) {
                let name = outcome.environment.name
                diagnostics += outcome.diagnostics.map { (name, $0) }
                guard !outcome.failed else { invalid.append(name); continue }
                let rendered = RenderedEnvironment(outcome, target: project.target, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
                let errors = validator.validate(rendered.resources)
                diagnostics += errors.map { (name, $0) }
                if errors.contains(where: { $0.severity == .error }) {
                    invalid.append(name)
                } else {
                    valid.append((name, rendered.resources.count))
                }
            }
            if let note = validator.takeCoverageNote() { diagnostics.append((nil, note)) }
        } catch let d as Diagnostic {
            diagnostics.append((nil, d))
        }
        let errors = diagnostics.filter { $0.1.severity == .error }.count
        switch format {
        case .text:
            for (_, d) in diagnostics { Diagnostics.print(d) }
            for v in valid { print("valid \(v.name): \(v.resources) resources") }
        case .json:
            let object: [String: Any] = [
                "valid": valid.map { ["environment": $0.name, "resources": $0.resources] as [String: Any] },
                "invalid": invalid,
                "diagnostics": diagnostics.map { env, d in Diagnostics.json(d, environment: env) },
                "errors": errors,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        if errors > 0 { throw ExitCode(1) }
    }
}
