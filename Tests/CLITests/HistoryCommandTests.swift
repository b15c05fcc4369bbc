import Foundation
import Testing

/// `gitops-weave history` on rendered branches built by `publish` from several source
/// commits by different people, checked against what the `git` CLI says.
@Suite("gitops-weave history", .enabled(if: ExternalTool.hasGit, "the git CLI is needed to build the repositories"))
struct HistoryCommandTests {
    typealias World = GitWorld
    static let replicas = "spec.configuration.clusters[name=weavecluster].layout.replicasCount"
    static let bot = "Release Bot <bot@example.com>"

    struct Person {
        var name: String
        var email: String
        /// When this person's source commit was written: days before it was published.
        var date = "2026-11-30T09:15:00Z"
        var signature: String { "\(name) <\(email)>" }
    }

    static let alice = Person(name: "Alice Admin", email: "alice@example.com")
    static let bob = Person(name: "Bob Builder", email: "bob@example.com", date: "2026-11-30T10:30:00Z")
    static let carol = Person(name: "Carol Coder", email: "carol@example.com", date: "2026-11-30T11:45:00Z")
    static let sourceAuthor = "\(GitWorld.sourceAuthor.name) <\(GitWorld.sourceAuthor.email)>"

    /// A source with the bundled stack, published, then three commits by three people, each
    /// published by a release bot.
    struct Story {
        let world: World
        let src: URL
        /// Source commits: the initial one, then Alice's, Bob's and Carol's.
        let initial: String, alice: String, bob: String, carol: String
        /// Rendered commits, same order.
        let renderedInitial: String, renderedAlice: String, renderedBob: String, renderedCarol: String
    }

    func publish(_ w: World, _ arguments: [String], in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = try w.weave(["publish"] + arguments, in: dir)
        try #require(out.status == 0, "\(out)", sourceLocation: sourceLocation)
    }

    func commit(_ w: World, _ dir: URL, by person: Person, _ message: String) throws -> String {
        try w.git("add", "-A", in: dir)
        try w.git("commit", "-q", "-m", message, in: dir, environment: [
            "GIT_AUTHOR_NAME": person.name, "GIT_AUTHOR_EMAIL": person.email, "GIT_AUTHOR_DATE": person.date,
            "GIT_COMMITTER_NAME": person.name, "GIT_COMMITTER_EMAIL": person.email,
        ])
        return try w.git("rev-parse", "HEAD", in: dir)
    }

    func edit(_ w: World, _ dir: URL, _ path: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
        try #require(text.contains(old), "\(path) has no \(old)", sourceLocation: sourceLocation)
        try w.write(dir, path, text.replacingOccurrences(of: old, with: new))
    }

    func story(layout: String = "directory") throws -> Story {
        let w = try World()
        let src = try w.bundledSource()
        let layoutArgs = ["--layout", layout]
        let initial = try w.git("rev-parse", "HEAD", in: src)
        try publish(w, ["--all"] + layoutArgs, in: src)
        let ref = { (env: String) in layout == "directory" ? "rendered" : "env/\(env)" }
        let renderedInitial = try w.git("rev-parse", ref("prod-aws"), in: src)

        // Alice: the prod tier goes from 3 to 5 ClickHouse replicas (prod-aws and prod-openshift-minio).
        try edit(w, src, "layers/prod/patches/clickhouse.yaml", "replicasCount: 3", "replicasCount: 5")
        let alice = try commit(w, src, by: Self.alice, "prod: 5 ClickHouse replicas")
        try publish(w, ["--all", "--author", Self.bot] + layoutArgs, in: src)
        let renderedAlice = try w.git("rev-parse", ref("prod-aws"), in: src)

        // Bob: prod-aws's W&B host (the WeightsAndBiases resource, not ClickHouse).
        try edit(w, src, "environments/prod-aws.yaml", "wandbHost: https://wandb.example.com", "wandbHost: https://weave.example.com")
        let bob = try commit(w, src, by: Self.bob, "prod-aws: new host")
        try publish(w, ["--all", "--author", Self.bot] + layoutArgs, in: src)
        let renderedBob = try w.git("rev-parse", ref("prod-aws"), in: src)

        // Carol: dev only.
        try edit(w, src, "environments/dev-minio.yaml", "cacheMaxSize: 8Gi", "cacheMaxSize: 7Gi")
        let carol = try commit(w, src, by: Self.carol, "dev: smaller cache")
        try publish(w, ["--all", "--author", Self.bot] + layoutArgs, in: src)
        let renderedCarol = try w.git("rev-parse", ref("dev-minio"), in: src)

        return Story(world: w, src: src, initial: initial, alice: alice, bob: bob, carol: carol,
                     renderedInitial: renderedInitial, renderedAlice: renderedAlice, renderedBob: renderedBob, renderedCarol: renderedCarol)
    }

    func history(_ s: Story, _ arguments: [String]) throws -> Output {
        try s.world.weave(["history"] + arguments, in: s.src)
    }

    func historyJSON(_ s: Story, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let out = try history(s, arguments + ["--format", "json"])
        try #require(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out)",
                                  sourceLocation: sourceLocation)
        return try #require(object["commits"] as? [[String: Any]], "\(out)", sourceLocation: sourceLocation)
    }

    /// The header lines of text output (one per commit), split into fields.
    static func headers(_ out: Output) -> [[String]] {
        out.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map {
            $0.components(separatedBy: "  ")
        }
    }

    static let isoDate = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/#

    @Test("who changed prod's ClickHouse replicas, when, and from which source commit")
    func replicaChange() throws {
        let s = try story()
        let out = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb", "--field", Self.replicas])
        #expect(out.status == 0, "\(out)")
        let headers = Self.headers(out)
        // Alice's change, then the commit that created the environment; Bob's (another
        // resource) and Carol's (another environment) are not listed.
        #expect(headers.count == 2, "\(out)")
        #expect(headers.first == [headers.first?[0] ?? "", String(s.renderedAlice.prefix(7)), "source \(s.alice.prefix(7)) of \(Self.alice.date)", Self.alice.signature], "\(out)")
        #expect(headers.first.map { $0[0].wholeMatch(of: Self.isoDate) != nil } == true, "\(out)")
        #expect(out.stdout.contains("  ~ ClickHouseInstallation/wandb (namespace clickhouse)\n    \(Self.replicas): 3 → 5\n"), "\(out)")
        #expect(headers.last?[1] == String(s.renderedInitial.prefix(7)), "\(out)")
        #expect(headers.last?[3] == Self.sourceAuthor, "\(out)")
        #expect(out.stdout.contains("\(Self.replicas): (absent) → 3\n"), "\(out)")
        // The date is the rendered commit's, as git reports it.
        let gitDate = try s.world.git("log", "-1", "--format=%ct", s.renderedAlice, in: s.src)
        let formatter = ISO8601DateFormatter()
        #expect(headers.first.flatMap { formatter.date(from: $0[0]) }.map { Int($0.timeIntervalSince1970) } == Int(gitDate), "\(out)")

        // The other prod environment got the same change from the same source commit.
        let openshift = try history(s, ["prod-openshift-minio", "--resource", "ClickHouseInstallation/wandb", "--field", Self.replicas, "--limit", "1"])
        #expect(openshift.status == 0, "\(openshift)")
        #expect(openshift.stdout.contains("source \(s.alice.prefix(7)) of \(Self.alice.date)  \(Self.alice.signature)"), "\(openshift)")
        #expect(openshift.stdout.contains(": 3 → 5\n"), "\(openshift)")
        #expect(Self.headers(openshift).count == 1, "\(openshift)")
    }

    @Test("every commit that changed the environment, newest first, with what it changed; other environments' commits are left out")
    func wholeEnvironment() throws {
        let s = try story()
        let out = try history(s, ["prod-aws"])
        #expect(out.status == 0, "\(out)")
        let headers = Self.headers(out)
        #expect(headers.map { $0[1] } == [s.renderedBob, s.renderedAlice, s.renderedInitial].map { String($0.prefix(7)) }, "\(out)")
        let initialDate = try s.world.git("log", "-1", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", "--format=%ad", s.initial, in: s.src, environment: ["TZ": "UTC"])
        #expect(headers.map { $0[2] } == ["source \(s.bob.prefix(7)) of \(Self.bob.date)", "source \(s.alice.prefix(7)) of \(Self.alice.date)",
                                          "source \(s.initial.prefix(7)) of \(initialDate)"], "\(out)")
        #expect(headers.map { $0[3] } == [Self.bob.signature, Self.alice.signature, Self.sourceAuthor], "\(out)")
        #expect(out.stdout.contains("  ~ WeightsAndBiases/wandb (namespace wandb)\n"), "\(out)")
        #expect(out.stdout.contains("  new environment\n"), "\(out)")
        #expect(out.stdout.contains("  + Namespace/clickhouse\n"), "\(out)")
        #expect(!out.stdout.contains(String(s.renderedCarol.prefix(7))), "\(out)")

        // git agrees: the commits touching prod-aws/ on the first-parent line.
        let git = try s.world.gitLines("log", "--first-parent", "--format=%H", "rendered", "--", "prod-aws", in: s.src)
        #expect(git == [s.renderedBob, s.renderedAlice, s.renderedInitial])

        // dev-minio: Carol's change, credited through Co-authored-by.
        let dev = try history(s, ["dev-minio"])
        #expect(Self.headers(dev).map { $0[3] } == [Self.carol.signature, Self.sourceAuthor], "\(dev)")
        #expect(dev.stdout.contains("  ~ ClickHouseInstallation/wandb (namespace clickhouse)\n"), "\(dev)")

        // --limit keeps the newest.
        let one = try history(s, ["prod-aws", "--limit", "1"])
        #expect(Self.headers(one).map { $0[1] } == [String(s.renderedBob.prefix(7))], "\(one)")
    }

    @Test("--resource keeps the commits that changed that resource; the kind matches case-insensitively")
    func resourceFilter() throws {
        let s = try story()
        let wandb = try history(s, ["prod-aws", "--resource", "WeightsAndBiases/wandb"])
        #expect(wandb.status == 0, "\(wandb)")
        #expect(Self.headers(wandb).map { $0[1] } == [s.renderedBob, s.renderedInitial].map { String($0.prefix(7)) }, "\(wandb)")
        // Only the selected resource is listed, even for the commit that created everything.
        #expect(wandb.stdout.split(separator: "\n").filter { $0.hasPrefix("  + ") || $0.hasPrefix("  ~ ") }
                == ["  ~ WeightsAndBiases/wandb (namespace wandb)", "  + WeightsAndBiases/wandb (namespace wandb)"], "\(wandb)")

        let chi = try history(s, ["prod-aws", "--resource", "clickhouseinstallation/wandb"])
        #expect(Self.headers(chi).map { $0[1] } == [s.renderedAlice, s.renderedInitial].map { String($0.prefix(7)) }, "\(chi)")
        // kubectl's short names, as kubectl accepts them.
        let short = try history(s, ["prod-aws", "--resource", "chi/wandb"])
        #expect(short.status == 0, "\(short)")
        #expect(short.stdout == chi.stdout, "\(short)")
        let ns = try history(s, ["prod-aws", "--resource", "ns/wandb"])
        #expect(Self.headers(ns).map { $0[1] } == [String(s.renderedInitial.prefix(7))], "\(ns)")
        let namespaced = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/clickhouse/wandb"])
        #expect(Self.headers(namespaced).map { $0[1] } == Self.headers(chi).map { $0[1] }, "\(namespaced)")
        let namespace = try history(s, ["prod-aws", "--resource", "Namespace/wandb"])
        #expect(Self.headers(namespace).map { $0[1] } == [String(s.renderedInitial.prefix(7))], "\(namespace)")

        // A field that did not change since the environment was created.
        let shards = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb",
                                     "--field", "spec.configuration.clusters[name=weavecluster].layout.shardsCount"])
        #expect(Self.headers(shards).map { $0[1] } == [String(s.renderedInitial.prefix(7))], "\(shards)")
        #expect(shards.stdout.contains(": (absent) → 1\n"), "\(shards)")
        // Lists and maps print compactly.
        let layout = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb",
                                     "--field", "spec.configuration.clusters[name=weavecluster].layout", "--limit", "1"])
        #expect(layout.stdout.contains(": {shardsCount: 1, replicasCount: 3} → {shardsCount: 1, replicasCount: 5}\n"), "\(layout)")
    }

    @Test("JSON: full ids, ISO 8601 dates, source commit and author, resources and field values")
    func json() throws {
        let s = try story()
        let commits = try historyJSON(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb", "--field", Self.replicas])
        #expect(commits.count == 2)
        let first = try #require(commits.first)
        #expect(first["commit"] as? String == s.renderedAlice)
        #expect(first["sourceCommit"] as? String == s.alice)
        #expect((first["sourceAuthor"] as? [String: String]) == ["name": Self.alice.name, "email": Self.alice.email])
        // The source commit's author date, besides the publish date.
        #expect(first["sourceDate"] as? String == Self.alice.date)
        #expect(first["date"] as? String != Self.alice.date)
        #expect((first["author"] as? [String: String]) == ["name": "Release Bot", "email": "bot@example.com"])
        #expect((first["date"] as? String).map { $0.wholeMatch(of: Self.isoDate) != nil } == true)
        #expect(first["environmentChange"] as? String == "changed")
        let field = try #require((first["fields"] as? [[String: Any]])?.first)
        #expect(field["before"] as? String == "3")
        #expect(field["after"] as? String == "5")
        #expect(field["path"] as? String == Self.replicas)
        #expect(field["kind"] as? String == "ClickHouseInstallation")
        #expect(field["namespace"] as? String == "clickhouse")
        let last = try #require(commits.last)
        #expect(last["commit"] as? String == s.renderedInitial)
        #expect(last["environmentChange"] as? String == "created")
        #expect((last["fields"] as? [[String: Any]])?.first?["before"] is NSNull)

        let all = try historyJSON(s, ["prod-aws"])
        #expect(all.map { $0["commit"] as? String } == [s.renderedBob, s.renderedAlice, s.renderedInitial])
        #expect(all.map { $0["sourceCommit"] as? String } == [s.bob, s.alice, s.initial])
        let bobResources = try #require(all.first?["resources"] as? [[String: Any]])
        #expect(bobResources.map { "\($0["change"] ?? "") \($0["kind"] ?? "")/\($0["name"] ?? "")" } == ["changed WeightsAndBiases/wandb"])
        #expect((all.last?["resources"] as? [[String: Any]])?.count ?? 0 > 5)
        #expect(all.allSatisfy { $0["fields"] == nil })
    }

    @Test("branch layout: the history of env/<name>")
    func branchLayout() throws {
        let s = try story(layout: "branch")
        let out = try history(s, ["prod-aws", "--layout", "branch", "--resource", "ClickHouseInstallation/wandb", "--field", Self.replicas])
        #expect(out.status == 0, "\(out)")
        #expect(Self.headers(out).map { $0[1] } == [s.renderedAlice, s.renderedInitial].map { String($0.prefix(7)) }, "\(out)")
        #expect(out.stdout.contains(": 3 → 5\n"), "\(out)")
        let unknown = try history(s, ["prod-nowhere", "--layout", "branch"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("there is no branch env/prod-nowhere"), "\(unknown)")
    }

    @Test("errors exit 1 with a clear message (2 for usage errors): unknown environment, --field without --resource, bad field path, unknown resource, no branch")
    func errors() throws {
        let s = try story()
        let unknown = try history(s, ["prod-nowhere"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("error: environment prod-nowhere was never rendered on branch rendered"), "\(unknown)")
        #expect(unknown.stderr.contains("dev-minio, prod-aws, prod-openshift-minio, staging-gcs"), "\(unknown)")

        let noResource = try history(s, ["prod-aws", "--field", Self.replicas])
        #expect(noResource.status == 2, "\(noResource)")
        #expect(noResource.stderr.contains("--field needs --resource"), "\(noResource)")

        for bad in ["spec..layout", "spec.clusters[name=weavecluster", "spec.clusters[x]"] {
            let out = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb", "--field", bad])
            #expect(out.status == 1, "\(out)")
            #expect(out.stderr.contains("cannot read field path \"\(bad)\""), "\(out)")
            #expect(out.stdout.isEmpty, "\(out)")
        }

        let badResource = try history(s, ["prod-aws", "--resource", "wandb"])
        #expect(badResource.status == 1, "\(badResource)")
        #expect(badResource.stderr.contains("cannot read resource \"wandb\""), "\(badResource)")

        let missing = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/nope"])
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("prod-aws never had a resource ClickHouseInstallation/nope"), "\(missing)")

        let limit = try history(s, ["prod-aws", "--limit", "0"])
        #expect(limit.status == 2, "\(limit)")
        #expect(limit.stderr.hasPrefix("error: --limit must be at least 1, not 0\n  hint: usage: gitops-weave history <environment>"), "\(limit)")

        let noBranch = try history(s, ["prod-aws", "--branch", "elsewhere"])
        #expect(noBranch.status == 1, "\(noBranch)")
        #expect(noBranch.stderr.contains("branch elsewhere does not exist"), "\(noBranch)")

        // A path that never matches is not an error, but says so.
        let nothing = try history(s, ["prod-aws", "--resource", "ClickHouseInstallation/wandb", "--field", "spec.nothing.here"])
        #expect(nothing.status == 0, "\(nothing)")
        #expect(nothing.stdout.hasPrefix("no commit on branch rendered changed prod-aws"), "\(nothing)")
        #expect(nothing.stderr.contains("warning: spec.nothing.here matched nothing"), "\(nothing)")
    }

    @Test("secret values are never printed: Secrets and password- or token-like keys show <redacted>")
    func redaction() throws {
        let w = try World()
        let src = try w.initRepository("src")
        try w.write(src, "gitops-weave.yaml", "parameters:\n  password:\n    type: string\n  mode:\n    type: string\n")
        try w.write(src, "layers/app/resources/app.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: app-credentials
              namespace: default
            type: Opaque
            stringData:
              username: admin
              password: ${password}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app
              namespace: default
            data:
              user: admin
              apiToken: ${password}
              mode: ${mode}

            """)
        try w.write(src, "environments/e1.yaml", "layers: [app]\nallowPlaintextSecrets: \"redaction test data\"\nparameters:\n  password: hunter2-old\n  mode: fast\n")
        try w.commitAll(src, "An app")
        try publish(w, ["--all"], in: src)
        try w.write(src, "environments/e1.yaml", "layers: [app]\nallowPlaintextSecrets: \"redaction test data\"\nparameters:\n  password: hunter2-new\n  mode: slow\n")
        try w.commitAll(src, "Rotate")
        try publish(w, ["--all"], in: src)
        // The values are on the branch, so redaction is what keeps them out of the output.
        #expect(try w.git("show", "rendered:e1/secret_default_app-credentials.yaml", in: src).contains("hunter2-new"))

        func run(_ arguments: [String]) throws -> Output {
            let out = try w.weave(["history", "e1"] + arguments, in: src)
            #expect(out.status == 0, "\(out)")
            #expect(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"), "\(out)")
            return out
        }
        let secret = try run(["--resource", "Secret/app-credentials", "--field", "stringData.password"])
        #expect(secret.stdout.contains("stringData.password: <redacted> → <redacted>\n"), "\(secret)")
        #expect(secret.stdout.contains("stringData.password: (absent) → <redacted>\n"), "\(secret)")
        // Everything in a Secret, even what does not look secret.
        let username = try run(["--resource", "Secret/app-credentials", "--field", "stringData.username"])
        #expect(username.stdout.contains("stringData.username: (absent) → <redacted>\n"), "\(username)")
        let token = try run(["--resource", "ConfigMap/app", "--field", "data.apiToken"])
        #expect(token.stdout.contains("data.apiToken: <redacted> → <redacted>\n"), "\(token)")
        let data = try run(["--resource", "ConfigMap/app", "--field", "data", "--limit", "1"])
        #expect(data.stdout.contains("data: {user: admin, apiToken: <redacted>, mode: fast} → {user: admin, apiToken: <redacted>, mode: slow}\n"), "\(data)")
        let mode = try run(["--resource", "ConfigMap/app", "--field", "data.mode", "--limit", "1"])
        #expect(mode.stdout.contains("data.mode: fast → slow\n"), "\(mode)")
        _ = try run(["--resource", "Secret/app-credentials", "--field", "stringData", "--format", "json"])
        _ = try run(["--resource", "ConfigMap/app", "--field", "data", "--format", "json"])
        _ = try run([])
    }
}
