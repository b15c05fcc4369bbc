import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One test's world: a `GitSandbox` (Tests/TestSupport), in which `git` and `gitops-weave`
/// see no global or system configuration, no credentials, and a cache of their own.
typealias GitWorld = GitSandbox
/// What a finished program printed.
typealias Output = ProcessOutput

extension GitSandbox {
    // MARK: Running the binary under test

    /// The `gitops-weave` binary under test.
    func weave(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Output {
        try run(CLI.binary.path, arguments, in: directory, environment: extra)
    }

    func startWeave(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> RunningProcess {
        try start(CLI.binary.path, arguments, in: directory, environment: extra)
    }

    // MARK: Repositories

    static let sourceAuthor = (name: "Source Author", email: "source@example.com")

    /// `git init` with a local identity (and nothing from the user's configuration).
    @discardableResult
    func initRepository(_ path: String, bare: Bool = false) throws -> URL {
        let dir = try makeRepository(path, bare: bare)
        try setIdentity(name: Self.sourceAuthor.name, email: Self.sourceAuthor.email, in: dir)
        return dir
    }

    /// A repository holding a copy of this project's own source (gitops-weave.yaml, base/,
    /// layers/, environments/), committed on main.
    func bundledSource(_ path: String = "src") throws -> URL {
        let dir = try initRepository(path)
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: CLI.repository.appendingPathComponent(item), to: dir.appendingPathComponent(item))
        }
        try commitAll(dir, "The W&B Weave stack")
        return dir
    }

    static let bundledEnvironments = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs-flux", "staging-gcs"]
    /// The bundled environments Argo CD syncs (staging-gcs-flux is Flux's).
    static let bundledArgoEnvironments = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs"]

    /// A small source: one layer with one ConfigMap whose value is a parameter, and
    /// environments e1…eN using it.
    func generatedSource(_ path: String = "src", environments count: Int) throws -> URL {
        let dir = try initRepository(path)
        try write(dir, "gitops-weave.yaml", "parameters:\n  value:\n    type: string\n")
        try write(dir, "layers/app/resources/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app
              namespace: default
            data:
              value: ${value}

            """)
        for i in 1...count {
            try write(dir, "environments/e\(i).yaml", "layers: [app]\nparameters:\n  value: v\(i)\n")
        }
        try commitAll(dir, "A generated source")
        return dir
    }

    /// Commits files onto a branch with plumbing only (no checkout, no index of the work
    /// tree): the new commit's tree is the branch's tree with these files added.
    @discardableResult
    func commitOnto(_ branch: String, in repo: URL, files: [String: String], message: String) throws -> String {
        let index = url("out/index-\(UUID().uuidString)")
        let env = ["GIT_INDEX_FILE": index.path]
        try git("read-tree", branch, in: repo, environment: env)
        for (path, text) in files {
            let blobFile = url("out/blob-\(UUID().uuidString)")
            try text.write(to: blobFile, atomically: true, encoding: .utf8)
            let blob = try git("hash-object", "-w", blobFile.path, in: repo)
            try git("update-index", "--add", "--cacheinfo", "100644,\(blob),\(path)", in: repo, environment: env)
        }
        let tree = try git("write-tree", in: repo, environment: env)
        let old = try git("rev-parse", branch, in: repo)
        let commit = try git("commit-tree", tree, "-p", old, "-m", message, in: repo)
        try git("update-ref", "refs/heads/\(branch)", commit, old, in: repo)
        return commit
    }

    /// The trailers of a commit, in order.
    func trailers(_ revision: String, in repo: URL) throws -> [(key: String, value: String)] {
        try gitLines("log", "-1", "--format=%(trailers:only,unfold)", revision, in: repo).compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    func trailer(_ key: String, of revision: String, in repo: URL) throws -> [String] {
        try trailers(revision, in: repo).filter { $0.key == key }.map(\.value)
    }
}
