import Foundation
import Testing

/// `gitops-weave diff` and `affected` on real repositories with several commits.
@Suite("gitops-weave diff and affected", .enabled(if: ExternalTool.hasGit))
struct DiffCommandTests {
    typealias World = GitWorld

    func weave(_ w: World, _ args: [String], in dir: URL) throws -> Output {
        try w.weave(args, in: dir, environment: ["NO_COLOR": "1"])
    }

    /// The bundled source on main, then a feature branch that raises the prod tier's
    /// ClickHouse replicas from 3 to 5.
    func replicaChange(_ w: World) throws -> URL {
        let src = try w.bundledSource()
        try w.git("checkout", "-q", "-b", "feature", in: src)
        let patch = src.appendingPathComponent("layers/prod/patches/clickhouse.yaml")
        let text = try String(contentsOf: patch, encoding: .utf8)
        #expect(text.contains("replicasCount: 3"))
        try text.replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: 5").write(to: patch, atomically: true, encoding: .utf8)
        try w.commitAll(src, "prod: 5 ClickHouse replicas")
        return src
    }

    @Test("a change to one layer shows exactly the environments and fields that layer affects")
    func oneLayer() throws {
        let w = try World()
        let src = try replicaChange(w)
        let affected = try weave(w, ["affected", "main", "HEAD"], in: src)
        #expect(affected.status == 0, "\(affected)")
        #expect(affected.stdout == "prod-aws\nprod-openshift-minio\n")

        let json = try weave(w, ["diff", "main", "HEAD", "--format", "json"], in: src)
        // Changes exit 1 in every format, as git diff --exit-code does.
        #expect(json.status == 1, "\(json)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["compared"] as? Int == 5)
        let envs = object["environments"] as! [[String: Any]]
        #expect(envs.map { $0["name"] as! String } == ["prod-aws", "prod-openshift-minio"])
        for env in envs {
            let resources = env["resources"] as! [[String: Any]]
            #expect(resources.map { "\($0["kind"]!)/\($0["name"]!)" } == ["ClickHouseInstallation/wandb"])
            let diff = resources[0]["diff"] as! String
            let changed = diff.split(separator: "\n").filter { ($0.hasPrefix("-") || $0.hasPrefix("+")) }
            #expect(changed == ["-        replicasCount: 3", "+        replicasCount: 5"], "\(diff)")
        }

        let text = try weave(w, ["diff", "main", "HEAD"], in: src)
        #expect(text.status == 1)
        #expect(text.stdout.contains("--- a/prod-aws/clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"))
        #expect(!text.stdout.contains("\u{1B}["), "NO_COLOR and a pipe: no colour")
    }

    @Test("an edit to a layer's embedded XML file affects exactly that layer's environments, read from git objects")
    func embeddedFile() throws {
        let w = try World()
        let src = try w.bundledSource()
        try w.git("checkout", "-q", "-b", "feature", in: src)
        let xml = src.appendingPathComponent("layers/minio/files/config.d/storage_configuration.xml")
        let text = try String(contentsOf: xml, encoding: .utf8)
        #expect(text.contains("<cache_on_write_operations>true</cache_on_write_operations>"))
        try text.replacingOccurrences(of: "<cache_on_write_operations>true</cache_on_write_operations>",
                                      with: "<cache_on_write_operations>false</cache_on_write_operations>")
            .write(to: xml, atomically: true, encoding: .utf8)
        try w.commitAll(src, "minio: no cache on write")
        let affected = try weave(w, ["affected", "main", "HEAD"], in: src)
        #expect(affected.status == 0, "\(affected)")
        #expect(affected.stdout == "dev-minio\nprod-openshift-minio\n")
        let diff = try weave(w, ["diff", "main", "HEAD"], in: src)
        #expect(diff.status == 1, "\(diff)")
        let changed = diff.stdout.split(separator: "\n").filter { $0.hasPrefix("-  ") || $0.hasPrefix("+  ") }
        // Both environments change alike: one group, its hunks shown once.
        #expect(changed.count == 2, "\(diff.stdout)")
        #expect(diff.stdout.contains("2 environments (storage=minio): 1 changed: dev-minio, prod-openshift-minio\n"), "\(diff.stdout)")
        #expect(changed.allSatisfy { $0.contains("cache_on_write_operations") }, "\(changed)")

        // Broken XML in the working tree: positioned at the file, and diff fails.
        try text.replacingOccurrences(of: "</disks>", with: "</disk>").write(to: xml, atomically: true, encoding: .utf8)
        let broken = try weave(w, ["diff", "main"], in: src)
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.stderr.contains("layers/minio/files/config.d/storage_configuration.xml:"), "\(broken.stderr)")
        #expect(broken.stderr.contains("error: config.d/storage_configuration.xml of ClickHouseInstallation/wandb is not well-formed XML: the closing tag </disk> does not match <disks> of line 3 [clickhouse-config-xml]"), "\(broken.stderr)")
    }

    @Test("by default: the merge base with main against the working tree, uncommitted changes included")
    func defaults() throws {
        let w = try World()
        let src = try replicaChange(w)
        // A commit on main after the branch point must not count.
        try w.git("checkout", "-q", "main", in: src)
        try w.write(src, "environments/dev-minio.yaml", try String(contentsOf: src.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "bucket: ", with: "bucket: other-"))
        try w.commitAll(src, "main moves on")
        try w.git("checkout", "-q", "feature", in: src)
        // An uncommitted change in the work tree counts.
        let keeper = src.appendingPathComponent("layers/staging/patches/keeper.yaml")
        try (try String(contentsOf: keeper, encoding: .utf8)).replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: 5")
            .write(to: keeper, atomically: true, encoding: .utf8)
        let affected = try weave(w, ["affected"], in: src)
        #expect(affected.status == 0, "\(affected)")
        #expect(affected.stdout == "prod-aws\nprod-openshift-minio\nstaging-gcs\nstaging-gcs-flux\n")
    }

    @Test("a change that only reformats the source shows no diff")
    func reformat() throws {
        let w = try World()
        let src = try w.bundledSource()
        // Key order, quoting, comments and flow style, in the base and a layer.
        let keeper = src.appendingPathComponent("base/30-clickhouse-keeper.yaml")
        var text = try String(contentsOf: keeper, encoding: .utf8)
        text = text.replacingOccurrences(of: "apiVersion: clickhouse-keeper.altinity.com/v1\nkind: ClickHouseKeeperInstallation",
                                         with: "# reordered\nkind: \"ClickHouseKeeperInstallation\"\napiVersion: 'clickhouse-keeper.altinity.com/v1'")
        try text.write(to: keeper, atomically: true, encoding: .utf8)
        let env = src.appendingPathComponent("environments/dev-minio.yaml")
        let lines = try String(contentsOf: env, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try (["# a new comment"] + lines.map(String.init)).joined(separator: "\n").write(to: env, atomically: true, encoding: .utf8)
        try w.commitAll(src, "Reformat")
        #expect(try w.git("diff", "--stat", "HEAD~1", "HEAD", in: src).contains("2 files changed"))

        let diff = try weave(w, ["diff", "HEAD~1", "HEAD"], in: src)
        #expect(diff.status == 0, "\(diff)")
        #expect(diff.stdout == "no changes in 5 environments\n")
        #expect(try weave(w, ["affected", "HEAD~1", "HEAD"], in: src).stdout.isEmpty)
        let md = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", "markdown"], in: src)
        #expect(md.stdout.contains("No rendered manifest changes."))
    }

    /// A generated source whose one layer adds a big ConfigMap to each of 120 environments.
    func hugeChange(_ w: World) throws -> URL {
        let src = try w.generatedSource(environments: 120)
        var data = ""
        for i in 0..<120 { data += "  key\(i): \"\(String(repeating: "x", count: 40))-\(i)\"\n" }
        // Each environment's ConfigMap differs (its value), so no two changes are alike.
        try w.write(src, "layers/app/resources/big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n  env: ${value}\n" + data)
        try w.commitAll(src, "A big ConfigMap everywhere")
        return src
    }

    @Test("the Markdown comment stays under its budget with a huge change, cut at resource boundaries")
    func markdownBudget() throws {
        let w = try World()
        let src = try hugeChange(w)
        let md = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", "markdown"], in: src)
        #expect(md.status == 1, "\(md.stderr)")
        #expect(md.stdout.count <= 65_000, "\(md.stdout.count) characters")
        #expect(md.stdout.contains("### gitops-weave diff: 120 of 120 environments change"))
        #expect(md.stdout.contains("> **Truncated** at 65000 characters:"))
        // The footer's command works as printed: the same comparison, every part.
        #expect(md.stdout.contains(" not shown. Run `gitops-weave diff HEAD~1 HEAD --format markdown --split` for every part.\n"), "\(md.stdout.suffix(400))")
        let suggested = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", "markdown", "--split"], in: src)
        #expect(suggested.status == 1, "\(suggested.stderr)")
        #expect(suggested.stderr.isEmpty, "\(suggested.stderr)")
        #expect(suggested.stdout.contains("gitops-weave-diff-2.md"), "\(suggested.stdout)")
        // Every opened block is closed: the cut fell between resources.
        #expect(md.stdout.components(separatedBy: "```diff").count - 1 == md.stdout.components(separatedBy: "\n```\n").count - 1)
        #expect(md.stdout.components(separatedBy: "<details>").count == md.stdout.components(separatedBy: "</details>").count)

        let small = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", "markdown", "--max-chars", "10000"], in: src)
        #expect(small.stdout.count <= 10_000)

        let out = w.url("parts")
        let split = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", "markdown", "--split", "--out", out.path], in: src)
        #expect(split.status == 1, "\(split.stderr)")
        let parts = split.stdout.split(separator: "\n").map(String.init)
        #expect(parts.count > 1)
        var shown = 0
        for (i, path) in parts.enumerated() {
            #expect(path.hasSuffix("gitops-weave-diff-\(i + 1).md"))
            let part = try String(contentsOfFile: path, encoding: .utf8)
            #expect(part.count <= 65_000)
            #expect(!part.contains("Truncated"))
            #expect(part.contains("_Part \(i + 1) of \(parts.count)._"))
            shown += part.components(separatedBy: "**added: ConfigMap/big").count - 1
        }
        #expect(shown == 120, "every resource appears in exactly one part")
    }

    @Test("secret values are redacted in every format")
    func secretsRedacted() throws {
        let w = try World()
        let src = try w.generatedSource(environments: 2)
        let secret = "hunter2-very-secret"
        let password = "s3cr3t-db-password"
        try w.write(src, "layers/app/resources/secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: creds
              namespace: default
            stringData:
              token: \(secret)
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
              namespace: default
            spec:
              template:
                spec:
                  containers:
                  - name: api
                    image: api:1
                    env:
                    - name: DB_PASSWORD
                      value: \(password)

            """)
        // The secret policy would stop these environments; this test is about what diff shows.
        for i in 1...2 {
            try w.write(src, "environments/e\(i).yaml", "layers: [app]\nallowPlaintextSecrets: \"redaction test data\"\nparameters:\n  value: v\(i)\n")
        }
        try w.commitAll(src, "Credentials")
        for format in ["text", "markdown", "json"] {
            let out = try weave(w, ["diff", "HEAD~1", "HEAD", "--format", format], in: src)
            #expect(out.status == 1, "\(out)")
            #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret), "\(format) leaks the Secret")
            #expect(!out.stdout.contains(password) && !out.stderr.contains(password), "\(format) leaks the env password")
            #expect(out.stdout.contains("<redacted "), "\(format)")
            #expect(out.stdout.contains("DB_PASSWORD"), "names stay visible")
        }
    }

    @Test("errors exit 1 and say what is wrong, with no raw libgit2 message")
    func errors() throws {
        let w = try World()
        let src = try w.bundledSource()
        let bad = try weave(w, ["diff", "no-such-revision"], in: src)
        #expect(bad.status == 1)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr == """
            error: "no-such-revision" is not a revision in this repository
              hint: expected a commit id, a branch, a tag or an expression such as HEAD~1; branches: main

            """)
        let typo = try weave(w, ["diff", "mian"], in: src)
        #expect(typo.stderr == "error: \"mian\" is not a revision in this repository\n  hint: did you mean main?\n")
        let json = try weave(w, ["diff", "no-such-revision", "--format", "json"], in: src)
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 1)
        #expect((object["diagnostics"] as? [[String: Any]])?.first?["message"] as? String == "\"no-such-revision\" is not a revision in this repository")

        // An environment where a revision goes: the filter to use instead.
        let env = try weave(w, ["diff", "HEAD", "dev-minio"], in: src)
        #expect(env.status == 1)
        #expect(env.stderr == "error: dev-minio is an environment, not a revision\n  hint: compare one environment with --env: gitops-weave diff HEAD --env dev-minio\n")
        let filtered = try weave(w, ["diff", "HEAD", "--env", "dev-minio"], in: src)
        #expect(filtered.status == 0, "\(filtered)")
        #expect(filtered.stdout == "no changes in 1 environment\n")
        let unknown = try weave(w, ["diff", "HEAD", "--env", "qa"], in: src)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("error: no environment named \"qa\" at either revision\n"), "\(unknown.stderr)")

        try w.write(src, "environments/dev-minio.yaml", "layers: [nope]\n")
        let broken = try weave(w, ["affected", "HEAD"], in: src)
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("environments/dev-minio.yaml:1:10: error: layer \"nope\" does not exist"), "\(broken.stderr)")
        let notRepo = try weave(w, ["diff"], in: w.url("out"))
        #expect(notRepo.status == 1)
        #expect(notRepo.stderr.hasPrefix("error: . is not in a git work tree, so there are no revisions to compare\n"), "\(notRepo.stderr)")
    }
}
