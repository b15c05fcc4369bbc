import Foundation
import Overlays

enum Diagnostics {
    static func print(_ d: Diagnostic) {
        FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!)
    }

    /// A diagnostic as a JSON object: severity, file, line, column, message, hint, environment.
    static func json(_ d: Diagnostic, environment: String?) -> [String: Any] {
        var o: [String: Any] = ["severity": d.severity.rawValue, "message": d.message]
        if let l = d.location, !l.isGenerated {
            o["file"] = l.file
            o["line"] = l.line
            o["column"] = l.column
        }
        if let h = d.hint { o["hint"] = h }
        if let e = environment { o["environment"] = e }
        return o
    }
}
