import Foundation
import MergeEngine
import YAMLModel
import Overlays

extension ValidationSchemas {
    /// Reads every `*.yaml` and `*.yml` file of a directory (not its subdirectories) and
    /// the CustomResourceDefinitions in them (`--crds DIR`).
    public mutating func addCRDs(inDirectory path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Diagnostic.error(at: nil, "--crds \(path): no such directory",
                                   hint: "pass a directory holding CustomResourceDefinition YAML files")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
        let files = try names.map { try SourceFile.parseStream((path as NSString).appendingPathComponent($0)) }
        try addCRDs(fromDirectory: path, files: files)
    }
}
