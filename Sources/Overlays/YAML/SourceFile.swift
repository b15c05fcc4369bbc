import Foundation

/// Reading YAML files from disk, with errors that name the file.
public enum SourceFile {
    public static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw Diagnostic.error(at: nil, exists ? "cannot read \(path)\(isDir.boolValue ? ": it is a directory" : "")" : "no such file: \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic.error(at: SourceLocation(file: path, line: 1, column: 1), "the file is not UTF-8 text")
        }
        return text
    }

    public static func parseStream(_ path: String, parser: YAMLParser = YAMLParser()) throws -> [Node] {
        try parser.parseStream(try read(path), file: path)
    }
}
