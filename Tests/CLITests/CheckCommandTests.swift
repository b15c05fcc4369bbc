import Foundation
import Testing

/// `gitops-weave check` against real repositories written by `publish` (and by the `git`
/// CLI, for hand edits to the rendered branch).
@Suite("gitops-weave check", .enabled(if: ExternalTool.hasGit, "the git CLI is needed to build the repositories"))
struct CheckCommandTests {
    typealias World = GitWorld
    static let environments = GitWorld.bundledEnvironments
    static let chiFile = "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"

    @discardableResult
    func publish(_ w: World, _ arguments: [String], in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let out = try w.weave(["publish"] + arguments, in: dir)
        try #require(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        return out
    }

    func check(_ w: World, _ arguments: [String] = [], in dir: URL) throws -> Output {
        try w.weave(["check"] + arguments, in: dir)
    }

    /// `check --format json`, parsed.
    func checkJSON(_ w: World, _ arguments: [String] = [], in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> (Output, [String: Any]) {
        let out = try check(w, arguments + ["--format", "json"], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out)",
                                  sourceLocation: sourceLocation)
        return (out, object)
    }

    static func stale(_ object: [String: Any]) -> [[String: Any]] {
        object["stale"] as? [[String: Any]] ?? []
    }

    /// Replaces text in a source file.
    func edit(_ w: World, _ dir: URL, _ path: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
        try #require(text.contains(old), "\(path) has no \(old)", sourceLocation: sourceLocation)
        try w.write(dir, path, text.replacingOccurrences(of: old, with: new))
    }

    @Test("fresh right after publish; stale (exactly the changed environment and file) after an unpublished change; fresh again after publishing")
    func freshStaleFresh() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)

        let fresh = try check(w, in: src)
        #expect(fresh.status == 0, "\(fresh)")
        #expect(fresh.stdout.hasPrefix("fresh: 5 environments on branch rendered"), "\(fresh)")

        try edit(w, src, "environments/dev-minio.yaml", "cacheMaxSize: 8Gi", "cacheMaxSize: 7Gi")
        let head = try w.commitAll(src, "dev: smaller cache")
        let stale = try check(w, in: src)
        #expect(stale.status == 1, "\(stale)")
        #expect(stale.stdout.contains("stale: 1 environment on branch rendered"), "\(stale)")
        #expect(stale.stdout.contains("  dev-minio: files differ (1 changed)\n    ~ \(Self.chiFile)\n"), "\(stale)")
        for other in Self.environments where other != "dev-minio" {
            #expect(!stale.stdout.contains(other), "\(stale)")
        }

        let (jsonOut, json) = try checkJSON(w, in: src)
        #expect(jsonOut.status == 1, "\(jsonOut)")
        #expect(json["fresh"] as? Bool == false)
        #expect(json["sourceCommit"] as? String == head)
        #expect(json["checked"] as? [String] == Self.environments)
        let entries = Self.stale(json)
        #expect(entries.count == 1, "\(json)")
        #expect(entries.first?["environment"] as? String == "dev-minio")
        #expect(entries.first?["reason"] as? String == "differs")
        #expect(entries.first?["changed"] as? [String] == [Self.chiFile])
        #expect(entries.first?["added"] as? [String] == [])
        #expect(entries.first?["removed"] as? [String] == [])

        // Only the named environments are checked.
        #expect(try check(w, ["prod-aws", "staging-gcs"], in: src).status == 0)
        #expect(try check(w, ["dev-minio"], in: src).status == 1)

        try publish(w, ["--all"], in: src)
        let again = try check(w, in: src)
        #expect(again.status == 0, "\(again)")
        let (_, freshJSON) = try checkJSON(w, in: src)
        #expect(freshJSON["fresh"] as? Bool == true)
        #expect(Self.stale(freshJSON).isEmpty)
        #expect(freshJSON["lastPublishedSource"] as? String == head)
    }

    @Test("render-info.txt is not compared: a source commit that changes nothing rendered is still fresh")
    func renderInfoIgnored() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try w.write(src, "NOTES.md", "Nothing rendered depends on this file.\n")
        try w.commitAll(src, "Notes")
        let out = try check(w, in: src)
        #expect(out.status == 0, "\(out)")
    }

    @Test("no branch at all: every environment is never rendered")
    func missingBranch() throws {
        let w = try World()
        let src = try w.bundledSource()
        let out = try check(w, in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stdout.contains("branch rendered does not exist: never rendered"), "\(out)")
        for env in Self.environments {
            #expect(out.stdout.contains("  \(env): never rendered"), "\(out)")
        }
        let (_, json) = try checkJSON(w, in: src)
        #expect(json["branchExists"] as? Bool == false)
        #expect(Self.stale(json).map { $0["reason"] as? String } == Array(repeating: "never-rendered", count: Self.environments.count))
        // Another branch name is just as absent.
        try publish(w, ["--all"], in: src)
        #expect(try check(w, ["--branch", "elsewhere"], in: src).status == 1)
        #expect(try check(w, in: src).status == 0)
    }

    @Test("an environment never published, and one removed from the source but still on the branch")
    func neverRenderedAndRemoved() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)

        // A new environment.
        try FileManager.default.copyItem(at: src.appendingPathComponent("environments/dev-minio.yaml"),
                                         to: src.appendingPathComponent("environments/dev2-minio.yaml"))
        try w.commitAll(src, "A second dev")
        let added = try check(w, in: src)
        #expect(added.status == 1, "\(added)")
        #expect(added.stdout.contains("  dev2-minio: never rendered (not on branch rendered)"), "\(added)")
        let (_, addedJSON) = try checkJSON(w, in: src)
        #expect(Self.stale(addedJSON).map { $0["environment"] as? String } == ["dev2-minio"])
        #expect(Self.stale(addedJSON).first?["reason"] as? String == "never-rendered")
        try publish(w, ["--all"], in: src)
        #expect(try check(w, in: src).status == 0)

        // A removed environment: its folder on the branch is stale, other folders are not.
        try w.commitOnto("rendered", in: src, files: ["README.md": "# Rendered manifests\n", "docs/notes.txt": "not an environment\n"],
                         message: "A README")
        try w.git("rm", "-q", "environments/staging-gcs.yaml", in: src)
        try w.commitAll(src, "No more staging")
        let removed = try check(w, in: src)
        #expect(removed.status == 1, "\(removed)")
        #expect(removed.stdout.contains("  staging-gcs: removed from the source, still on branch rendered"), "\(removed)")
        #expect(!removed.stdout.contains("docs"), "\(removed)")
        let (_, removedJSON) = try checkJSON(w, in: src)
        #expect(Self.stale(removedJSON).map { $0["environment"] as? String } == ["staging-gcs"])
        #expect(Self.stale(removedJSON).first?["reason"] as? String == "removed-from-source")
        // Naming environments checks those alone.
        #expect(try check(w, ["prod-aws"], in: src).status == 0)

        try publish(w, ["--all"], in: src)
        let fresh = try check(w, in: src)
        #expect(fresh.status == 0, "\(fresh)")
    }

    @Test("hand edits on the branch: a changed file and a stray file in an environment folder are stale")
    func handEdits() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        let original = try w.git("show", "rendered:prod-aws/\(Self.chiFile)", in: src)
        try w.commitOnto("rendered", in: src, files: [
            "prod-aws/\(Self.chiFile)": original.replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: 4") + "\n",
            "prod-aws/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
        ], message: "Hand edit")
        let (out, json) = try checkJSON(w, in: src)
        #expect(out.status == 1, "\(out)")
        let entries = Self.stale(json)
        #expect(entries.map { $0["environment"] as? String } == ["prod-aws"])
        #expect(entries.first?["changed"] as? [String] == [Self.chiFile])
        #expect(entries.first?["removed"] as? [String] == ["extra.yaml"])
        let text = try check(w, in: src)
        #expect(text.stdout.contains("    ~ \(Self.chiFile)\n"), "\(text)")
        #expect(text.stdout.contains("    - extra.yaml\n"), "\(text)")
    }

    @Test("the working tree is what is checked: an uncommitted change is stale")
    func dirtyWorkTree() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try edit(w, src, "layers/prod/patches/clickhouse.yaml", "replicasCount: 3", "replicasCount: 5")
        let (out, json) = try checkJSON(w, in: src)
        #expect(out.status == 1, "\(out)")
        #expect(json["sourceDirty"] as? Bool == true)
        #expect(Self.stale(json).map { $0["environment"] as? String } == ["prod-aws", "prod-openshift-minio"])
    }

    @Test("--repo and --layout branch: another repository, one branch per environment")
    func otherRepositoryAndBranchLayout() throws {
        let w = try World()
        let src = try w.bundledSource()
        let target = try w.initRepository("target", bare: true)
        try publish(w, ["--all", "--repo", target.path, "--layout", "branch"], in: src)
        #expect(try check(w, ["--repo", target.path, "--layout", "branch"], in: src).status == 0)
        // The source repository has no rendered branch.
        #expect(try check(w, in: src).status == 1)

        try edit(w, src, "environments/prod-aws.yaml", "cacheMaxSize: 160Gi", "cacheMaxSize: 150Gi")
        try w.commitAll(src, "prod: smaller cache")
        let (out, json) = try checkJSON(w, ["--repo", target.path, "--layout", "branch"], in: src)
        #expect(out.status == 1, "\(out)")
        #expect(Self.stale(json).map { $0["environment"] as? String } == ["prod-aws"])
        #expect(Self.stale(json).first?["changed"] as? [String] == [Self.chiFile])

        // A branch env/<name> of a removed environment.
        try publish(w, ["--all", "--repo", target.path, "--layout", "branch"], in: src)
        try w.git("rm", "-q", "environments/dev-minio.yaml", in: src)
        try w.commitAll(src, "No more dev")
        let removed = try check(w, ["--repo", target.path, "--layout", "branch"], in: src)
        #expect(removed.status == 1, "\(removed)")
        #expect(removed.stdout.contains("  dev-minio: removed from the source, still on branches env/<name>"), "\(removed)")
    }

    @Test("render errors are printed and exit 1; a URL for --repo is refused")
    func errors() throws {
        let w = try World()
        let src = try w.bundledSource()
        try publish(w, ["--all"], in: src)
        try w.write(src, "environments/prod-aws.yaml",
                    try String(contentsOf: src.appendingPathComponent("environments/prod-aws.yaml"), encoding: .utf8) + "  notAParameter: 1\n")
        let out = try check(w, in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr.contains("undeclared parameter \"notAParameter\""), "\(out)")
        #expect(out.stderr.contains("cannot check prod-aws: the source does not render"), "\(out)")
        let (jsonOut, json) = try checkJSON(w, in: src)
        #expect(jsonOut.status == 1)
        #expect(json["renderFailed"] as? [String] == ["prod-aws"])
        #expect((json["diagnostics"] as? [[String: Any]])?.contains { ($0["message"] as? String)?.contains("notAParameter") == true } == true)

        try w.git("checkout", "-q", "--", "environments/prod-aws.yaml", in: src)
        let unknown = try check(w, ["prod-nowhere"], in: src)
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("prod-nowhere"), "\(unknown)")

        let url = try check(w, ["--repo", "https://example.com/acme/rendered.git"], in: src)
        #expect(url.status == 1, "\(url)")
        #expect(url.stderr.contains("check reads a local repository"), "\(url)")
    }
}
