import Foundation

/// Read access to a source repository's files, by path relative to its root.
///
/// Rendering reads only through this, so the same code renders a working tree or, later,
/// a commit read straight from git objects.
public protocol SourceTree: Sendable {
    /// How to write a path of this tree in messages, e.g. `layers/prod/patches/keeper.yaml`.
    func displayPath(_ path: String) -> String
    /// The file's text, or nil when there is no such file.
    func readFile(_ path: String) throws -> String?
    /// Names of a directory's files and subdirectories, sorted; nil when it is not a directory.
    func list(_ path: String) throws -> [SourceEntry]?
}

public struct SourceEntry: Hashable, Sendable {
    public var name: String
    public var isDirectory: Bool

    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// A source on the local filesystem.
public struct FileSystemSource: SourceTree {
    public let root: URL
    /// The root as the user wrote it, for messages (`.` means "relative to here").
    public let displayRoot: String

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL
        self.displayRoot = root
    }

    public func displayPath(_ path: String) -> String {
        if displayRoot == "." || displayRoot.isEmpty { return path }
        return (displayRoot.hasSuffix("/") ? displayRoot : displayRoot + "/") + path
    }

    public func readFile(_ path: String) throws -> String? {
        let url = root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Diagnostic.error(at: nil, "cannot read \(displayPath(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic.error(at: SourceLocation(file: displayPath(path), line: 1, column: 1), "the file is not UTF-8 text")
        }
        return text
    }

    public func list(_ path: String) throws -> [SourceEntry]? {
        let url = path.isEmpty ? root : root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        return names.sorted().map { name in
            var dir: ObjCBool = false
            FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &dir)
            return SourceEntry(name: name, isDirectory: dir.boolValue)
        }
    }
}

extension SourceTree {
    /// Parses a YAML file of this tree; nil when it does not exist.
    public func parseStream(_ path: String) throws -> [Node]? {
        guard let text = try readFile(path) else { return nil }
        return try YAMLParser().parseStream(text, file: displayPath(path))
    }

    /// The `*.yaml` and `*.yml` files of a directory, in name order; empty when it does not exist.
    public func yamlFiles(in directory: String) throws -> [String] {
        guard let entries = try list(directory) else { return [] }
        return entries.filter { !$0.isDirectory && ($0.name.hasSuffix(".yaml") || $0.name.hasSuffix(".yml")) }
            .map { directory.isEmpty ? $0.name : directory + "/" + $0.name }
    }
}
