import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

/// Turning a source file's bytes into text, with the limits every reader applies.
public enum SourceText {
    /// The largest source file read: 64 MiB. Kubernetes stores no object over 1.5 MiB, so
    /// real sources are far smaller; the bound keeps a stray dump or image from taking the
    /// memory of the parsed tree (several times the file). A 10 MB value still renders.
    public static let maxFileBytes = 64 << 20

    public static func checkSize(_ size: Int, file: String) throws {
        guard size <= maxFileBytes else {
            throw Diagnostic.error(at: nil, "\(file) is \(size) bytes; source files may hold at most \(maxFileBytes) bytes (64 MiB)",
                                   hint: "is this file meant to be part of the source?")
        }
    }

    /// The file's text; an error at the first byte that is not UTF-8.
    public static func decode(_ data: Data, file: String) throws -> String {
        if let text = String(data: data, encoding: .utf8) { return text }
        let bytes = [UInt8](data)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        decoding: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: break decoding
            case .error: break decoding
            }
        }
        let location = bytes.withUnsafeBufferPointer { YAMLParser.location(ofByte: offset, in: $0, file: file) }
        let byte = offset < bytes.count ? " (byte 0x" + String(bytes[offset], radix: 16, uppercase: true) + ")" : ""
        throw Diagnostic.error(at: location, "the file is not UTF-8 text\(byte)",
                               hint: "source files are YAML in UTF-8; a binary file does not belong in the source")
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
