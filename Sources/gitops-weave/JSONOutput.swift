import ArgumentParser
import Foundation
import YAMLModel

/// Writes the `--format json` reports of every command: one encoder, pretty-printed with
/// sorted keys, and a final newline.
///
/// The reports were written with JSONSerialization before, and keep its bytes: the same
/// `"key" : value` spacing, and the same key order (JSONEncoder sorts keys by code point,
/// JSONSerialization case-insensitively; the reports' keys are lower camel case words that
/// sort alike either way).
enum JSONOutput {
    /// Prints `report` on standard output, with `/` as it is (never `\/`). A report that
    /// cannot be encoded is an internal error, printed as `error: ...`; the command then
    /// exits with status 1.
    static func print<Report: Encodable>(_ report: Report) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(report)
        } catch {
            Diagnostics.print(.error(at: nil, "internal error: cannot encode the JSON report: \(error)"))
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
