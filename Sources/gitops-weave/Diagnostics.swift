import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// The diagnostics of one run, each once. A diagnostic that several environments report
/// (an error in a layer they share, a note about the schemas) is one entry naming them all,
/// in the order they were first reported.
struct DiagnosticList {
    struct Entry {
        var diagnostic: Diagnostic
        /// The environments that reported it; empty for a diagnostic of the whole run.
        var environments: [String]
    }

    private(set) var entries: [Entry] = []
    private var index: [Diagnostic: Int] = [:]
    /// Whether the run covered several environments: then each entry names its own, since
    /// the position alone does not say which environments a shared file breaks.
    var namesEnvironments = false

    init(namesEnvironments: Bool = false) {
        self.namesEnvironments = namesEnvironments
    }

    init(_ diagnostics: [Diagnostic]) {
        append(contentsOf: diagnostics)
    }

    mutating func append(_ diagnostic: Diagnostic, environment: String? = nil) {
        if let i = index[diagnostic] {
            if let environment, !entries[i].environments.contains(environment) { entries[i].environments.append(environment) }
            return
        }
        index[diagnostic] = entries.count
        entries.append(Entry(diagnostic: diagnostic, environments: environment.map { [$0] } ?? []))
    }

    mutating func append(contentsOf diagnostics: [Diagnostic], environment: String? = nil) {
        for d in diagnostics { append(d, environment: environment) }
    }

    var isEmpty: Bool { entries.isEmpty }
    var errors: Int { entries.filter { $0.diagnostic.severity == .error }.count }
    var hasErrors: Bool { entries.contains { $0.diagnostic.severity == .error } }

    /// Each entry as clang prints it: the headline, the hint, and (in a run of several
    /// environments) `  in: env1, env2` naming the environments it belongs to.
    var text: String {
        entries.map { e in
            var s = e.diagnostic.description
            if namesEnvironments && !e.environments.isEmpty {
                s += "\n  in: " + e.environments.joined(separator: ", ")
            }
            return s + "\n"
        }.joined()
    }

    /// Prints `text` on standard error.
    func print() {
        guard !entries.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    var json: [DiagnosticJSON] { entries.map { DiagnosticJSON($0.diagnostic, environments: $0.environments) } }
}

/// Diagnostics that end a command: printed in the command's format, then exit status 1.
struct CommandFailure: Error {
    var diagnostics: DiagnosticList

    init(_ diagnostics: DiagnosticList) {
        self.diagnostics = diagnostics
    }

    init(_ diagnostic: Diagnostic) {
        diagnostics = DiagnosticList([diagnostic])
    }
}

enum Diagnostics {
    /// Runs a command's work. Whatever ends it early (a Diagnostic, a CommandFailure, a
    /// RenderFailure, any other error) is printed in `format`: as text on standard error,
    /// or as `{"diagnostics": [...], "errors": N}` on standard output, so that
    /// `--format json` always prints JSON. Exit status 1; an ExitCode the work throws
    /// passes through.
    static func run(format: ReportFormat = .text, _ work: () throws -> Void) throws {
        let failure: DiagnosticList
        do {
            try work()
            return
        } catch let e as ExitCode {
            throw e
        } catch let f as CommandFailure {
            failure = f.diagnostics
        } catch let r as RenderFailure {
            var list = DiagnosticList(namesEnvironments: Set(r.diagnostics.compactMap { $0.environment }).count > 1)
            for (env, d) in r.diagnostics { list.append(d, environment: env) }
            failure = list
        } catch {
            failure = DiagnosticList([Diagnostic(describing: error)])
        }
        try report(failure, format: format)
        throw ExitCode(1)
    }

    /// Prints diagnostics that end a run, in `format`.
    static func report(_ diagnostics: DiagnosticList, format: ReportFormat) throws {
        switch format {
        case .text: diagnostics.print()
        case .json: try JSONOutput.print(FailureReport(diagnostics: diagnostics.json, errors: diagnostics.errors))
        }
    }

    static func print(_ d: Diagnostic) {
        FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!)
    }
}

extension Diagnostic {
    /// Any error as a diagnostic: itself when it is one, else its description.
    init(describing error: Error) {
        if let d = error as? Diagnostic {
            self = d
        } else if let git = error as? GitError {
            self = git.diagnostic
        } else {
            self = .error(at: nil, "\(error)")
        }
    }
}

/// `--format json` of any command that fails before it has its own report: every
/// diagnostic that stopped it, and the number of errors (at least 1).
struct FailureReport: Encodable {
    var diagnostics: [DiagnosticJSON]
    var errors: Int
}

/// A diagnostic in a JSON report: severity and message; file, line and column when it has
/// a place in the source; hint; rule (a stack rule's id); the environments it belongs to.
/// What a diagnostic does not have is left out.
struct DiagnosticJSON: Encodable {
    var severity: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
    var hint: String?
    var rule: String?
    var environments: [String]?

    init(_ d: Diagnostic, environments: [String]) {
        severity = d.severity.rawValue
        message = d.message
        if let l = d.location, !l.isGenerated {
            file = l.file
            line = l.line
            column = l.column
        }
        hint = d.hint
        rule = d.rule
        self.environments = environments.isEmpty ? nil : environments
    }
}
