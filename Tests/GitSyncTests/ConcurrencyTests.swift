import Foundation
@testable import GitSync
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Reads of one repository from many threads at once, as render workers make them. Run
/// under the thread sanitizer (`swift test --sanitize=thread`) these are what it checks.
@Suite("GitSync concurrent reads")
struct ConcurrencyTests {
    /// Files in nested directories, of sizes from empty to a few pages, each distinct.
    static let files: [String: String] = {
        var files: [String: String] = [:]
        for d in 0..<8 {
            for s in 0..<3 {
                for f in 0..<15 {
                    let path = "d\(d)/s\(s)/file\(f).yaml"
                    let lines = (d * 45 + s * 15 + f) % 7 == 0 ? 0 : 1 + (d * 31 + f * 17 + s * 7) % 400
                    files[path] = (0..<lines).map { "\(path) line \($0): \(String(repeating: "x", count: $0 % 50))\n" }.joined()
                }
            }
            files["d\(d)/top.yaml"] = "directory \(d)\n"
        }
        files["gitops-weave.yaml"] = "parameters: {}\n"
        return files
    }()

    /// Every directory of `files`, with its sorted listing.
    static let listings: [String: [SourceEntry]] = {
        var listings: [String: Set<SourceEntry>] = [:]
        for path in files.keys {
            let parts = path.split(separator: "/").map(String.init)
            for depth in 0..<parts.count {
                let dir = parts[..<depth].joined(separator: "/")
                listings[dir, default: []].insert(SourceEntry(name: parts[depth], isDirectory: depth < parts.count - 1))
            }
        }
        return listings.mapValues { $0.sorted { $0.name < $1.name } }
    }()

    /// A repository whose `main` holds `files`, packed when the git CLI is there (so reads
    /// go through pack windows, libgit2's most shared state), opened afresh.
    static func repository(_ box: Sandbox) throws -> Repository {
        let path = box.path("repo")
        let setup = try Repository.initialize(at: path, bare: true)
        let tree = try setup.writeTree(files: files.map { ($0.key, Data($0.value.utf8)) })
        let commit = try setup.createCommit(tree: tree, parents: [], message: "files\n", author: alice)
        try setup.updateReference("refs/heads/main", to: commit, expected: nil, message: "create")
        if ExternalTool.hasGit { try box.git("repack", "-a", "-d", "-q", in: path) }
        return try Repository.open(path)
    }

    /// Reads every file and directory, starting at a different place for each reader; the
    /// problems found.
    static func readAll(_ source: GitTreeSource, reader: Int) -> [String] {
        var problems: [String] = []
        let paths = files.keys.sorted()
        let start = reader * paths.count / 8
        for path in paths[start...] + paths[..<start] {
            do {
                let text = try source.readFile(path)
                if text != files[path] { problems.append("reader \(reader): \(path) read as \(text.map { "\($0.utf8.count) bytes" } ?? "nil")") }
            } catch {
                problems.append("reader \(reader): \(path): \(error)")
            }
        }
        for (dir, expected) in listings {
            do {
                let listed = try source.list(dir)
                if listed != expected { problems.append("reader \(reader): listing of '\(dir)' differs") }
            } catch {
                problems.append("reader \(reader): list '\(dir)': \(error)")
            }
        }
        for missing in ["nothing.yaml", "d0/none/file.yaml", "d0/top.yaml/inner"] {
            if (try? source.readFile(missing)) != .some(nil) { problems.append("reader \(reader): \(missing) should not exist") }
        }
        if (try? source.readFile("d1")) != .some(nil) { problems.append("reader \(reader): a directory read as a file") }
        if (try? source.list("d0/top.yaml")) != .some(nil) { problems.append("reader \(reader): a file listed as a directory") }
        return problems
    }

    /// Runs `body` on `count` threads of its own, released together, and waits for them.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for i in 0..<count {
            done.enter()
            let thread = Thread {
                go.wait()
                body(i)
                done.leave()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        for _ in 0..<count { go.signal() }
        done.wait()
    }

    @Test("8 threads reading one GitTreeSource at once each read every file and listing correctly")
    func concurrentReaders() throws {
        let box = try Sandbox()
        let repo = try Self.repository(box)
        let problems = Locked<[String]>([])
        // Fresh sources each round, so the tree cache starts empty and the readers race on
        // it too; eight threads of our own, then GCD's workers as the renderer uses them.
        for round in 0..<3 {
            let source = try GitTreeSource(repository: repo, revision: "main", subdirectory: "")
            Self.onThreads(8) { reader in
                let found = Self.readAll(source, reader: reader)
                problems.withLock { $0 += found.map { "round \(round): \($0)" } }
            }
        }
        let source = try GitTreeSource(repository: repo, revision: "main", subdirectory: "")
        DispatchQueue.concurrentPerform(iterations: 8) { reader in
            let found = Self.readAll(source, reader: reader)
            problems.withLock { $0 += found.map { "concurrentPerform: \($0)" } }
        }
        let found = problems.withLock { $0 }
        #expect(found.isEmpty, "\(found.count) problems, first: \(found.prefix(5))")
        // Handles are reused: at most one per reader at a time, not one per read.
        #expect((1...8).contains(repo.readers.handlesOpened), "\(repo.readers.handlesOpened) handles opened")
    }

    @Test("a source rooted in a subdirectory reads from many threads, and names paths as git does")
    func subdirectory() throws {
        let box = try Sandbox()
        let repo = try Self.repository(box)
        let source = try GitTreeSource(repository: repo, revision: "main", subdirectory: "d3/")
        #expect(source.displayPath("s1/file2.yaml") == "main:d3/s1/file2.yaml")
        let problems = Locked<[String]>([])
        Self.onThreads(8) { reader in
            for (path, text) in Self.files where path.hasPrefix("d3/") {
                let inner = String(path.dropFirst(3))
                if (try? source.readFile(inner)) != .some(text) { problems.withLock { $0.append("reader \(reader): \(inner)") } }
            }
        }
        #expect(problems.withLock { $0 }.isEmpty, "\(problems.withLock { $0 }.prefix(5))")
        #expect(throws: Diagnostic.self) { try GitTreeSource(repository: repo, revision: "main", subdirectory: "d3/none") }
    }

    @Test("the pool never lends one handle to two readers at once, nor the caller's own")
    func poolLendsExclusively() throws {
        let box = try Sandbox()
        let repo = try Self.repository(box)
        let pool = repo.readers
        let caller = ObjectIdentifier(repo)
        let inUse = Locked(Set<ObjectIdentifier>())
        let problems = Locked<[String]>([])
        let head = try repo.commitID("main")
        Self.onThreads(8) { reader in
            for _ in 0..<40 {
                do {
                    try pool.withRepository { handle in
                        let id = ObjectIdentifier(handle)
                        let fresh = inUse.withLock { $0.insert(id).inserted }
                        if !fresh { problems.withLock { $0.append("reader \(reader) got a handle in use") } }
                        if id == caller { problems.withLock { $0.append("reader \(reader) got the caller's handle") } }
                        if try handle.commitInfo(head).id != head { problems.withLock { $0.append("reader \(reader) misread HEAD") } }
                        usleep(200)
                        inUse.withLock { _ = $0.remove(id) }
                    }
                } catch {
                    problems.withLock { $0.append("reader \(reader): \(error)") }
                }
            }
        }
        #expect(problems.withLock { $0 }.isEmpty, "\(problems.withLock { $0 }.prefix(5))")
        #expect((1...8).contains(pool.handlesOpened), "\(pool.handlesOpened) handles for 8 readers")
    }

    /// A small project: layers adding a ConfigMap each and patching a shared one, and
    /// environments combining them.
    static let project: [String: String] = {
        var files = ["gitops-weave.yaml": "parameters:\n  value:\n    type: string\n"]
        files["base/configmap.yaml"] = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: shared
              namespace: default
            data:
              value: ${value}

            """
        for l in 0..<6 {
            files["layers/l\(l)/resources/configmap.yaml"] = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: layer-\(l)
                  namespace: default
                data:
                  value: ${value}
                  layer: "\(l)"

                """
            files["layers/l\(l)/patches/shared.yaml"] = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: shared
                  namespace: default
                data:
                  from-l\(l): "yes"

                """
        }
        for e in 0..<40 {
            let layers = (0..<6).filter { (e >> ($0 % 5)) & 1 == 1 || $0 == e % 6 }.map { "l\($0)" }
            files["environments/e\(e).yaml"] = "layers: [\(layers.joined(separator: ", "))]\nparameters:\n  value: v\(e)\n"
        }
        return files
    }()

    @Test("rendering every environment from a GitTreeSource on every core gives what the same files on disk give")
    func renderFromGit() throws {
        let box = try Sandbox()
        let path = box.path("repo")
        let repo = try Repository.initialize(at: path, bare: true)
        let tree = try repo.writeTree(files: Self.project.map { ("src/" + $0.key, Data($0.value.utf8)) })
        let commit = try repo.createCommit(tree: tree, parents: [], message: "project\n", author: alice)
        try repo.updateReference("refs/heads/main", to: commit, expected: nil, message: "create")
        let onDisk = box.path("checkout")
        for (file, text) in Self.project {
            let url = URL(fileURLWithPath: onDisk).appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }

        func render(_ tree: any SourceTree) throws -> [String: [RenderedEnvironment.File]] {
            let project = try Project.load(from: tree, stacks: StackCatalog([WeaveStack()]))
            let results = RenderPipeline(renderer: Renderer(project: project), provenance: .init(sourceRevision: nil, sourceDirty: false),
                                         validator: nil).run(try project.environmentNames())
            var files: [String: [RenderedEnvironment.File]] = [:]
            for result in results {
                #expect(!result.failed, "\(result.name): \(result.diagnostics)")
                files[result.name] = result.environment?.files
            }
            return files
        }
        let expected = try render(FileSystemSource(root: onDisk))
        #expect(expected.count == 40)
        for _ in 0..<3 {
            let fromGit = try render(GitTreeSource(repository: repo, revision: "main", subdirectory: "src"))
            #expect(fromGit == expected)
        }
    }
}
