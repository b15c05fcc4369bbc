import Foundation

/// A scratch directory for one test: created empty (or as a copy of a fixture) under the
/// temporary directory, and removed with the object.
public final class Scratch {
    public let url: URL
    public var path: String { url.path }

    /// - Parameters:
    ///   - prefix: the start of the directory's name, `<prefix>-<UUID>`.
    ///   - source: a directory to copy; the scratch directory is then that copy.
    public init(prefix: String = "gitops-weave-test", copying source: URL? = nil) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        if let source {
            try FileManager.default.copyItem(at: source, to: url)
        } else {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes a file below the directory, creating its directories; returns its path.
    @discardableResult
    public func write(_ path: String, _ text: String) throws -> String {
        try FileTree.write(url, path, text).path
    }
}

/// Files written into a directory tree.
public enum FileTree {
    /// Writes `text` to `<root>/<path>`, creating the directories on the way; returns the file's URL.
    @discardableResult
    public static func write(_ root: URL, _ path: String, _ text: String) throws -> URL {
        try write(root, path, Data(text.utf8))
    }

    /// Writes `data` to `<root>/<path>`, creating the directories on the way; returns the file's URL.
    @discardableResult
    public static func write(_ root: URL, _ path: String, _ data: Data) throws -> URL {
        let file = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file, options: .atomic)
        return file
    }
}
