import Foundation
import MergeEngine
import Overlays
import YAMLModel

extension ValidationSchemas {
    /// Reads every `*.yaml` and `*.yml` file of a directory (not its subdirectories) and
    /// the CustomResourceDefinitions in them (`--crds DIR`), through the same source reader
    /// as a project: confined to the directory, regular files only, size-limited.
    public mutating func addCRDs(inDirectory path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Diagnostic.error(at: nil, "--crds \(path): no such directory",
                                   hint: "pass a directory holding CustomResourceDefinition YAML files")
        }
        let directory = FileSystemSource(root: path)
        let files = try directory.yamlFiles(in: "").filter { !$0.hasPrefix(".") }
        try addCRDs(fromDirectory: path, files: files.map { try directory.parseStream($0) ?? [] })
    }
}
