import Foundation
import Testing

/// Sources for `gitops-weave render`: the stack fixture of the Overlays tests, copied or
/// used in place, and small sources written on the fly.
enum RenderSources {
    static var stack: URL { CLI.repository.appendingPathComponent("Tests/OverlaysTests/Fixtures/sources/stack") }

    /// Writes a file under `root`, creating its directories.
    static func write(_ root: URL, _ path: String, _ text: String) throws {
        try FileTree.write(root, path, text)
    }

    /// A copy of the stack at `<scratch>/src`.
    static func copyStack(_ scratch: Scratch) throws -> URL {
        let src = scratch.url.appendingPathComponent("src")
        try FileManager.default.copyItem(at: stack, to: src)
        return src
    }

    /// A one-resource source at `<scratch>/src`: a project file with `bucket` (string,
    /// required) and `replicas` (int, default 1), `base/widget.yaml` holding `spec` from line
    /// 6, and `environments/test.yaml`.
    static func small(_ scratch: Scratch, spec: String, environment: String) throws -> URL {
        let src = scratch.url.appendingPathComponent("src")
        try write(src, "gitops-weave.yaml", """
            parameters:
              bucket:
                type: string
              replicas:
                type: int
                default: 1

            """)
        try write(src, "base/widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n" + spec)
        try write(src, "environments/test.yaml", environment)
        return src
    }

    static func entries(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    static let devFiles = [
        "application.argoproj.io_argocd_clickhouse-operator.yaml",
        "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml",
        "clickhousekeeperinstallation.clickhouse-keeper.altinity.com_clickhouse_wandb.yaml",
        "configmap_clickhouse_settings.yaml",
        "kustomization.yaml",
        "namespace_clickhouse.yaml",
        "namespace_wandb.yaml",
        "render-info.txt",
        "serviceaccount_clickhouse_clickhouse.yaml",
        "weightsandbiases.apps.wandb.com_wandb_wandb.yaml",
    ]
}

@Suite("gitops-weave render")
struct RenderCommandTests {
    typealias S = RenderSources

    /// A failed render: exit status 1, nothing rendered, and exactly these lines on stderr.
    func expectFailure(_ src: URL, _ arguments: [String] = ["test"], stderr: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(["render"] + arguments, in: src)
        #expect(r.status == 1, "exit status \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "stdout: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr == stderr, sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out/test").path), sourceLocation: sourceLocation)
    }

    // MARK: Rendering

    @Test("--all renders every environment into --out, exit 0")
    func all() throws {
        let dir = try Scratch()
        let out = dir.url.appendingPathComponent("out")
        let r = try CLI.run(["render", "--all", "--source", S.stack.path, "--out", out.path], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout == "rendered dev: 8 resources in \(out.path)/dev\nrendered prod: 8 resources in \(out.path)/prod\n")
        #expect(S.entries(out) == ["dev", "prod"])
        #expect(S.entries(out.appendingPathComponent("dev")) == S.devFiles)
        #expect(S.entries(out.appendingPathComponent("prod")) == S.devFiles)
        let info = try String(contentsOf: out.appendingPathComponent("prod/render-info.txt"), encoding: .utf8)
        #expect(info.contains("\nenvironment: prod\n"))
        #expect(info.contains("\nlayers: base, extras, keeper-ha, ha\n"))
        let chi = try String(contentsOf: out.appendingPathComponent("prod/" + S.devFiles[1]), encoding: .utf8)
        #expect(chi.contains("  - host: chk-wandb-keeper-0-2.clickhouse.svc.cluster.local\n"))
        // The fixture itself is left alone.
        #expect(!FileManager.default.fileExists(atPath: S.stack.appendingPathComponent("out").path))
    }

    @Test("named environments render alone; the default output is the project's output.directory")
    func named() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        let r = try CLI.run(["render", "prod"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "rendered prod: 8 resources in ./out/prod\n")
        #expect(S.entries(src.appendingPathComponent("out")) == ["prod"])
    }

    @Test("the output is byte-identical across runs")
    func deterministic() throws {
        let dir = try Scratch()
        let a = dir.url.appendingPathComponent("a"), b = dir.url.appendingPathComponent("b")
        for out in [a, b] {
            let r = try CLI.run(["render", "--all", "--source", S.stack.path, "--out", out.path], in: dir.url)
            #expect(r.status == 0, "\(r.stderr)")
        }
        for env in ["dev", "prod"] {
            for file in S.devFiles {
                let x = try Data(contentsOf: a.appendingPathComponent("\(env)/\(file)"))
                let y = try Data(contentsOf: b.appendingPathComponent("\(env)/\(file)"))
                #expect(x == y, "\(env)/\(file) differs between the two runs:\n\(GoldenDiff.unified(expected: String(decoding: x, as: UTF8.self), actual: String(decoding: y, as: UTF8.self), name: "\(env)/\(file)"))")
            }
        }
    }

    @Test("an output path that is a file: each environment's error names the directory it could not make, exit 1, nothing written")
    func outputIsAFile() throws {
        let dir = try Scratch()
        let out = dir.url.appendingPathComponent("out")
        try "not a directory\n".write(to: out, atomically: false, encoding: .utf8)
        let r = try CLI.run(["render", "--all", "--source", S.stack.path, "--out", out.path], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stdout == "")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        // Each error names the environment it belongs to.
        #expect(lines.count == 4, "\(r.stderr)")
        #expect(lines[1] == "  in: dev" && lines[3] == "  in: prod", "\(r.stderr)")
        for (line, env) in zip([lines[0], lines[2]], ["dev", "prod"]) {
            #expect(line.hasPrefix("error: mkdir \(out.path)/.\(env).gitops-weave-"), "\(line)")
            #expect(line.hasSuffix(" failed: Not a directory"), "\(line)")
        }
        #expect(try String(contentsOf: out, encoding: .utf8) == "not a directory\n")
    }

    @Test("a file in the way of an environment's directory is replaced atomically by the rendered tree")
    func fileInTheWay() throws {
        let dir = try Scratch()
        let out = dir.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "in the way\n".write(to: out.appendingPathComponent("dev"), atomically: false, encoding: .utf8)
        let r = try CLI.run(["render", "dev", "--source", S.stack.path, "--out", out.path], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(S.entries(out.appendingPathComponent("dev")) == S.devFiles)
        #expect(S.entries(out) == ["dev"])
    }

    @Test("an error in one environment: the others are still written, exit 1")
    func partialFailure() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        try S.write(src, "environments/broken.yaml", "layers: [extras, nope]\nparameters: {bucket: b, wandbHost: h}\n")
        try S.write(src, "out/broken/stale.yaml", "stale\n")
        let r = try CLI.run(["render", "--all"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr == """
            environments/broken.yaml:1:18: error: layer "nope" does not exist
              hint: layers are directories under layers/; there are: extras, ha, keeper-ha
              in: broken

            """)
        #expect(r.stdout == "rendered dev: 8 resources in ./out/dev\nrendered prod: 8 resources in ./out/prod\n")
        #expect(S.entries(src.appendingPathComponent("out/dev")) == S.devFiles)
        #expect(S.entries(src.appendingPathComponent("out/prod")) == S.devFiles)
        // The failed environment's previous output is not touched.
        #expect(S.entries(src.appendingPathComponent("out/broken")) == ["stale.yaml"])
    }

    @Test("--format json prints rendered, diagnostics and errors; diagnostics carry file, line, column and message")
    func json() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        try S.write(src, "environments/broken.yaml", "layers: [extras, nope]\nparameters: {bucket: b, wandbHost: h}\n")
        let r = try CLI.run(["render", "--all", "--format", "json", "--out", "out"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["rendered", "diagnostics", "errors"])
        #expect(object["errors"] as? Int == 1)
        let rendered = try #require(object["rendered"] as? [[String: Any]])
        #expect(rendered.map { $0["environment"] as? String } == ["dev", "prod"])
        #expect(rendered.map { $0["resources"] as? Int } == [8, 8])
        #expect(rendered.map { $0["directory"] as? String } == ["out/dev", "out/prod"])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        try #require(diagnostics.count == 1)
        let d = diagnostics[0]
        #expect(d["severity"] as? String == "error")
        #expect(d["file"] as? String == "environments/broken.yaml")
        #expect(d["line"] as? Int == 1)
        #expect(d["column"] as? Int == 18)
        #expect(d["message"] as? String == "layer \"nope\" does not exist")
        #expect(d["hint"] as? String == "layers are directories under layers/; there are: extras, ha, keeper-ha")
        #expect(d["environments"] as? [String] == ["broken"])
        #expect(S.entries(src.appendingPathComponent("out")) == ["dev", "prod"])
    }

    @Test("--format json on success: no errors, a warning is a diagnostic")
    func jsonWarning() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n", environment: "parameters:\n  bucket: b\n  replicas: 2\n")
        let r = try CLI.run(["render", "--all", "--format", "json"], in: src)
        #expect(r.status == 0, "\(r.stdout)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 0)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.map { $0["severity"] as? String } == ["warning"])
        #expect(diagnostics.map { $0["line"] as? Int } == [3])
        #expect(diagnostics.map { $0["column"] as? Int } == [13])
    }

    @Test("no progress escape codes when stderr is not a terminal")
    func noProgressCodes() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        let ok = try CLI.run(["render", "--all"], in: src)
        #expect(ok.status == 0)
        #expect(!ok.stderr.contains("\u{1B}"))
        #expect(!ok.stdout.contains("\u{1B}"))
        #expect(!ok.stderr.contains("\r"))
        try S.write(src, "environments/broken.yaml", "layers: [nope]\n")
        let failed = try CLI.run(["render", "--all"], in: src)
        #expect(failed.status == 1)
        #expect(!failed.stderr.contains("\u{1B}"))
        #expect(!failed.stderr.contains("\r"))
    }

    @Test("a warning is printed and the render still succeeds")
    func warning() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n", environment: "parameters:\n  bucket: b\n  replicas: 2\n")
        let r = try CLI.run(["render", "test"], in: src)
        #expect(r.status == 0)
        #expect(r.stderr == """
            environments/test.yaml:3:13: warning: parameter "replicas" is set, but nothing in the base uses it
              hint: remove the value, or use ${replicas} where it belongs

            """)
        #expect(r.stdout == "rendered test: 1 resources in ./out/test\n")
    }

    // MARK: Usage

    @Test("neither names nor --all renders every environment, as validate, check and publish do")
    func nothingNamedMeansAll() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        let r = try CLI.run(["render"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "rendered dev: 8 resources in ./out/dev\nrendered prod: 8 resources in ./out/prod\n")
        #expect(S.entries(src.appendingPathComponent("out")) == ["dev", "prod"])
    }

    @Test("--env selects environments like the arguments do, repeated or comma-separated")
    func envOption() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        let r = try CLI.run(["render", "--env", "prod,dev", "--env", "prod"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "rendered prod: 8 resources in ./out/prod\nrendered dev: 8 resources in ./out/dev\n")
    }

    @Test("names and --all together: a usage error")
    func namesAndAll() throws {
        let dir = try Scratch()
        let r = try CLI.run(["render", "dev", "--all", "--source", S.stack.path, "--out", dir.url.path], in: dir.url)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: name environments or pass --all, not both\n  hint: usage: gitops-weave render [<environments> ...] [--env <NAME> ...] [--all]"), "\(r.stderr)")
        #expect(r.stderr.hasSuffix(" (see --help)\n"), "\(r.stderr)")
        #expect(S.entries(dir.url).isEmpty)
    }

    @Test("an environment that does not exist")
    func unknownEnvironment() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        let r = try CLI.run(["render", "staging"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr == "error: no environment named \"staging\" in environments/\n  hint: environments: dev, prod\n")
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out").path))
        let close = try CLI.run(["render", "--env", "prd"], in: src)
        #expect(close.status == 1)
        #expect(close.stderr == "error: no environment named \"prd\" in environments/\n  hint: did you mean prod?\n")
    }

    @Test("not a gitops-weave source")
    func notASource() throws {
        let dir = try Scratch()
        let r = try CLI.run(["render", "--all"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr == "error: no gitops-weave.yaml in .: this is not a gitops-weave source\n  hint: run in the source's root, or pass --source DIR\n")
    }

    // MARK: Error classes

    @Test("an undeclared placeholder in a base file")
    func undeclaredPlaceholder() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n  size: ${nope}\n", environment: "parameters:\n  bucket: b\n")
        try expectFailure(src, stderr: """
            base/widget.yaml:7:9: error: undeclared parameter "nope"
              hint: declare it under parameters: in gitops-weave.yaml

            """)
    }

    @Test("an environment setting an undeclared parameter")
    func undeclaredInEnvironment() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n", environment: "parameters:\n  bucket: b\n  replica: 3\n")
        try expectFailure(src, stderr: """
            environments/test.yaml:3:12: error: undeclared parameter "replica"
              hint: did you mean "replicas"? Or declare it under parameters: in gitops-weave.yaml

            """)
    }

    @Test("a required parameter without a value")
    func missingParameter() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n", environment: "description: no bucket\n")
        try expectFailure(src, stderr: """
            base/widget.yaml:6:11: error: parameter "bucket" has no value: environments/test.yaml does not set it and it has no default
              hint: set bucket under parameters: in environments/test.yaml, or give it a default at gitops-weave.yaml:2:3

            """)
    }

    @Test("a value of the wrong type")
    func wrongType() throws {
        let dir = try Scratch()
        let src = try S.small(dir, spec: "  bucket: ${bucket}\n  replicas: ${replicas}\n", environment: "parameters:\n  bucket: b\n  replicas: \"3\"\n")
        try expectFailure(src, stderr: """
            environments/test.yaml:3:13: error: parameter "replicas" expects an int, not a string
              hint: replicas is declared as int at gitops-weave.yaml:4:3

            """)
    }

    @Test("a layer that does not exist, with a close name")
    func missingLayer() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        try S.write(src, "environments/test.yaml", "layers: [extra]\nparameters: {bucket: b, wandbHost: h}\n")
        try expectFailure(src, stderr: """
            environments/test.yaml:1:10: error: layer "extra" does not exist
              hint: did you mean "extras"? layers are directories under layers/

            """)
    }

    @Test("a Keeper host that disagrees with the derived one")
    func wrongKeeperHost() throws {
        let dir = try Scratch()
        let src = try S.copyStack(dir)
        try S.write(src, "layers/pinned/patches/clickhouse.yaml", """
            apiVersion: clickhouse.altinity.com/v1
            kind: ClickHouseInstallation
            metadata: {name: wandb, namespace: clickhouse}
            spec:
              configuration:
                zookeeper:
                  nodes:
                  - host: keeper.clickhouse.svc.cluster.local
                    port: 2181

            """)
        try S.write(src, "environments/test.yaml", "layers: [pinned]\nparameters: {bucket: b, wandbHost: h}\n")
        try expectFailure(src, stderr: """
            layers/pinned/patches/clickhouse.yaml:8:15: error: Keeper host "keeper.clickhouse.svc.cluster.local" matches no replica of ClickHouseKeeperInstallation/wandb (cluster keeper, 1 replica at base/c-keeper.yaml:11:24) [keeper-nodes]
              hint: remove zookeeper.nodes and gitops-weave derives them; the hosts are chk-wandb-keeper-0-0.clickhouse.svc.cluster.local

            """)
    }
}
