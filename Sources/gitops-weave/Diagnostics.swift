import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

enum Diagnostics {
    /// Runs a command's work: a Diagnostic (or any other error) is printed and becomes exit
    /// status 1; an ExitCode the work throws passes through.
    static func exitOnError(_ work: () throws -> Void) throws {
        do {
            try work()
        } catch let e as ExitCode {
            throw e
        } catch let d as Diagnostic {
            print(d)
            throw ExitCode(1)
        } catch {
            print(.error(at: nil, "\(error)"))
            throw ExitCode(1)
        }
    }

    static func print(_ d: Diagnostic) {
        FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!)
    }
}

/// A diagnostic in a JSON report: severity and message; file, line and column when it has
/// a place in the source; hint; rule (a stack rule's id); the environment it belongs to.
/// What a diagnostic does not have is left out.
struct DiagnosticJSON: Encodable {
    var severity: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
    var hint: String?
    var rule: String?
    var environment: String?

    init(_ d: Diagnostic, environment: String?) {
        severity = d.severity.rawValue
        message = d.message
        if let l = d.location, !l.isGenerated {
            file = l.file
            line = l.line
            column = l.column
        }
        hint = d.hint
        rule = d.rule
        self.environment = environment
    }
}
