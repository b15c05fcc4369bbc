import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// `--crds DIR`: CustomResourceDefinitions to validate against, besides the project's
/// `crds:`. `validate` takes it alone (it always validates); the commands that render take
/// it inside ValidationOptions.
struct CRDOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also validate against the CustomResourceDefinitions in DIR (its *.yaml files).", valueName: "DIR"))
    var crds: String?

    /// A usage error when `--crds` is not a directory. Called from the command's (or
    /// ValidationOptions') `validate()`, so the command decides the order of its checks.
    func checkDirectory() throws {
        try SchemaValidation.checkDirectory(crds)
    }
}

/// `--no-validate` and `--crds DIR`: schema validation for the commands that render
/// (`render`, `publish`, `diff`), on by default. Each command calls one of the functions
/// below with one line; everything about validation lives here.
struct ValidationOptions: ParsableArguments {
    @Flag(name: .customLong("no-validate"), help: "Do not validate the rendered resources against their schemas.")
    var noValidate = false

    @OptionGroup var schemas: CRDOptions

    var crds: String? { schemas.crds }

    func validate() throws {
        try schemas.checkDirectory()
    }

    /// `render`: the validator to check each environment with before it is written; nil
    /// with --no-validate.
    func validator(for project: Project) throws -> SchemaValidator? {
        guard !noValidate else { return nil }
        return try SchemaValidation.validator(project: project, crds: crds)
    }

    /// `publish` and `diff`: the note about kinds validated without a schema, once per run,
    /// on a terminal.
    func printCoverageNote(_ project: Project, text: Bool) {
        guard !noValidate, text, SchemaValidation.notesOnTerminal,
              let note = (try? SchemaValidation.validator(project: project, crds: crds))?.takeCoverageNote() else { return }
        Diagnostics.print(note)
    }

    /// `diff`: validates what HEAD rendered. Errors end the comparison (a CommandFailure
    /// naming them), as when HEAD does not render; warnings are printed.
    func checkHead(_ project: Project, _ environments: [RenderedEnvironment], head: String?) throws {
        guard !noValidate else { return }
        var diagnostics = DiagnosticList(namesEnvironments: environments.count > 1)
        var failed = false
        for rendered in environments {
            let found = SchemaValidation.validate(rendered.resources, project: project, crds: crds)
            diagnostics.append(contentsOf: found.diagnostics, environment: rendered.name)
            failed = failed || found.failed
        }
        if failed {
            diagnostics.append(.error(at: nil, "cannot compare: \(head ?? "the working tree") does not pass schema validation",
                                      hint: "fix the errors above, or pass --no-validate"))
            throw CommandFailure(diagnostics)
        }
        diagnostics.print()
        printCoverageNote(project, text: true)
    }
}

/// One validator per run, shared by every environment: each schema is compiled once.
enum SchemaValidation {
    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var validators: [String: Result<SchemaValidator, Diagnostic>] = [:]
        var reported: Set<String> = []
    }
    private static let cache = Cache()

    /// Notes for people go to stderr only when it is a terminal (as progress does), so
    /// scripts and CI logs see errors alone.
    static var notesOnTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func checkDirectory(_ crds: String?) throws {
        guard let crds else { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: crds, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--crds \(crds): no such directory")
        }
    }

    /// The run's validator for `project`: its `crds:` and the CRDs in `crds` (a directory).
    static func validator(project: Project, crds: String?) throws -> SchemaValidator {
        let key = project.source.displayPath(project.file) + "\u{0}" + (crds ?? "")
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let done = cache.validators[key] { return try done.get() }
        let made: Result<SchemaValidator, Diagnostic>
        do {
            var schemas = project.validationSchemas
            if let crds { try schemas.addCRDs(inDirectory: crds) }
            made = .success(SchemaValidator(schemas: schemas))
        } catch let d as Diagnostic {
            made = .failure(d)
        } catch {
            made = .failure(.error(at: nil, "\(error)"))
        }
        cache.validators[key] = made
        return try made.get()
    }

    /// The errors of some resources. A validator that cannot be made (a bad `--crds`
    /// file) is one error, reported the first time.
    static func validate(_ resources: [Resource], project: Project, crds: String?) -> (diagnostics: [Diagnostic], failed: Bool, validator: SchemaValidator?) {
        do {
            let validator = try validator(project: project, crds: crds)
            let found = validator.validate(resources)
            return (found, found.contains { $0.severity == .error }, validator)
        } catch {
            let d = error as? Diagnostic ?? .error(at: nil, "\(error)")
            cache.lock.lock()
            let first = cache.reported.insert(d.description).inserted
            cache.lock.unlock()
            return (first ? [d] : [], true, nil)
        }
    }
}
