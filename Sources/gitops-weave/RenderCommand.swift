import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render environments into directories of plain manifests.",
        discussion: """
            Each environment is rendered to <out>/<env>/: one file per resource, in a stable order, \
            a kustomization.yaml listing them (so Flux and Argo CD's kustomize mode read the \
            directory as it is), and render-info.txt with the source revision, layers, parameters \
            and tool version. Each directory is replaced atomically; files of removed resources \
            disappear.

            With no environment named, every environment is rendered. Errors from every \
            environment are reported, each once as `file:line:col: error: ...` (naming the \
            environments it breaks); environments without errors are still written. Exit status: \
            0 when every environment rendered, 1 otherwise, 2 for a usage error.
            """)

    @OptionGroup var selection: EnvironmentArguments

    @OptionGroup var source: SourceOptions

    @Option(help: ArgumentHelp("Where to write the environments (default: the project's output.directory, out/).", valueName: "DIR"))
    var out: String?

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var validation: ValidationOptions

    func run() throws {
        let report = Report(format: output.format)
        try Diagnostics.run(format: output.format) {
            let project = try source.loadProject()
            let names = try selection.names(in: project)
            let validator = try validation.validator(for: project)
            let outRoot = out ?? (source.directory as NSString).appendingPathComponent(project.outputDirectory)
            let pipeline = RenderPipeline(renderer: Renderer(project: project), provenance: SourceRevision.read(source.directory), validator: validator)
            let total = names.count
            let results = pipeline.write(names, to: OutputDirectory(outRoot)) { done in report.progress("rendered \(done)/\(total) environments") }

            var rendered: [(name: String, directory: String, resources: Int)] = []
            var diagnostics = DiagnosticList(namesEnvironments: names.count > 1)
            for result in results {
                diagnostics.append(contentsOf: result.diagnostics, environment: result.name)
                if let directory = result.directory { rendered.append((result.name, directory, result.resources)) }
            }
            if output.format == .text, SchemaValidation.notesOnTerminal, let note = validator?.takeCoverageNote() {
                diagnostics.append(note)
            }
            try report.finish(rendered: rendered, diagnostics: diagnostics)
            if diagnostics.hasErrors { throw ExitCode(1) }
        }
    }
}

/// Where the rendered source came from, as libgit2 sees it.
enum SourceRevision {
    static func read(_ source: String) -> RenderedEnvironment.Provenance {
        guard let repo = try? Repository.discover(containing: source), let head = try? repo.headCommitID() else {
            return .init(sourceRevision: nil, sourceDirty: false)
        }
        return .init(sourceRevision: head, sourceDirty: (try? repo.hasUncommittedChanges()) ?? false)
    }
}

/// Prints results as text (people) or JSON (machines); progress only on a terminal.
final class Report: @unchecked Sendable {
    let format: ReportFormat
    let showsProgress: Bool
    private var progressShown = false
    private let lock = NSLock()

    init(format: ReportFormat) {
        self.format = format
        showsProgress = format == .text && isatty(STDERR_FILENO) == 1
    }

    /// Safe to call from the render workers.
    func progress(_ line: String) {
        guard showsProgress else { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
        progressShown = true
    }

    func finish(rendered: [(name: String, directory: String, resources: Int)], diagnostics: DiagnosticList) throws {
        if progressShown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        switch format {
        case .text:
            diagnostics.print()
            for r in rendered {
                print("rendered \(r.name): \(r.resources) resources in \(r.directory)")
            }
        case .json:
            try JSONOutput.print(RenderReport(
                rendered: rendered.map { .init(environment: $0.name, directory: $0.directory, resources: $0.resources) },
                diagnostics: diagnostics.json,
                errors: diagnostics.errors))
        }
    }
}

/// `render --format json`: the environments written (each with its directory and number
/// of resources), every diagnostic, and the number of errors.
struct RenderReport: Encodable {
    struct Environment: Encodable {
        var environment: String
        var directory: String
        var resources: Int
    }

    var rendered: [Environment]
    var diagnostics: [DiagnosticJSON]
    var errors: Int
}
