import Foundation
import Testing

/// `set`, `unset` and `promote` on real files in real repositories: `git diff` shows exactly
/// the changed value's line, the edited source is rendered before anything is written, and
/// `--commit`/`--branch` commit through libgit2.
@Suite("gitops-weave set, unset and promote", .enabled(if: ExternalTool.hasGit, "the git CLI checks what was written"))
struct SetCommandTests {
    typealias World = GitWorld

    /// A small source: one ConfigMap from parameters tag (string), replicas (int),
    /// enabled (bool) and zones (list), and the environment file `text` as e1.
    func source(_ w: World, environment text: String, more: [String: String] = [:]) throws -> URL {
        let dir = try w.initRepository("src")
        try w.write(dir, "gitops-weave.yaml", """
            # the project
            parameters:
              tag:
                type: string
                default: "0.74.1"   # every environment's unless it says otherwise
              replicas:
                type: int
                default: 1
              enabled: {type: bool, default: true}
              zones:
                type: list
                default: [a]

            """)
        try w.write(dir, "layers/app/resources/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app
              namespace: default
            data:
              tag: ${tag}
              replicas: "${replicas} replicas"
              enabled: "enabled: ${enabled}"

            """)
        try w.write(dir, "environments/e1.yaml", text)
        for (name, file) in more { try w.write(dir, "environments/\(name).yaml", file) }
        try w.commitAll(dir, "A source")
        return dir
    }

    /// The changed lines of the work tree against HEAD, `-`/`+` first.
    func changedLines(_ w: World, in dir: URL) throws -> [String] {
        try w.gitOutput(["diff", "-U0", "--no-color"], in: dir).stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingOccurrences(of: "\r", with: "\\r") }
            .filter { ($0.hasPrefix("-") || $0.hasPrefix("+")) && !$0.hasPrefix("---") && !$0.hasPrefix("+++") }
    }

    func set(_ w: World, _ args: [String], in dir: URL, status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let out = try w.weave(["set"] + args, in: dir)
        #expect(out.status == status, "\(out)", sourceLocation: sourceLocation)
        return out
    }

    static let commented = """
        # e1: the first environment
        description: e1   # a comment on the line

        layers: [app]
        parameters:
          # the tag e1 runs
          tag: '0.74.2'     # pinned
          replicas: 2
        # after the mapping

        """

    @Test("comments before, after and on the line, blank lines and single quotes: one line changes, its quotes and comment kept")
    func commentsAndQuotes() throws {
        let w = try World()
        let dir = try source(w, environment: Self.commented)
        let out = try set(w, ["e1", "tag=0.75.0"], in: dir)
        #expect(out.stdout == "environments/e1.yaml: tag '0.74.2' → '0.75.0'\n" || out.stdout == "environments/e1.yaml: tag 0.74.2 → 0.75.0\n", "\(out.stdout)")
        #expect(try changedLines(w, in: dir) == ["-  tag: '0.74.2'     # pinned", "+  tag: '0.75.0'     # pinned"])
    }

    @Test("double and plain quoting; an int; a value that must be quoted as a string", arguments: [
        ("  tag: \"0.74.2\"\n", "tag=0.75.0", ["-  tag: \"0.74.2\"", "+  tag: \"0.75.0\""]),
        ("  tag: v0.74.2\n", "tag=v0.75.0", ["-  tag: v0.74.2", "+  tag: v0.75.0"]),
        ("  tag: v0.74.2\n", "tag=true", ["-  tag: v0.74.2", "+  tag: \"true\""]),
        ("  tag: v0.74.2\n", "tag=1.5", ["-  tag: v0.74.2", "+  tag: \"1.5\""]),
        ("  replicas: 2\n", "replicas=3", ["-  replicas: 2", "+  replicas: 3"]),
    ])
    func quoting(line: String, assignment: String, expected: [String]) throws {
        let w = try World()
        let dir = try source(w, environment: "layers: [app]\nparameters:\n" + line)
        _ = try set(w, ["e1", assignment], in: dir)
        #expect(try changedLines(w, in: dir) == expected)
        #expect(try w.weave(["validate"], in: dir).status == 0)
    }

    @Test("flow style: a value inside a flow mapping, and a new key in it")
    func flowMapping() throws {
        let w = try World()
        let dir = try source(w, environment: "layers: [app]\nparameters: {tag: v1, replicas: 2}   # compact\n")
        _ = try set(w, ["e1", "tag=v2"], in: dir)
        #expect(try changedLines(w, in: dir) == ["-parameters: {tag: v1, replicas: 2}   # compact", "+parameters: {tag: v2, replicas: 2}   # compact"])
        _ = try set(w, ["e1", "enabled=false"], in: dir)
        #expect(try changedLines(w, in: dir) == ["-parameters: {tag: v1, replicas: 2}   # compact", "+parameters: {tag: v2, replicas: 2, enabled: false}   # compact"])
    }

    @Test("a key that does not exist yet goes after the mapping's last entry, in the file's style; block lists and flow lists")
    func newKeyAndLists() throws {
        let w = try World()
        let dir = try source(w, environment: Self.commented)
        _ = try set(w, ["e1", "zones=b,c"], in: dir)
        #expect(try changedLines(w, in: dir) == ["+  zones: [b, c]"])
        let text = try String(contentsOf: dir.appendingPathComponent("environments/e1.yaml"), encoding: .utf8)
        #expect(text.contains("  replicas: 2\n  zones: [b, c]\n# after the mapping\n"), "\(text)")
        _ = try set(w, ["e1", "zones=[d]"], in: dir)
        #expect(try changedLines(w, in: dir) == ["+  zones: [d]"])
    }

    @Test("CRLF line endings are kept, on the changed line and on a new one")
    func crlf() throws {
        let w = try World()
        let dir = try source(w, environment: "layers: [app]\r\nparameters:\r\n  tag: v1\r\n")
        _ = try set(w, ["e1", "tag=v2", "replicas=4"], in: dir)
        let bytes = try Data(contentsOf: dir.appendingPathComponent("environments/e1.yaml"))
        #expect(String(decoding: bytes, as: UTF8.self) == "layers: [app]\r\nparameters:\r\n  tag: v2\r\n  replicas: 4\r\n")
    }

    @Test("a bad type is an error and nothing is written", arguments: [
        ("replicas=three", "error: parameter \"replicas\" expects an int, not \"three\"\n  hint: replicas is declared as int at gitops-weave.yaml:6:3\n"),
        ("enabled=yes", "error: parameter \"enabled\" expects a bool, not \"yes\"\n  hint: enabled is declared as bool at gitops-weave.yaml:9:3; write true or false\n"),
        ("tga=v2", "error: there is no parameter \"tga\"\n  hint: did you mean \"tag\"? the parameters are declared under parameters: in gitops-weave.yaml\n"),
    ])
    func badType(assignment: String, stderr: String) throws {
        let w = try World()
        let dir = try source(w, environment: Self.commented)
        let out = try set(w, ["e1", assignment], in: dir, status: 1)
        #expect(out.stderr == stderr)
        #expect(try changedLines(w, in: dir).isEmpty)
    }

    @Test("a change that breaks a stack rule (here, a replica count the schema refuses) writes nothing, and says where")
    func breaksTheRender() throws {
        let w = try World()
        let src = try w.bundledSource()
        let out = try w.weave(["set", "prod-aws", "cacheMaxSize=500Gi"], in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr.hasPrefix("environments/prod-aws.yaml:10:17: error: cache disk \"s3_disk_cache\" in config.d/storage_configuration.xml has max_size 500Gi (parameter cacheMaxSize), which is not below the 200Gi data volume"), "\(out.stderr)")
        #expect(out.stderr.hasSuffix("error: nothing was written: the change breaks the environment above\n"))
        #expect(try w.git("status", "--porcelain", in: src).isEmpty)
    }

    @Test("set --selector and set --default; unset; render-info.txt shows the new values")
    func selectorDefaultUnset() throws {
        let w = try World()
        let src = try w.bundledSource()
        _ = try w.weave(["set", "--selector", "tier=prod", "wandbHost=https://wandb2.example.com"], in: src)
        #expect(try w.gitLines("diff", "--name-only", in: src) == ["environments/prod-aws.yaml", "environments/prod-openshift-minio.yaml"])
        #expect(try changedLines(w, in: src).filter { $0.hasPrefix("+") } == ["+  wandbHost: https://wandb2.example.com", "+  wandbHost: https://wandb2.example.com"])
        try w.git("checkout", "-q", ".", in: src)

        let out = try w.weave(["set", "--default", "weaveTraceTag=0.75.0"], in: src)
        #expect(out.status == 0, "\(out)")
        #expect(try changedLines(w, in: src) == ["-    default: \"0.74.1\"", "+    default: \"0.75.0\""])
        let rendered = w.url("out")
        #expect(try w.weave(["render", "--out", rendered.path], in: src).status == 0)
        let info = try String(contentsOf: rendered.appendingPathComponent("dev-minio/render-info.txt"), encoding: .utf8)
        #expect(info.contains("\n  weaveTraceTag: \"0.75.0\""), "\(info)")
        #expect(!info.contains("0.74.1"))

        // A value with a default goes; a required one cannot.
        let before = try changedLines(w, in: src)
        _ = try w.weave(["set", "dev-minio", "region=eu-west-1"], in: src)
        #expect(try changedLines(w, in: src).sorted() == (before + ["+  region: eu-west-1"]).sorted())
        _ = try w.weave(["unset", "dev-minio", "region"], in: src)
        #expect(try changedLines(w, in: src) == before)
        let required = try w.weave(["unset", "dev-minio", "storageClass"], in: src)
        #expect(required.status == 1)
        #expect(required.stderr.contains("error: parameter \"storageClass\" has no value: environments/dev-minio.yaml does not set it and it has no default"), "\(required.stderr)")
        #expect(try changedLines(w, in: src) == before)
        #expect(try w.weave(["set", "--default", "weaveTraceTag=0.75.0"], in: src).stdout == "nothing to change: every value is as given already\n")
    }

    @Test("--branch: a commit on a new branch from HEAD, the work tree and index untouched; --format json for the pull request")
    func branch() throws {
        let w = try World()
        let src = try w.bundledSource()
        try w.write(src, "NOTES.md", "uncommitted, and not part of the change\n")
        let head = try w.git("rev-parse", "HEAD", in: src)
        let out = try w.weave(["set", "-l", "tier=staging", "weaveTraceTag=0.75.0", "--branch", "bump/weave-trace", "--format", "json"], in: src)
        #expect(out.status == 0, "\(out)")
        let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as! [String: Any]
        #expect(report["branch"] as? String == "bump/weave-trace")
        let commit = try #require(report["commit"] as? String)
        #expect(try w.git("rev-parse", "bump/weave-trace", in: src) == commit)
        #expect(try w.git("rev-parse", "bump/weave-trace^", in: src) == head)
        #expect(try w.git("rev-parse", "HEAD", in: src) == head)
        #expect(try w.git("status", "--porcelain", in: src) == "?? NOTES.md")
        #expect(report["environments"] as? [String] == ["staging-gcs-flux", "staging-gcs"])
        let summary = try #require(report["summary"] as? String)
        #expect(summary.contains("| `weaveTraceTag` | `0.74.1` (default) → `0.75.0` | 2: staging-gcs-flux, staging-gcs |"), "\(summary)")
        #expect(try w.git("log", "-1", "--format=%s", "bump/weave-trace", in: src) == "Set weaveTraceTag=0.75.0 in staging-gcs-flux, staging-gcs")
        #expect(try w.gitLines("show", "--format=", "--name-only", "bump/weave-trace", in: src) == ["environments/staging-gcs-flux.yaml", "environments/staging-gcs.yaml"])
        let again = try w.weave(["set", "-l", "tier=staging", "weaveTraceTag=0.76.0", "--branch", "bump/weave-trace"], in: src)
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("error: branch bump/weave-trace exists already"), "\(again.stderr)")
    }

    @Test("promote copies staging's value to three environments; --branch's commit checked with git show")
    func promote() throws {
        let w = try World()
        let env = { (tag: String) in "layers: [app]\nlabels: {tier: prod}\nparameters:\n  tag: \(tag)\n" }
        let dir = try source(w, environment: "layers: [app]\nlabels: {tier: staging}\nparameters:\n  tag: v2.0.0   # the candidate\n",
                             more: ["p1": env("v1.0.0"), "p2": env("v1.0.0"), "p3": "layers: [app]\nlabels: {tier: prod}\n"])
        let out = try w.weave(["promote", "tag", "--from", "e1", "--selector", "tier=prod", "--branch", "promote-tag"], in: dir)
        #expect(out.status == 0, "\(out)")
        #expect(out.stdout == """
            environments/p1.yaml: tag v1.0.0 → v2.0.0
            environments/p2.yaml: tag v1.0.0 → v2.0.0
            environments/p3.yaml: tag 0.74.1 (default) → v2.0.0
            committed \(try w.git("rev-parse", "--short", "promote-tag", in: dir)) on promote-tag

            """)
        #expect(try w.git("log", "-1", "--format=%B", "promote-tag", in: dir) == """
            Promote tag from e1 to p1, p2, p3

            p1: tag v1.0.0 → v2.0.0
            p2: tag v1.0.0 → v2.0.0
            p3: tag 0.74.1 (default) → v2.0.0

            Changed-By: gitops-weave promote

            """)
        let diff = try w.gitOutput(["show", "-U0", "--format=", "promote-tag"], in: dir).stdout
        let changed = diff.split(separator: "\n").filter { ($0.hasPrefix("-") || $0.hasPrefix("+")) && !$0.hasPrefix("---") && !$0.hasPrefix("+++") }
        #expect(changed == ["-  tag: v1.0.0", "+  tag: v2.0.0", "-  tag: v1.0.0", "+  tag: v2.0.0", "+parameters:", "+  tag: v2.0.0"], "\(diff)")
        // Nothing in the work tree.
        #expect(try w.git("status", "--porcelain", in: dir).isEmpty)
    }

    @Test("no environments named: a usage error, never every file; nothing to change: no branch, branch null in JSON")
    func sayWhere() throws {
        let w = try World()
        let dir = try source(w, environment: Self.commented)
        let bare = try w.weave(["set", "tag=v9"], in: dir)
        #expect(bare.status == 2, "\(bare)")
        #expect(bare.stderr.hasPrefix("error: say where: name environments, pass --selector or --all, or --default for the project's default\n"), "\(bare.stderr)")
        let same = try w.weave(["set", "e1", "replicas=2", "--branch", "noop", "--format", "json"], in: dir)
        #expect(same.status == 0, "\(same)")
        let report = try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as! [String: Any]
        #expect(report["branch"] is NSNull && report["commit"] is NSNull)
        #expect((report["changes"] as? [Any])?.isEmpty == true)
        #expect(!(try w.exists("refs/heads/noop", in: dir)))
    }

    @Test("a credential parameter's values are never printed or committed in a message, only their digests")
    func secretParameter() throws {
        let w = try World()
        let dir = try source(w, environment: "layers: [app]\nparameters:\n  tag: v1\n")
        try w.write(dir, "gitops-weave.yaml", try String(contentsOf: dir.appendingPathComponent("gitops-weave.yaml"), encoding: .utf8)
                    + "  apiToken:\n    type: string\n    default: old-token-value\n")
        try w.commitAll(dir, "A token")
        let out = try w.weave(["set", "e1", "apiToken=new-token-value", "--commit", "--format", "json"], in: dir)
        #expect(out.status == 0, "\(out)")
        #expect(!out.stdout.contains("token-value") && !out.stderr.contains("token-value"), "\(out)")
        #expect(out.stdout.contains("<redacted "))
        #expect(!(try w.git("log", "-1", "--format=%B", in: dir)).contains("token-value"))
    }

    @Test("--commit on the current branch: the index follows; uncommitted changes in an edited file are refused")
    func commit() throws {
        let w = try World()
        let dir = try source(w, environment: Self.commented)
        let out = try w.weave(["set", "e1", "replicas=5", "--commit"], in: dir)
        #expect(out.status == 0, "\(out)")
        #expect(try w.git("status", "--porcelain", in: dir).isEmpty)
        #expect(try w.git("log", "-1", "--format=%s", in: dir) == "Set replicas=5 in e1")
        try w.write(dir, "environments/e1.yaml", Self.commented + "# a local edit\n")
        let dirty = try w.weave(["set", "e1", "replicas=6", "--commit"], in: dir)
        #expect(dirty.status == 1)
        #expect(dirty.stderr.hasPrefix("error: environments/e1.yaml has uncommitted changes, which --commit would take along"), "\(dirty.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("environments/e1.yaml"), encoding: .utf8) == Self.commented + "# a local edit\n")
    }
}
