import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `gitops-weave publish` against real repositories, checked with the `git` CLI (the
/// product itself only uses libgit2).
@Suite("gitops-weave publish", .enabled(if: ExternalTool.hasGit, "the git CLI is needed to check what publish wrote"))
struct PublishCommandTests {
    typealias World = GitWorld
    static let environments = GitWorld.bundledEnvironments
    static let chiFile = "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"

    /// Publishes and requires success.
    @discardableResult
    func publish(_ world: World, _ arguments: [String], in dir: URL, environment: [String: String] = [:],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let out = try world.weave(["publish"] + arguments, in: dir, environment: environment)
        try #require(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        return out
    }

    // MARK: 1. The embedded default

    @Test("publish --all in a fresh repository: one commit on `rendered` with trailers and a note; again: up to date; checkout untouched")
    func embeddedDefault() throws {
        let w = try World()
        let src = try w.bundledSource()
        let head = try w.git("rev-parse", "HEAD", in: src)
        let statusBefore = try w.git("status", "--porcelain", in: src)
        let indexFile = src.appendingPathComponent(".git/index")
        let indexBefore = try Data(contentsOf: indexFile)

        let first = try publish(w, ["--all"], in: src)
        #expect(first.stdout.contains("committed "), "\(first)")
        #expect(try w.git("rev-list", "--count", "rendered", in: src) == "1")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src) == Self.environments)
        let trailers = Dictionary(try w.trailers("rendered", in: src), uniquingKeysWith: { a, _ in a })
        #expect(trailers["Source-Commit"] == head)
        #expect(trailers["Source-Repository"].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == src.resolvingSymlinksInPath().path)
        #expect(trailers["Environments"] == Self.environments.joined(separator: ", "))
        #expect(trailers["Source-Date"] == (try w.git("log", "-1", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", "--format=%ad", "HEAD", in: src, environment: ["TZ": "UTC"])))
        #expect(trailers["Rendered-By"]?.hasPrefix("gitops-weave ") == true, "\(trailers)")
        // Publisher and source author are the same person here: nobody to credit.
        #expect(trailers["Co-authored-by"] == nil)
        #expect(trailers["Source-Dirty"] == nil)
        let tip = try w.git("rev-parse", "rendered", in: src)

        let second = try publish(w, ["--all"], in: src)
        #expect(second.stdout.contains("up to date"), "\(second)")
        #expect(try w.git("rev-list", "--count", "rendered", in: src) == "1")
        #expect(try w.git("rev-parse", "rendered", in: src) == tip)

        // HEAD, the index and the work tree are as they were.
        #expect(try w.git("symbolic-ref", "HEAD", in: src) == "refs/heads/main")
        #expect(try w.git("rev-parse", "HEAD", in: src) == head)
        #expect(try Data(contentsOf: indexFile) == indexBefore)
        #expect(try w.git("status", "--porcelain", in: src) == statusBefore)
        #expect(statusBefore.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("rendered").path))
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)

        let note = try w.git("notes", "--ref=gitops-weave", "show", "rendered", in: src)
        #expect(note.contains("source-commit: \(head)"), "\(note)")

        // Everyday publishes (a note, one changed environment) write loose objects, as git
        // does, rather than one more small pack each time.
        let packs = { try FileManager.default.contentsOfDirectory(atPath: src.appendingPathComponent(".git/objects/pack").path).filter { $0.hasSuffix(".pack") }.count }
        let packsAfterFirst = try packs()

        // A source commit that changes nothing rendered: no commit, but the note moves on.
        try w.write(src, "NOTES.md", "Nothing rendered depends on this file.\n")
        let newHead = try w.commitAll(src, "Notes")
        let third = try publish(w, ["--all"], in: src)
        #expect(third.stdout.contains("up to date"), "\(third)")
        #expect(third.stdout.contains(String(newHead.prefix(12))), "\(third)")
        #expect(try w.git("rev-list", "--count", "rendered", in: src) == "1")
        let newNote = try w.git("notes", "--ref=gitops-weave", "show", "rendered", in: src)
        #expect(newNote.contains("source-commit: \(newHead)"), "\(newNote)")
        #expect(!newNote.contains(head))
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)
        #expect(try packs() == packsAfterFirst)
    }

    @Test("Co-authored-by credits the source commit's author when --author is someone else")
    func coAuthor() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: src.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
                        .replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        try w.commitAll(src, "dev: smaller cache")
        try publish(w, ["--all", "--author", "Release Bot <bot@example.com>"], in: src)
        #expect(try w.git("log", "-1", "--format=%an <%ae>", "rendered", in: src) == "Release Bot <bot@example.com>")
        #expect(try w.trailer("Co-authored-by", of: "rendered", in: src) == ["Source Author <source@example.com>"])
        // The first commit, by the source's author, credits nobody.
        #expect(try w.trailer("Co-authored-by", of: "rendered~1", in: src).isEmpty)
    }

    // MARK: 2. Changes

    @Test("a change touches one folder; a removed environment's folder goes; other files stay; named environments alone")
    func changes() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)

        // One environment's file changes.
        let devFile = src.appendingPathComponent("environments/dev-minio.yaml")
        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: devFile, encoding: .utf8).replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        try w.commitAll(src, "dev: smaller cache")
        let out = try publish(w, ["--all"], in: src)
        #expect(out.stdout.contains("dev-minio: changed"), "\(out)")
        #expect(try w.git("rev-list", "--count", "rendered", in: src) == "2")
        let stat = try w.git("diff", "--stat", "rendered~1", "rendered", in: src)
        let changed = try w.gitLines("diff", "--name-only", "rendered~1", "rendered", in: src)
        #expect(!changed.isEmpty)
        #expect(changed.allSatisfy { $0.hasPrefix("dev-minio/") }, "\(stat)")
        #expect(changed.contains("dev-minio/\(Self.chiFile)"), "\(stat)")
        #expect(try w.git("show", "rendered:dev-minio/\(Self.chiFile)", in: src).contains("<max_size>7Gi</max_size>"))
        let message = try w.git("log", "-1", "--format=%B", "rendered", in: src)
        #expect(message.hasPrefix("Render dev-minio from "), "\(message)")
        #expect(message.contains("  ~ ClickHouseInstallation/wandb (namespace clickhouse)"), "\(message)")
        #expect(try w.trailer("Environments", of: "rendered", in: src) == ["dev-minio"])

        // Files outside the environment folders, committed by someone else.
        try w.commitOnto("rendered", in: src, files: [
            "README.md": "# Rendered manifests\n",
            ".github/workflows/check.yaml": "on: push\njobs: {}\n",
        ], message: "Add a README and a workflow")
        let readme = try w.git("rev-parse", "rendered:README.md", in: src)
        let workflow = try w.git("rev-parse", "rendered:.github/workflows/check.yaml", in: src)

        // An environment removed from the source.
        try w.git("rm", "-q", "environments/staging-gcs.yaml", in: src)
        try w.commitAll(src, "No more staging")
        let removed = try publish(w, ["--all"], in: src)
        #expect(removed.stdout.contains("staging-gcs: removed"), "\(removed)")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src)
                == [".github", "README.md", "dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs-flux"])
        #expect(try w.gitLines("diff", "--name-only", "rendered~1", "rendered", in: src).allSatisfy { $0.hasPrefix("staging-gcs/") })
        #expect(try w.git("rev-parse", "rendered:README.md", in: src) == readme)
        #expect(try w.git("rev-parse", "rendered:.github/workflows/check.yaml", in: src) == workflow)
        #expect(try w.git("log", "-1", "--format=%B", "rendered", in: src).contains("staging-gcs: removed (no longer in the source)"))

        // Two environments change in the source; only one is published.
        let prodBefore = try w.git("rev-parse", "rendered:prod-aws", in: src)
        let prodFile = src.appendingPathComponent("environments/prod-aws.yaml")
        try w.write(src, "environments/prod-aws.yaml",
                    try String(contentsOf: prodFile, encoding: .utf8).replacingOccurrences(of: "cacheMaxSize: 160Gi", with: "cacheMaxSize: 150Gi"))
        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: devFile, encoding: .utf8).replacingOccurrences(of: "cacheMaxSize: 7Gi", with: "cacheMaxSize: 6Gi"))
        try w.commitAll(src, "Both caches")
        let some = try publish(w, ["dev-minio"], in: src)
        #expect(some.stdout.contains("dev-minio: changed"), "\(some)")
        #expect(!some.stdout.contains("prod-aws"), "\(some)")
        #expect(try w.gitLines("diff", "--name-only", "rendered~1", "rendered", in: src).allSatisfy { $0.hasPrefix("dev-minio/") })
        #expect(try w.git("rev-parse", "rendered:prod-aws", in: src) == prodBefore)
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src)
                == [".github", "README.md", "dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs-flux"])
        #expect(try w.git("rev-parse", "rendered:README.md", in: src) == readme)
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)
    }

    // MARK: 3. A dirty source

    @Test("--format json prints JSON for a refusal too, and paths keep their slashes")
    func jsonRefusal() throws {
        let w = try World()
        let src = try w.bundledSource()
        try w.write(src, "environments/dev-minio.yaml", "layers: [dev, minio]\n# an uncommitted edit\n")
        let r = try w.weave(["publish", "--format", "json"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(object["errors"] as? Int == 1)
        let d = try #require((object["diagnostics"] as? [[String: Any]])?.first)
        #expect(d["message"] as? String == "the source has uncommitted changes, so no commit can name what was rendered")
        #expect(try !w.exists("refs/heads/rendered", in: src))
        // A diagnostic with a path: written as is, not layers\/prod.
        try w.write(src, "environments/dev-minio.yaml", "layers: [nope]\n")
        let broken = try w.weave(["publish", "--format", "json", "--allow-dirty"], in: src)
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("\"file\" : \"environments/dev-minio.yaml\""), "\(broken.stdout)")
        #expect(!broken.stdout.contains("\\/"), "\(broken.stdout)")
    }

    @Test("a dirty source is refused unless --allow-dirty, and then the commit says so")
    func dirtySource() throws {
        let w = try World()
        let src = try w.bundledSource()
        let devFile = src.appendingPathComponent("environments/dev-minio.yaml")
        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: devFile, encoding: .utf8).replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))

        let refused = try w.weave(["publish", "--all"], in: src)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("uncommitted changes"), "\(refused)")
        #expect(refused.stderr.contains("--allow-dirty"), "\(refused)")
        #expect(try !w.exists("refs/heads/rendered", in: src))

        // An untracked file alone is enough.
        try w.git("checkout", "-q", "--", "environments/dev-minio.yaml", in: src)
        try w.write(src, "scratch.txt", "notes\n")
        let untracked = try w.weave(["publish", "--all"], in: src)
        #expect(untracked.status == 1, "\(untracked)")
        #expect(try !w.exists("refs/heads/rendered", in: src))

        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: devFile, encoding: .utf8).replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        let allowed = try publish(w, ["--all", "--allow-dirty"], in: src)
        #expect(allowed.stdout.contains("committed "), "\(allowed)")
        #expect(try w.trailer("Source-Dirty", of: "rendered", in: src) == ["true"])
        #expect(try w.git("log", "-1", "--format=%s", "rendered", in: src).hasSuffix("(uncommitted changes)"))
        // What was rendered is the work tree, uncommitted edit included.
        #expect(try w.git("show", "rendered:dev-minio/\(Self.chiFile)", in: src).contains("<max_size>7Gi</max_size>"))
        #expect(try w.git("notes", "--ref=gitops-weave", "show", "rendered", in: src).contains("source-dirty: true"))
        // The work tree is still dirty, exactly as before.
        #expect(try w.gitLines("status", "--porcelain", in: src).sorted() == [" M environments/dev-minio.yaml", "?? scratch.txt"])
    }

    // MARK: 4. What a consumer sees

    /// The identity of each Kubernetes object in a manifest file, read as Argo CD's
    /// directory source would: every YAML document must be an object with apiVersion,
    /// kind and metadata.name. gitops-weave writes block-style YAML, so top-level keys and
    /// the keys directly under `metadata:` are read by indentation.
    static func objects(inManifest text: String, file: String) throws -> [String] {
        if file.hasSuffix(".json") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(file)")
            let metadata = object["metadata"] as? [String: Any]
            let name = try #require(metadata?["name"] as? String, "\(file): no metadata.name")
            return ["\(try #require(object["apiVersion"] as? String))/\(try #require(object["kind"] as? String))/\(metadata?["namespace"] as? String ?? "")/\(name)"]
        }
        var documents: [[String]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "---" { documents.append([]) } else { documents[documents.count - 1].append(line) }
        }
        func unquote(_ s: Substring) -> String {
            let t = s.trimmingCharacters(in: .whitespaces)
            return t.count >= 2 && (t.hasPrefix("\"") || t.hasPrefix("'")) ? String(t.dropFirst().dropLast()) : t
        }
        var identities: [String] = []
        for document in documents where document.contains(where: { !$0.isEmpty && !$0.hasPrefix("#") }) {
            var top: [String: String] = [:], metadata: [String: String] = [:]
            var inMetadata = false
            for line in document where !line.hasPrefix("#") && !line.isEmpty {
                if !line.hasPrefix(" "), let colon = line.firstIndex(of: ":") {
                    let key = String(line[..<colon])
                    top[key] = unquote(line[line.index(after: colon)...])
                    inMetadata = key == "metadata"
                } else if inMetadata, line.hasPrefix("  "), !line.hasPrefix("   "), let colon = line.firstIndex(of: ":") {
                    metadata[String(line.dropFirst(2)[..<colon])] = unquote(line[line.index(after: colon)...])
                }
            }
            let apiVersion = try #require(top["apiVersion"].flatMap { $0.isEmpty ? nil : $0 }, "\(file): no apiVersion")
            let kind = try #require(top["kind"].flatMap { $0.isEmpty ? nil : $0 }, "\(file): no kind")
            let name = try #require(metadata["name"].flatMap { $0.isEmpty ? nil : $0 }, "\(file): no metadata.name")
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            identities.append("\(group)/\(kind)/\(metadata["namespace"] ?? "")/\(name)")
        }
        return identities
    }

    @Test("a clone of `rendered` reads as Argo CD reads it: manifests only, every one an object, no duplicates")
    func consumerView() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try w.git("clone", "-q", "--branch", "rendered", src.path, w.url("clone").path, in: w.root)
        let clone = w.url("clone")
        let fm = FileManager.default
        #expect(try fm.contentsOfDirectory(atPath: clone.path).filter { $0 != ".git" }.sorted() == Self.environments.sorted())
        for env in Self.environments {
            let dir = clone.appendingPathComponent(env)
            let flux = env.hasSuffix("-flux")
            var identities: [String] = []
            // A flux environment's prerequisites/ is a kustomization of its own (the Flux
            // Kustomization the rest depends on); an argocd environment has no subfolder.
            for folder in flux ? [dir, dir.appendingPathComponent("prerequisites")] : [dir] {
                let files = try fm.contentsOfDirectory(atPath: folder.path).sorted()
                let manifests = files.filter { file in [".yaml", ".yml", ".json"].contains { file.hasSuffix($0) } }
                // render-info.txt is there for people, and no consumer reads it.
                let others = files.filter { !manifests.contains($0) }
                #expect(others == (folder != dir ? [] : flux ? ["prerequisites", "render-info.txt"] : ["render-info.txt"]), "\(env): \(files)")
                #expect(manifests.contains("kustomization.yaml"))
                for file in manifests where file != "kustomization.yaml" {
                    identities += try Self.objects(inManifest: String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8), file: "\(env)/\(file)")
                }
                // kustomization.yaml lists exactly the resource files.
                let kustomization = try String(contentsOf: folder.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
                let listed = kustomization.split(separator: "\n").filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
                #expect(listed.sorted() == manifests.filter { $0 != "kustomization.yaml" }.sorted(), "\(folder.path)")
            }
            #expect(identities.count >= 8, "\(env): \(identities)")
            #expect(Set(identities).count == identities.count, "\(env): duplicate identities in \(identities)")
        }
    }

    @Test("kubectl kustomize builds every environment folder of a clone",
          .enabled(if: ExternalTool.hasKubectl, "kubectl is not installed"))
    func consumerKustomize() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try w.git("clone", "-q", "--branch", "rendered", src.path, w.url("clone").path, in: w.root)
        for env in Self.environments {
            let out = try w.run(ExternalTool.kubectl!, ["kustomize", w.url("clone/\(env)").path], in: w.root)
            #expect(out.status == 0, "\(env): \(out)")
            #expect(out.stdout.contains("kind: ClickHouseInstallation"), "\(env)")
        }
    }

    @Test("a flux environment's prerequisites/ is a subtree git reads; a change inside it is one changed file, named by its resource; check sees it")
    func fluxSubtree() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        let env = "staging-gcs-flux"
        #expect(try w.gitLines("ls-tree", "rendered:\(env)", in: src).filter { $0.contains(" tree ") }.map { $0.split(separator: "\t").last.map(String.init) ?? "" } == ["prerequisites"])
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered:\(env)/prerequisites", in: src) == [
            "helmrelease.helm.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml",
            "helmrelease.helm.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml",
            "helmrepository.source.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml",
            "helmrepository.source.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml",
            "kustomization.yaml",
            "namespace_clickhouse.yaml", "namespace_wandb-cr.yaml", "namespace_wandb.yaml",
        ])
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)

        let file = src.appendingPathComponent("gitops-weave.yaml")
        try w.write(src, "gitops-weave.yaml", try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "default: \"1.3.7\"", with: "default: \"1.3.8\""))
        try w.commitAll(src, "W&B operator chart 1.3.8")
        let stale = try w.weave(["check"], in: src)
        #expect(stale.status == 1, "\(stale)")
        #expect(stale.stdout.contains("  \(env): files differ (1 changed)\n    ~ HelmRelease/wandb-operator (namespace wandb-cr)\n")
                || stale.stdout.contains("  \(env): files differ (1 changed)\n    ~ prerequisites/helmrelease.helm.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml\n"), "\(stale)")
        let out = try publish(w, ["--all"], in: src)
        #expect(out.stdout.contains("\(env): changed"), "\(out)")
        let message = try w.git("log", "-1", "--format=%B", "rendered", in: src)
        #expect(message.contains("  ~ HelmRelease/wandb-operator (namespace wandb-cr)"), "\(message)")
        // Its render-info.txt names the new source commit; no other environment moved.
        #expect(try w.gitLines("diff", "--name-only", "rendered~1", "rendered", in: src)
                == ["\(env)/prerequisites/helmrelease.helm.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml", "\(env)/render-info.txt"])
        #expect(try w.git("show", "rendered:\(env)/prerequisites/helmrelease.helm.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml", in: src).contains("      version: 1.3.8\n"))
        #expect(try w.weave(["check"], in: src).status == 0)
        #expect(try publish(w, ["--all"], in: src).stdout.contains("up to date"))
    }

    // MARK: 5. Branch layout

    @Test("--layout branch: one branch env/<name> per environment with files at the root; a removed environment's branch is deleted")
    func branchLayout() throws {
        let w = try World()
        let src = try w.bundledSource()
        let out = try publish(w, ["--all", "--layout", "branch"], in: src)
        #expect(out.stdout.components(separatedBy: "committed ").count - 1 == 5, "\(out)")
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", "refs/heads/env/", in: src)
                == Self.environments.sorted().map { "refs/heads/env/\($0)" })
        #expect(try !w.exists("refs/heads/rendered", in: src))
        for env in Self.environments {
            let entries = try w.gitLines("ls-tree", "env/\(env)", in: src)
            // Files at the root; a flux environment also has its prerequisites/ folder.
            #expect(entries.filter { !$0.contains(" blob ") }.map { $0.split(separator: "\t").last.map(String.init) ?? $0 }
                    == (env.hasSuffix("-flux") ? ["prerequisites"] : []), "\(env): \(entries)")
            let names = try w.gitLines("ls-tree", "--name-only", "env/\(env)", in: src)
            #expect(names.contains("kustomization.yaml") && names.contains("render-info.txt") && names.contains(Self.chiFile), "\(names)")
            #expect(try w.git("rev-list", "--count", "env/\(env)", in: src) == "1")
            #expect(try w.trailer("Environments", of: "env/\(env)", in: src) == [env])
        }
        let tips = try w.gitLines("for-each-ref", "--format=%(objectname)", "refs/heads/env/", in: src)

        try w.git("rm", "-q", "environments/staging-gcs.yaml", in: src)
        try w.commitAll(src, "No more staging")
        let removed = try publish(w, ["--all", "--layout", "branch"], in: src)
        #expect(removed.stdout.contains("staging-gcs: removed"), "\(removed)")
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", "refs/heads/env/", in: src)
                == ["refs/heads/env/dev-minio", "refs/heads/env/prod-aws", "refs/heads/env/prod-openshift-minio", "refs/heads/env/staging-gcs-flux"])
        // The others did not change, so their branches did not move (tips are in ref order:
        // staging-gcs, the removed one, was the fourth).
        #expect(try w.gitLines("for-each-ref", "--format=%(objectname)", "refs/heads/env/", in: src) == Array(tips.prefix(3)) + [tips[4]])
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)
    }

    // MARK: 6. Pushing

    @Test("push to a bare repository: --repo file:// and --push --remote NAME")
    func pushFileURL() throws {
        let w = try World()
        let src = try w.bundledSource()
        let bare = try w.initRepository("remote.git", bare: true)
        let viaURL = try publish(w, ["--all", "--repo", "file://\(bare.path)"], in: src)
        #expect(viaURL.stdout.contains("committed "), "\(viaURL)")
        #expect(try w.git("rev-list", "--count", "rendered", in: bare) == "1")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: bare) == Self.environments)
        #expect(try w.trailer("Source-Commit", of: "rendered", in: bare) == [try w.git("rev-parse", "HEAD", in: src)])
        // Nothing was committed to the source repository itself.
        #expect(try !w.exists("refs/heads/rendered", in: src))
        // The notes travel with the branch: the remote knows the last processed source.
        let head = try w.git("rev-parse", "HEAD", in: src)
        #expect(try w.git("notes", "--ref=gitops-weave", "show", "rendered", in: bare).contains("source-commit: \(head)"))
        let again = try publish(w, ["--all", "--repo", "file://\(bare.path)"], in: src)
        #expect(again.stdout.contains("up to date"), "\(again)")
        #expect(try w.git("rev-list", "--count", "rendered", in: bare) == "1")
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: bare).status == 0)

        // A configured remote, by name.
        let mirror = try w.initRepository("mirror.git", bare: true)
        try w.git("remote", "add", "mirror", mirror.path, in: src)
        let named = try publish(w, ["--all", "--push", "--remote", "mirror"], in: src)
        #expect(named.stdout.contains("committed "), "\(named)")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: mirror) == Self.environments)
        #expect(try w.git("rev-parse", "rendered", in: mirror) == (try w.git("rev-parse", "rendered", in: src)))
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: mirror).status == 0)
    }

    @Test("push to a git daemon on 127.0.0.1 (git://)")
    func pushGitDaemon() throws {
        let w = try World()
        let src = try w.bundledSource()
        let served = w.url("served")
        let bare = try w.initRepository("served/repo.git", bare: true)
        let daemon = try GitDaemon(sandbox: w, base: served)
        defer { daemon.stop() }
        let out = try publish(w, ["--all", "--repo", daemon.url("repo.git")], in: src)
        #expect(out.stdout.contains("committed "), "\(out)")
        let tip = try w.git("rev-parse", "rendered", in: bare)
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: bare) == Self.environments)
        #expect(try w.git("ls-remote", daemon.url("repo.git"), "refs/heads/rendered", in: w.root).hasPrefix(tip))
        let again = try publish(w, ["--all", "--repo", daemon.url("repo.git")], in: src)
        #expect(again.stdout.contains("up to date"), "\(again)")
        #expect(try w.git("rev-parse", "rendered", in: bare) == tip)
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: bare).status == 0)
    }

    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case file, daemon
        var testDescription: String { rawValue }
    }

    @Test("a push rejected because someone pushed first is retried on top of their commit", arguments: Transport.allCases)
    func rejectedPushRetried(transport: Transport) throws {
        let w = try World()
        let src = try w.bundledSource()
        let bare = try w.initRepository("served/repo.git", bare: true)
        var daemon: GitDaemon?
        defer { daemon?.stop() }
        let remoteURL: String
        switch transport {
        case .file:
            remoteURL = bare.path
        case .daemon:
            daemon = try GitDaemon(sandbox: w, base: w.url("served"))
            remoteURL = daemon!.url("repo.git")
        }
        try w.git("remote", "add", "origin", remoteURL, in: src)
        try publish(w, ["--all", "--push"], in: src)

        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: src.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
                        .replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        let sourceHead = try w.commitAll(src, "dev: smaller cache")

        let pause = w.url("pause").path
        let publisher = try w.startWeave(["publish", "--all", "--push", "--format", "json"], in: src,
                                         environment: ["GITOPS_WEAVE_TEST_PAUSE_BEFORE_PUSH": pause])
        // Should the test fail half-way, the paused publisher does not outlive it.
        defer {
            if publisher.process.isRunning {
                kill(publisher.pid, SIGKILL)
                publisher.process.waitUntilExit()
            }
        }
        var waiting = false
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, publisher.process.isRunning {
            if FileManager.default.fileExists(atPath: pause + ".waiting") { waiting = true; break }
            usleep(10_000)
        }
        guard waiting else {
            Issue.record("publish never reached the push: \(publisher.wait())")
            return
        }

        // Meanwhile, someone else pushes to the branch.
        let other = w.url("other")
        try w.git("clone", "-q", "--branch", "rendered", remoteURL, other.path, in: w.root)
        try w.git("config", "user.name", "Someone Else", in: other)
        try w.git("config", "user.email", "else@example.com", in: other)
        try w.write(other, "README.md", "# Rendered manifests\n")
        try w.commitAll(other, "Add a README")
        try w.git("push", "-q", "origin", "rendered", in: other)
        let theirs = try w.git("rev-parse", "HEAD", in: other)

        FileManager.default.createFile(atPath: pause, contents: nil)
        let out = publisher.wait()
        try #require(out.status == 0, "\(out)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect((report["retries"] as? Int ?? 0) >= 1, "\(out.stdout)")

        // Both landed, one after the other.
        let files = try w.gitLines("ls-tree", "-r", "--name-only", "rendered", in: bare)
        #expect(files.contains("README.md"))
        #expect(Set(files.compactMap { $0.split(separator: "/").count == 2 ? String($0.split(separator: "/")[0]) : nil }) == Set(Self.environments))
        #expect(try w.git("show", "rendered:dev-minio/\(Self.chiFile)", in: bare).contains("<max_size>7Gi</max_size>"))
        #expect(try w.git("rev-parse", "rendered~1", in: bare) == theirs)
        #expect(try w.trailer("Source-Commit", of: "rendered", in: bare) == [sourceHead])
        #expect(try w.gitLines("rev-list", "--merges", "rendered", in: bare).isEmpty)
        #expect(try w.gitLines("log", "--first-parent", "--format=%H", "rendered", in: bare)
                == (try w.gitLines("rev-list", "rendered", in: bare)))
        #expect(try w.git("rev-list", "--count", "rendered", in: bare) == "3")
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: bare).status == 0)
        // The local branch mirrors what landed.
        #expect(try w.git("rev-parse", "rendered", in: src) == (try w.git("rev-parse", "rendered", in: bare)))
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)
    }

    // MARK: Local and remote branches

    /// A source with a bare `origin`, and a second clone of it that has published there.
    func sourceWithPublishedRemote(_ w: World) throws -> (src: URL, bare: URL, remoteTip: String) {
        let src = try w.bundledSource()
        let bare = try w.initRepository("origin.git", bare: true)
        try w.git("remote", "add", "origin", bare.path, in: src)
        try w.git("push", "-q", "origin", "main", in: src)
        let other = w.url("other")
        try w.git("clone", "-q", bare.path, other.path, in: w.root)
        try publish(w, ["--push"], in: other)
        return (src, bare, try w.git("rev-parse", "rendered", in: bare))
    }

    @Test("local and remote branches with no common history: publish --push stops, names both tips, and loses nothing")
    func unrelatedHistories() throws {
        let w = try World()
        let (src, bare, remoteTip) = try sourceWithPublishedRemote(w)
        // A local publish before fetching: its own history.
        try publish(w, [], in: src)
        let localTip = try w.git("rev-parse", "rendered", in: src)
        #expect(try w.git("rev-list", "--count", "rendered", in: src) == "1")

        let r = try w.weave(["publish", "--push"], in: src)
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(r.stderr == """
            error: the local branch rendered (\(localTip)) and rendered on origin (\(remoteTip)) share no history; nothing was published
              hint: to build on origin's, keep yours under another name (git branch -m rendered rendered-local) and publish again; to keep yours, replace the remote's (git push --force-with-lease origin rendered) and publish again

            """)
        // Neither side moved, and the reflog records no move.
        #expect(try w.git("rev-parse", "rendered", in: src) == localTip)
        #expect(try w.git("rev-parse", "rendered", in: bare) == remoteTip)
        #expect(try w.gitLines("reflog", "show", "--format=%gs", "refs/heads/rendered", in: src).count == 1)

        let json = try w.weave(["publish", "--push", "--format", "json"], in: src)
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let message = try #require((object["diagnostics"] as? [[String: Any]])?.first?["message"] as? String)
        #expect(message.contains(localTip) && message.contains(remoteTip), "\(message)")

        // Doing what the hint says works, and the local commit stays reachable.
        try w.git("branch", "-m", "rendered", "rendered-local", in: src)
        let again = try w.weave(["publish", "--push"], in: src)
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("up to date"), "\(again)")
        #expect(try w.git("rev-parse", "rendered", in: src) == remoteTip)
        #expect(try w.git("rev-parse", "rendered-local", in: src) == localTip)
    }

    @Test("local and remote branches that diverged from a common commit: publish --push stops with both tips")
    func divergedHistories() throws {
        let w = try World()
        let (src, bare, _) = try sourceWithPublishedRemote(w)
        try w.git("fetch", "-q", "origin", in: src)
        try w.git("branch", "rendered", "origin/rendered", in: src)
        // The remote moves on (someone adds a README), and so does the local branch.
        _ = try w.commitOnto("rendered", in: bare, files: ["README.md": "# remote\n"], message: "remote README")
        _ = try w.commitOnto("rendered", in: src, files: ["NOTES.md": "# local\n"], message: "local notes")
        let localTip = try w.git("rev-parse", "rendered", in: src)
        let remoteTip = try w.git("rev-parse", "rendered", in: bare)
        let r = try w.weave(["publish", "--push"], in: src)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("error: the local branch rendered (\(localTip)) and rendered on origin (\(remoteTip)) have diverged; nothing was published\n"), "\(r.stderr)")
        #expect(try w.git("rev-parse", "rendered", in: src) == localTip)
        #expect(try w.git("rev-parse", "rendered", in: bare) == remoteTip)
    }

    @Test("local commits the remote lacks are built on and pushed along, and publish says so")
    func localAhead() throws {
        let w = try World()
        let (src, bare, remoteTip) = try sourceWithPublishedRemote(w)
        try w.git("fetch", "-q", "origin", in: src)
        try w.git("branch", "rendered", "origin/rendered", in: src)
        let local = try w.commitOnto("rendered", in: src, files: ["README.md": "# Rendered manifests\n"], message: "A README")

        let unchanged = try w.weave(["publish", "--push"], in: src)
        #expect(unchanged.status == 0, "\(unchanged)")
        #expect(unchanged.stdout.contains("up to date"), "\(unchanged)")
        #expect(unchanged.stderr == "note: the local rendered has 1 commit origin lacks: building on \(local.prefix(7)) and pushing it too\n")
        #expect(try w.git("rev-parse", "rendered", in: bare) == local)
        #expect(try w.git("rev-parse", "rendered~1", in: bare) == remoteTip)

        // With a change: the new commit goes on top of the local one.
        _ = try w.commitOnto("rendered", in: src, files: ["CODEOWNERS": "* @platform\n"], message: "Owners")
        try w.write(src, "environments/dev-minio.yaml",
                    try String(contentsOf: src.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
                        .replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        try w.commitAll(src, "dev: smaller cache")
        let changed = try w.weave(["publish", "--push"], in: src)
        #expect(changed.status == 0, "\(changed)")
        #expect(try w.git("rev-parse", "rendered", in: bare) == (try w.git("rev-parse", "rendered", in: src)))
        #expect(try w.gitLines("log", "--format=%s", "rendered", in: bare).prefix(3) == ["Render dev-minio from \(try w.git("rev-parse", "--short=7", "HEAD", in: src))", "Owners", "A README"])
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: bare).status == 0)
    }

    @Test("a fresh clone's first publish builds on origin/rendered and says when it was fetched")
    func freshCloneBuildsOnRemoteTracking() throws {
        let w = try World()
        let (_, bare, remoteTip) = try sourceWithPublishedRemote(w)
        let clone = w.url("clone")
        try w.git("clone", "-q", bare.path, clone.path, in: w.root)
        #expect(try !w.exists("refs/heads/rendered", in: clone))
        try w.setIdentity(name: "Clone Owner", email: "clone@example.com", in: clone)
        try w.write(clone, "environments/dev-minio.yaml",
                    try String(contentsOf: clone.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
                        .replacingOccurrences(of: "cacheMaxSize: 8Gi", with: "cacheMaxSize: 7Gi"))
        try w.commitAll(clone, "dev: smaller cache")
        let r = try w.weave(["publish"], in: clone)
        #expect(r.status == 0, "\(r)")
        let today = try w.git("log", "-1", "--date=format-local:%Y-%m-%d", "--format=%cd", "HEAD", in: clone, environment: ["TZ": "UTC"])
        #expect(r.stderr.hasPrefix("note: no local branch rendered: building on origin/rendered (\(remoteTip.prefix(7))), fetched \(today) "), "\(r.stderr)")
        #expect(r.stderr.hasSuffix("""
             ago)
              hint: the remote may have moved since; git fetch origin first, or publish with --push, which reads the remote itself

            """) || r.stderr.contains("(just now)"), "\(r.stderr)")
        // One new commit on the remote's history, changing one environment.
        #expect(try w.git("rev-parse", "rendered~1", in: clone) == remoteTip)
        #expect(try w.git("rev-list", "--count", "rendered", in: clone) == "2")
        #expect(r.stdout.contains("  dev-minio: changed\n"), "\(r.stdout)")
    }

    @Test("no branch here and none on a remote: publish says it starts a new history")
    func newHistorySaid() throws {
        let w = try World()
        let src = try w.bundledSource()
        let first = try w.weave(["publish"], in: src)
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr == "note: rendered exists neither here nor as a remote-tracking branch: starting a new history\n")
        try w.git("branch", "-D", "rendered", in: src)
        let bare = try w.initRepository("origin.git", bare: true)
        try w.git("remote", "add", "origin", bare.path, in: src)
        let unfetched = try w.weave(["publish"], in: src)
        #expect(unfetched.stderr == """
            note: rendered exists neither here nor as a remote-tracking branch: starting a new history
              hint: if a remote already has it, git fetch first, then publish again to build on its history

            """)
        try w.git("branch", "-D", "rendered", in: src)
        let pushed = try w.weave(["publish", "--push"], in: src)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(pushed.stderr == "note: rendered exists neither here nor on origin: starting a new history\n")
    }

    @Test("an unknown remote and an unreachable server: what went wrong in words, a hint, exit 1, nothing written")
    func remoteErrors() throws {
        let w = try World()
        let src = try w.bundledSource()
        let none = try w.weave(["publish", "--push", "--remote", "nosuch"], in: src)
        #expect(none.status == 1)
        #expect(none.stderr == """
            error: no remote named "nosuch" in this repository
              hint: it has no remotes; add one with git remote add nosuch URL, or publish to a URL with --repo URL

            """)
        let bare = try w.initRepository("origin.git", bare: true)
        try w.git("remote", "add", "origin", bare.path, in: src)
        let typo = try w.weave(["publish", "--push", "--remote", "orign"], in: src)
        #expect(typo.stderr == "error: no remote named \"orign\" in this repository\n  hint: did you mean --remote origin?\n")
        #expect(try !w.exists("refs/heads/rendered", in: src))

        let port = try GitDaemon.freePort()
        let url = "https://127.0.0.1:\(port)/deploy.git"
        let down = try w.weave(["publish", "--repo", url], in: src)
        #expect(down.status == 1)
        #expect(down.stderr == """
            error: cannot connect to \(url): failed to connect to 127.0.0.1: Connection refused
              hint: check the URL and that the server is reachable; nothing on either side was changed

            """)
        let json = try w.weave(["publish", "--repo", url, "--format", "json"], in: src)
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["diagnostics"] as? [[String: Any]])?.first?["hint"] as? String == "check the URL and that the server is reachable; nothing on either side was changed")
    }

    @Test("a stale branch lock (left by a killed writer) fails the publish with the lock file's name, and nothing moves")
    func staleLock() throws {
        let w = try World()
        let src = try w.generatedSource(environments: 2)
        try publish(w, ["--all"], in: src)
        let tip = try w.git("rev-parse", "rendered", in: src)
        try w.write(src, "environments/e1.yaml", "layers: [app]\nparameters:\n  value: changed\n")
        try w.commitAll(src, "e1 changes")
        let lock = src.appendingPathComponent(".git/refs/heads/rendered.lock")
        FileManager.default.createFile(atPath: lock.path, contents: nil)
        let started = Date()
        let out = try w.weave(["publish", "--all"], in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr.contains("rendered.lock"), "\(out)")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(try w.git("rev-parse", "rendered", in: src) == tip)
        try FileManager.default.removeItem(at: lock)
        let retried = try publish(w, ["--all"], in: src)
        #expect(retried.stdout.contains("e1: changed"), "\(retried)")
        #expect(try w.git("rev-parse", "rendered~1", in: src) == tip)
    }
}
