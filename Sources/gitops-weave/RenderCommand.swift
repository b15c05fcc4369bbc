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

            Errors from every environment are reported, each as `file:line:col: error: ...`; \
            environments without errors are still written. Exit status: 0 when every environment \
            rendered, 1 otherwise.
            """)

    @Argument(help: "Environments to render (names of files under environments/).")
    var environments: [String] = []

    @Flag(help: "Render every environment.")
    var all = false

    @Option(help: ArgumentHelp("The source repository's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    @Option(help: ArgumentHelp("Where to write the environments (default: the project's output.directory).", valueName: "DIR"))
    var out: String?

    @Option(help: "How to report: text, or json for machines.")
    var format: ReportFormat = .text

    @OptionGroup var validation: ValidationOptions

    func validate() throws {
        if all && !environments.isEmpty {
            throw ValidationError("name environments or pass --all, not both")
        }
    }

    func run() throws {
        let report = Report(format: format)
        let project: Project
        do {
            project = try Project.load(from: FileSystemSource(root: source), stacks: .bundled)
        } catch let d as Diagnostic {
            report.finish(rendered: [], diagnostics: [(nil, d)])
            throw ExitCode(1)
        }
        var names = environments
        if all || names.isEmpty {
            let known: [String]
            do {
                known = try project.environmentNames()
            } catch let d as Diagnostic {
                // An environments directory that leads out of the source, say.
                report.finish(rendered: [], diagnostics: [(nil, d)])
                throw ExitCode(1)
            } catch {
                report.finish(rendered: [], diagnostics: [(nil, .error(at: nil, "cannot list the environments: \(error)"))])
                throw ExitCode(1)
            }
            if !all {
                report.finish(rendered: [], diagnostics: [(nil, .error(
                    at: nil, "name the environments to render, or pass --all",
                    hint: known.isEmpty ? "there are no environments yet" : "environments: " + known.joined(separator: ", ")))])
                throw ExitCode(1)
            }
            names = known
        }
        let validator: SchemaValidator?
        do {
            validator = try validation.validator(for: project)
        } catch let d as Diagnostic {
            report.finish(rendered: [], diagnostics: [(nil, d)])
            throw ExitCode(1)
        }
        let outRoot = out ?? (source as NSString).appendingPathComponent(project.outputDirectory)
        let pipeline = RenderPipeline(renderer: Renderer(project: project), provenance: SourceRevision.read(source), validator: validator)
        let total = names.count
        let results = pipeline.write(names, to: OutputDirectory(outRoot)) { done in report.progress("rendered \(done)/\(total) environments") }

        var rendered: [(name: String, directory: String, resources: Int)] = []
        var diagnostics: [(String?, Diagnostic)] = []
        for result in results {
            diagnostics += result.diagnostics.map { (result.name, $0) }
            if let directory = result.directory { rendered.append((result.name, directory, result.resources)) }
        }
        if format == .text, SchemaValidation.notesOnTerminal, let note = validator?.takeCoverageNote() {
            diagnostics.append((nil, note))
        }
        report.finish(rendered: rendered, diagnostics: diagnostics)
        if diagnostics.contains(where: { $0.1.severity == .error }) { throw ExitCode(1) }
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
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

    func finish(rendered: [(name: String, directory: String, resources: Int)], diagnostics: [(String?, Diagnostic)]) {
        if progressShown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        switch format {
        case .text:
            for (_, d) in diagnostics { Diagnostics.print(d) }
            for r in rendered {
                print("rendered \(r.name): \(r.resources) resources in \(r.directory)")
            }
        case .json:
            let object: [String: Any] = [
                "rendered": rendered.map { ["environment": $0.name, "directory": $0.directory, "resources": $0.resources] },
                "diagnostics": diagnostics.map { env, d in Diagnostics.json(d, environment: env) },
                "errors": diagnostics.filter { $0.1.severity == .error }.count,
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}
