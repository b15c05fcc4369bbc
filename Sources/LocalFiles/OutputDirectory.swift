import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Overlays
import YAMLModel
import MergeEngine

/// Writes rendered environments to `<out>/<env>/`, replacing each directory atomically:
/// the new tree is written beside it and swapped in, so a reader sees the old tree or the
/// new one, never a mix, and files of removed resources disappear with the old tree.
public struct OutputDirectory: Sendable {
    public let root: URL
    /// The root as the caller wrote it (relative paths stay relative in messages).
    public let path: String

    public init(_ path: String) {
        self.path = path
        root = URL(fileURLWithPath: path)
    }

    /// Where an environment's directory is, as the caller would write it.
    public func directory(of environment: String) -> String {
        (path as NSString).appendingPathComponent(environment)
    }

    public func write(_ environment: RenderedEnvironment) throws {
        if mkdir(root.path, 0o755) != 0 && errno != EEXIST {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        try Self.stage(environment.name, in: root.path) { staging in
            try Self.fill(staging, with: environment.files.lazy.map { ($0.path, $0.contents) })
        }
    }

    /// Writes `files` (paths relative to `staging`) into it, making subdirectories as needed.
    static func fill<Files: Sequence>(_ staging: String, with files: Files) throws where Files.Element == (String, String) {
        var made: Set<Substring> = [""]
        for (path, contents) in files {
            if let slash = path.lastIndex(of: "/") {
                let directory = path[..<slash]
                if !made.contains(directory) {
                    var dir = ""
                    for c in directory.split(separator: "/") {
                        dir += (dir.isEmpty ? "" : "/") + c
                        if mkdir(staging + "/" + dir, 0o755) != 0, errno != EEXIST {
                            throw posixError("mkdir", URL(fileURLWithPath: staging + "/" + dir))
                        }
                    }
                    made.insert(directory)
                }
            }
            try create(staging + "/" + path, contents: contents)
        }
    }

    /// Fills a fresh directory beside `parent/name` with `fill`, then swaps it in for
    /// whatever is there; the previous tree is removed, and so is the new one on failure.
    static func stage(_ name: String, in parent: String, _ fill: (_ staging: String) throws -> Void) throws {
        let staging = parent + "/.\(name).gitops-weave-\(getpid())-\(nonce())"
        guard mkdir(staging, 0o755) == 0 else { throw posixError("mkdir", URL(fileURLWithPath: staging)) }
        let replaced: Bool
        do {
            try fill(staging)
            replaced = try swap(staging, into: parent + "/" + name)
        } catch {
            removeTree(staging)
            throw error
        }
        // After an exchange, `staging` holds the previous tree.
        if replaced { removeTree(staging) }
    }

    /// Replaces the directory at `path` with one holding exactly `files` (paths relative to
    /// it; subdirectories are made as needed) and the file `marker`, in one atomic swap.
    ///
    /// A directory already at `path` is replaced only when it is empty or holds `marker`,
    /// that is, when an earlier replace wrote it: a directory of someone's own files is
    /// refused, never removed.
    public static func replace(_ path: String, with files: [(path: String, contents: String)], marker: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else {
                throw Diagnostic.error(at: nil, "cannot write to \(path): it is not a directory")
            }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !entries.isEmpty && !entries.contains(marker) {
                throw Diagnostic.error(at: nil, "cannot replace \(path): it holds files that gitops-weave did not write",
                                       hint: "name a new or empty directory; \(path) would be replaced whole, so its own files are left alone")
            }
        }
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let parent = target.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent) else {
            throw Diagnostic.error(at: nil, "cannot write to \(path): \(parent) does not exist")
        }
        try stage(target.lastPathComponent, in: parent) { staging in
            try fill(staging, with: files.lazy.map { ($0.path, $0.contents) })
            try create(staging + "/" + marker, contents: "")
        }
    }

    private static let counter = Counter()

    /// Unique within the process (the pid makes it unique across processes), and without
    /// a system call per environment, as `UInt64.random` would make.
    static func nonce() -> String {
        String(counter.next(), radix: 36)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value: UInt64 = 0

        func next() -> UInt64 {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    /// Writes a new file in the staging directory. FileManager.createFile writes through a
    /// temporary file and fsyncs each one, which costs more than rendering; the staging
    /// directory is private until the swap, so a plain exclusive create is enough.
    static func create(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("open", URL(fileURLWithPath: path)) }
        defer { close(fd) }
        var contents = contents
        try contents.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw posixError("write", URL(fileURLWithPath: path)) }
                offset += n
            }
        }
    }

    /// Removes a directory and everything in it, without following symbolic links; a
    /// rendered tree is one level of files, which FileManager removes far more slowly.
    static func removeTree(_ path: String) {
        guard let dir = opendir(path) else {
            _ = unlink(path)
            return
        }
        let fd = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            if unlinkat(fd, name, 0) != 0 && (errno == EISDIR || errno == EPERM) {
                removeTree(path + "/" + name)
            }
        }
        closedir(dir)
        _ = rmdir(path)
    }

    /// Puts `new` at `path`, atomically: a rename that refuses to replace anything, or,
    /// when there is a tree already, an exchange (renameat2 with RENAME_NOREPLACE, then
    /// RENAME_EXCHANGE). Where the kernel or filesystem has neither, the old tree is moved
    /// aside first. Returns true when the old tree now sits at `new`, for the caller to
    /// remove.
    static func swap(_ new: String, into path: String) throws -> Bool {
        if let renameat2 = renameExchange {
            if renameat2(AT_FDCWD, new, AT_FDCWD, path, 1 /* RENAME_NOREPLACE */) == 0 { return false }
            if errno == EEXIST || errno == ENOTEMPTY, renameat2(AT_FDCWD, new, AT_FDCWD, path, 2 /* RENAME_EXCHANGE */) == 0 { return true }
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard rename(new, path) == 0 else { throw posixError("rename", URL(fileURLWithPath: path)) }
            return false
        }
        let target = URL(fileURLWithPath: path)
        let aside = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).old-\(getpid())").path
        guard rename(path, aside) == 0 else { throw posixError("rename", target) }
        guard rename(new, path) == 0 else {
            _ = rename(aside, path)
            throw posixError("rename", target)
        }
        // Leave the old tree where the caller's cleanup of `new` will find it.
        _ = rename(aside, new)
        return true
    }

    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc's renameat2, looked up at run time: Swift's Glibc module does not declare it.
    static let renameExchange: RenameAt2? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    static func posixError(_ call: String, _ path: URL) -> Diagnostic {
        .error(at: nil, "\(call) \(path.path) failed: \(String(cString: strerror(errno)))")
    }
}
