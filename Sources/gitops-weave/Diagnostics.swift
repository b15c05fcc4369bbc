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

    /// A diagnostic as a JSON object: severity, file, line, column, message, hint, rule (a stack
    /// rule's id), environment.
    static func json(_ d: Diagnostic, environment: String?) -> [String: Any] {
        var o: [String: Any] = ["severity": d.severity.rawValue, "message": d.message]
        if let l = d.location, !l.isGenerated {
            o["file"] = l.file
            o["line"] = l.line
            o["column"] = l.column
        }
        if let h = d.hint { o["hint"] = h }
        if let r = d.rule { o["rule"] = r }
        if let e = environment { o["environment"] = e }
        return o
    }
}
