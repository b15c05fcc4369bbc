import Foundation
import Overlays
import YAMLModel
import MergeEngine

/// Reading YAML files from disk, with errors that name the file.
public enum SourceFile {
    public static func read(_ path: String) throws -> String {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
            try SourceText.checkSize(size, file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw Diagnostic.error(at: nil, exists ? "cannot read \(path)\(isDir.boolValue ? ": it is a directory" : "")" : "no such file: \(path)")
        }
        return try SourceText.decode(data, file: path)
    }

    public static func parseStream(_ path: String, parser: YAMLParser = YAMLParser()) throws -> [Node] {
        try parser.parseStream(try read(path), file: path)
    }
}
