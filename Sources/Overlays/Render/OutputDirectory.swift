import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        let final = root.path + "/" + environment.name
        let staging = root.path + "/.\(environment.name).gitops-weave-\(getpid())-\(Self.nonce())"
        guard mkdir(staging, 0o755) == 0 else { throw Self.posixError("mkdir", URL(fileURLWithPath: staging)) }
        do {
            for file in environment.files {
                try Self.create(staging + "/" + file.path, contents: file.contents)
            }
            try Self.swap(URL(fileURLWithPath: staging), into: URL(fileURLWithPath: final))
        } catch {
            Self.removeTree(staging)
            throw error
        }
        // After the swap, `staging` holds the previous tree (if there was one).
        Self.removeTree(staging)
    }

    /// A short random suffix, so that concurrent writers never share a staging directory.
    static func nonce() -> String {
        String(UInt64.random(in: 0..<(1 << 40)), radix: 36)
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

    /// Puts `new` at `path`. An existing directory is exchanged atomically where the kernel
    /// can (renameat2 with RENAME_EXCHANGE), and otherwise moved aside first.
    static func swap(_ new: URL, into path: URL) throws {
        if !FileManager.default.fileExists(atPath: path.path) {
            guard rename(new.path, path.path) == 0 else { throw posixError("rename", path) }
            return
        }
        if let exchange = renameExchange, exchange(AT_FDCWD, new.path, AT_FDCWD, path.path, 2 /* RENAME_EXCHANGE */) == 0 {
            return
        }
        let aside = path.deletingLastPathComponent().appendingPathComponent(".\(path.lastPathComponent).old-\(getpid())")
        guard rename(path.path, aside.path) == 0 else { throw posixError("rename", path) }
        guard rename(new.path, path.path) == 0 else {
            _ = rename(aside.path, path.path)
            throw posixError("rename", path)
        }
        // Leave the old tree where the caller's cleanup of `new` will find it.
        _ = rename(aside.path, new.path)
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
