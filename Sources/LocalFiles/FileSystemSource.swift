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

    /// The root's path, standardized, without a trailing slash.
    let rootPath: String
    /// Real paths of the directories read so far: a build reads many files of few directories.
    let directories = RealPaths()

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL
        self.displayRoot = root
        self.rootPath = self.root.path
        self.realRoot = Self.realPath(self.root.path) ?? self.root.path
    }

    public func displayPath(_ path: String) -> String {
        if displayRoot == "." || displayRoot.isEmpty { return path }
        return (displayRoot.hasSuffix("/") ? displayRoot : displayRoot + "/") + path
    }

    public func readFile(_ path: String) throws -> String? {
        let file = try confined(path)
        var info = stat()
        guard stat(file, &info) == 0 else { return nil }
        if info.st_mode & S_IFMT == S_IFDIR { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Diagnostic.error(at: nil, "cannot read \(displayPath(path)): it is not a regular file",
                                   hint: "source files are YAML files; a FIFO, socket or device is refused")
        }
        try SourceText.checkSize(Int(info.st_size), file: displayPath(path))
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Diagnostic.error(at: nil, "cannot read \(displayPath(path))")
        }
        return try SourceText.decode(data, file: displayPath(path))
    }

    public func list(_ path: String) throws -> [SourceEntry]? {
        let dirPath = path.isEmpty ? rootPath : try confined(path)
        guard let dir = opendir(dirPath) else { return nil }
        defer { closedir(dir) }
        var entries: [SourceEntry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            var isDirectory = Int32(entry.pointee.d_type) == Int32(DT_DIR)
            // A symbolic link counts as what it points to, as stat sees it.
            if Int32(entry.pointee.d_type) == Int32(DT_LNK) || Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                var info = stat()
                isDirectory = stat(dirPath + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
            }
            entries.append(SourceEntry(name: name, isDirectory: isDirectory))
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// The file a source path names, after checking that it stays inside the root.
    func confined(_ path: String) throws -> String {
        if path.hasPrefix("/") {
            throw Diagnostic.error(at: nil, "\(path) is an absolute path, outside the source root",
                                   hint: "paths in a source are relative to its root, \(displayPath("."))")
        }
        if path.split(separator: "/").contains("..") {
            throw Diagnostic.error(at: nil, "\(displayPath(path)) leads outside the source root",
                                   hint: "paths in a source may not climb out of it with ..")
        }
        let file = path.isEmpty ? rootPath : (rootPath == "/" ? "/" : rootPath + "/") + path
        // A path that does not resolve (nothing there, or a dangling link) reads as missing.
        guard let real = path.isEmpty ? realRoot : directories.realPath(of: file) else { return file }
        guard real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw Diagnostic.error(at: nil, "\(displayPath(path)) leads outside the source root: it resolves to \(real)",
                                   hint: "symbolic links in a source must point inside it")
        }
        return file
    }

    /// Real paths, resolved once per directory: a file that is not a symbolic link is its
    /// directory's real path and its name (what realpath would find, a readlink per step).
    final class RealPaths: @unchecked Sendable {
        private let lock = NSLock()
        private var known: [String: String?] = [:]

        func realPath(of file: String) -> String? {
            guard let slash = file.lastIndex(of: "/"), slash != file.startIndex else { return FileSystemSource.realPath(file) }
            let name = file[file.index(after: slash)...]
            if name.isEmpty || name == "." || name == ".." { return FileSystemSource.realPath(file) }
            var info = stat()
            guard lstat(file, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT == S_IFLNK { return FileSystemSource.realPath(file) }
            guard let dir = directory(String(file[..<slash])) else { return nil }
            return (dir == "/" ? "" : dir) + "/" + name
        }

        private func directory(_ path: String) -> String? {
            lock.lock()
            if let hit = known[path] { lock.unlock(); return hit }
            lock.unlock()
            let real = FileSystemSource.realPath(path)
            lock.lock()
            known[path] = .some(real)
            lock.unlock()
            return real
        }
    }

    /// The path with every symbolic link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
