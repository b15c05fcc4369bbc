import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The floor of `render --all`: the least work any libyaml-based tool must do to read the
/// same source and write the same rendered tree, with no tree in between. On every core,
/// like the render:
///
/// - every input file (project file, base, layers, environments) is parsed once with
///   `yaml_parser_parse`, as the renderer parses each file once;
/// - every output manifest is parsed and handed event by event to `yaml_emitter_emit`
///   (libyaml has no tree to emit from; the events must come from somewhere), and the
///   bytes are written to a file of a new directory per environment; `render-info.txt`,
///   which is not YAML, is copied as it is.
struct RenderFloor {
    struct File {
        var name: String
        var bytes: [UInt8]
        var isYAML: Bool { name.hasSuffix(".yaml") }
    }

    struct Environment {
        var name: String
        var files: [File]
    }

    var inputs: [[UInt8]]
    var environments: [Environment]

    /// Reads the source's input files and the tree gitops-weave rendered (not timed).
    init(inputs: [URL], rendered: URL, names: [String]) throws {
        self.inputs = try inputs.map { Array(try Data(contentsOf: $0)) }
        environments = try names.map { name in
            let dir = rendered.appendingPathComponent(name)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { file in
                File(name: file, bytes: Array(try Data(contentsOf: dir.appendingPathComponent(file))))
            }
            return Environment(name: name, files: files)
        }
    }

    var inputBytes: Int { inputs.reduce(0) { $0 + $1.count } }
    var outputBytes: Int { environments.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.bytes.count } } }
    var outputFiles: Int { environments.reduce(0) { $0 + $1.files.count } }

    /// One run into `out`, which must not exist.
    func run(into out: URL) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let failure = FirstFailure()
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            do { blackHole(try LibYAMLFloor.parse(inputs[i])) } catch { failure.record(error) }
        }
        DispatchQueue.concurrentPerform(iterations: environments.count) { i in
            do {
                let env = environments[i]
                let dir = out.appendingPathComponent(env.name).path
                guard mkdir(dir, 0o755) == 0 else { throw BenchError("mkdir \(dir) failed") }
                for file in env.files {
                    try Self.write(file.isYAML ? try LibYAMLFloor.parseAndEmit(file.bytes) : file.bytes, to: dir + "/" + file.name)
                }
            } catch {
                failure.record(error)
            }
        }
        if let error = failure.error { throw error }
    }

    /// How many rendered manifests libyaml writes back byte for byte, of how many: when
    /// all of them, the floor writes exactly the bytes gitops-weave wrote.
    /// `kustomization.yaml` starts with a comment, which libyaml's events do not carry.
    func identicalManifests() throws -> (identical: Int, total: Int, first: String?) {
        var identical = 0, total = 0
        var first: String?
        for env in environments {
            for file in env.files where file.isYAML && file.name != "kustomization.yaml" {
                total += 1
                if try LibYAMLFloor.parseAndEmit(file.bytes) == file.bytes {
                    identical += 1
                } else if first == nil {
                    first = "\(env.name)/\(file.name)"
                }
            }
        }
        return (identical, total, first)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("open \(path) failed") }
        defer { close(fd) }
        try bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                guard n > 0 else { throw BenchError("write \(path) failed") }
                offset += n
            }
        }
    }
}

/// The first error of concurrent workers.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?

    func record(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
