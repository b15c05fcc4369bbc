import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Overlays
import YAMLModel
import MergeEngine

/// A source on the local filesystem, confined to its root.
///
/// Every path is relative to the root. A path that is absolute or has a `..` component is
/// refused, and so is one whose real path (symbolic links resolved) lies outside the root's
/// real path: a layer, a CRD file or a symbolic link cannot make a render read files from
/// elsewhere on the machine. Only regular files are read (a FIFO or a device would block or
/// never end), up to `SourceText.maxFileBytes` each.
public struct FileSystemSource: SourceTree {
    public let root: URL
    /// The root as the user wrote it, for messages (`.` means "relative to here").
    public let displayRoot: String
    /// The root with symbolic links resolved; everything read lies under it.
    let realRoot: String

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL
        self.displayRoot = root
        self.realRoot = Self.realPath(self.root.path) ?? self.root.path
    }

    public func displayPath(_ path: String) -> String {
        if displayRoot == "." || displayRoot.isEmpty { return path }
        return (displayRoot.hasSuffix("/") ? displayRoot : displayRoot + "/") + path
    }

    public func readFile(_ path: String) throws -> String? {
        let url = try confined(path)
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        if info.st_mode & S_IFMT == S_IFDIR { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Diagnostic.error(at: nil, "cannot read \(displayPath(path)): it is not a regular file",
                                   hint: "source files are YAML files; a FIFO, socket or device is refused")
        }
        try SourceText.checkSize(Int(info.st_size), file: displayPath(path))
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Diagnostic.error(at: nil, "cannot read \(displayPath(path))")
        }
        return try SourceText.decode(data, file: displayPath(path))
    }

    public func list(_ path: String) throws -> [SourceEntry]? {
        let url = path.isEmpty ? root : try confined(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        return names.sorted().map { name in
            var dir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &dir)
            return SourceEntry(name: name, isDirectory: dir.boolValue)
        }
    }

    /// The file a source path names, after checking that it stays inside the root.
    func confined(_ path: String) throws -> URL {
        if path.hasPrefix("/") {
            throw Diagnostic.error(at: nil, "\(path) is an absolute path, outside the source root",
                                   hint: "paths in a source are relative to its root, \(displayPath("."))")
        }
        if path.split(separator: "/").contains("..") {
            throw Diagnostic.error(at: nil, "\(displayPath(path)) leads outside the source root",
                                   hint: "paths in a source may not climb out of it with ..")
        }
        let url = path.isEmpty ? root : root.appendingPathComponent(path)
        // A path that does not resolve (nothing there, or a dangling link) reads as missing.
        guard let real = Self.realPath(url.path) else { return url }
        guard real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw Diagnostic.error(at: nil, "\(displayPath(path)) leads outside the source root: it resolves to \(real)",
                                   hint: "symbolic links in a source must point inside it")
        }
        return url
    }

    /// The path with every symbolic link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
