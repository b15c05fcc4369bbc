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
