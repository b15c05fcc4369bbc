import Foundation
#if canImport(Glibc)
import Glibc
#endif
import YAMLModel

/// One output file, replaced atomically.
public enum OutputFile {
    /// Writes `text` beside `path` and renames it into place, so a reader (or kubectl
    /// apply) sees the old file or the new one; an existing file keeps its permissions.
    public static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).gitops-weave-\(getpid())-\(UUID().uuidString.prefix(8))").path
        func failure(_ what: String) -> Diagnostic {
            .error(at: nil, "cannot write \(path): \(what)\(String(cString: strerror(errno)))")
        }
        var mode: mode_t = 0o644
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw Diagnostic.error(at: nil, "cannot write \(path): it is not a regular file") }
            mode = st.st_mode & 0o7777
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("") }
        var ok = true
        let bytes = Array(text.utf8)
        var written = 0
        while ok, written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { ok = false } else { written += n }
        }
        if ok { ok = fchmod(fd, mode) == 0 && fsync(fd) == 0 }
        let error = ok ? nil : failure("")
        close(fd)
        if let error {
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let error = failure("")
            unlink(temp)
            throw error
        }
    }
}
