import Foundation
import Testing

/// The `gitops-weave` binary built beside this test bundle.
enum CLI {
    static let repository = RepositoryPaths.repository

    static var binary: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        // On some platforms the runner sits inside an .xctest bundle.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gitops-weave").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("gitops-weave")
    }

    typealias Result = ProcessOutput

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        try ProcessRunner.run(binary, arguments, in: directory ?? repository)
    }

    static func golden(_ name: String) throws -> String {
        let url = Bundle.module.url(forResource: "Golden", withExtension: nil)!.appendingPathComponent(name)
        return try String(contentsOf: url, encoding: .utf8)
    }
}

let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: prod
    spec:
      replicas: 1
      template:
        spec:
          containers:
          - name: app
            image: app:1

    """

@Suite("gitops-weave merge")
struct MergeCommandTests {
    @Test("merges the bundled example exactly as the golden file says")
    func example() throws {
        let r = try CLI.run(["merge", "examples/merge/clickhouse.yaml", "examples/merge/prod.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let golden = try CLI.golden("merge-prod.yaml")
        #expect(r.stdout == golden, "the output differs from Golden/merge-prod.yaml:\n\(GoldenDiff.unified(expected: golden, actual: r.stdout, name: "merge-prod.yaml"))")
    }

    @Test("the output is byte-identical across runs")
    func deterministic() throws {
        let a = try CLI.run(["merge", "examples/merge/clickhouse.yaml", "examples/merge/prod.yaml"])
        let b = try CLI.run(["merge", "examples/merge/clickhouse.yaml", "examples/merge/prod.yaml"])
        #expect(a.stdout == b.stdout)
    }

    /// Bad input: one `file:line:col: error:` line, exit status 1, nothing on stdout.
    func expectError(_ files: [String: String], args: [String], headline: String, sourceLine: Bool = true) throws {
        let dir = try Scratch()
        for (name, text) in files { try dir.write(name, text) }
        let r = try CLI.run(["merge"] + args, in: dir.url)
        #expect(r.status == 1, "exit status \(r.status), stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.first.map(String.init) == headline, "stderr was: \(r.stderr)")
        #expect(lines.filter { $0.contains("error:") }.count == 1)
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test("malformed YAML")
    func malformed() throws {
        try expectError(["b.yaml": deployment, "p.yaml": "apiVersion: apps/v1\nkind: [Deployment\n"],
                        args: ["b.yaml", "p.yaml"],
                        headline: "p.yaml:3:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence (which started at line 2, column 7)")
    }

    @Test("a document that is not a mapping")
    func notAMapping() throws {
        try expectError(["b.yaml": deployment + "---\n- just\n- a list\n", "p.yaml": ""],
                        args: ["b.yaml", "p.yaml"],
                        headline: "b.yaml:14:1: error: a resource document must be a mapping (a Kubernetes object), not a list")
    }

    @Test("a duplicate key names both positions")
    func duplicateKey() throws {
        try expectError(["b.yaml": deployment, "p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  name: api\n"],
                        args: ["b.yaml", "p.yaml"],
                        headline: "p.yaml:5:3: error: duplicate key \"name\"; first defined at p.yaml:4:3")
    }

    @Test("an alias bomb fails fast")
    func aliasBomb() throws {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].enumerated() {
            let previous = i == 0 ? "a" : ["b", "c", "d", "e", "f", "g", "h", "i"][i - 1]
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let dir = try Scratch()
        try dir.write("bomb.yaml", bomb)
        try dir.write("p.yaml", "")
        let started = Date()
        let r = try CLI.run(["merge", "bomb.yaml", "p.yaml"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("bomb.yaml:"))
        #expect(r.stderr.contains("error: aliases expand to more than"))
        // Not a timing assertion on speed: only that it did not expand the bomb (minutes).
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test("a patch with no target")
    func noTarget() throws {
        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n"
        try expectError(["b.yaml": deployment, "p.yaml": patch], args: ["b.yaml", "p.yaml"],
                        headline: "p.yaml:1:1: error: patch matches no resource: Deployment/api in group \"apps\"")
    }

    @Test("a rejected patch points at the directive")
    func rejectedPatch() throws {
        let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      $patch: merge\n"
        try expectError(["b.yaml": deployment, "p.yaml": patch], args: ["b.yaml", "p.yaml"],
                        headline: "p.yaml:8:15: error: \"$patch: merge\" is not allowed in a mapping (at spec.template.spec)")
    }

    @Test("a missing file")
    func missingFile() throws {
        let dir = try Scratch()
        let r = try CLI.run(["merge", "nope.yaml"], in: dir.url)
        #expect(r.status == 1)
        #expect(r.stderr == "error: no such file: nope.yaml\n")
    }

    @Test("several patch documents in one file apply in order; a root $patch: delete removes the resource")
    func orderAndDelete() throws {
        let dir = try Scratch()
        try dir.write("b.yaml", deployment + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\ndata:\n  a: \"1\"\n")
        try dir.write("p.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {replicas: 2}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {replicas: 5}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: old}
            $patch: delete
            """)
        let r = try CLI.run(["merge", "b.yaml", "p.yaml"], in: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("replicas: 5\n"))
        #expect(!r.stdout.contains("ConfigMap"))
    }

    @Test("--json-patch, --merge-key and the note for unknown kinds")
    func options() throws {
        let dir = try Scratch()
        try dir.write("b.yaml", deployment + """
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              items:
              - {name: a, size: 1}
              - {name: b, size: 2}

            """)
        try dir.write("p.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  items:\n  - {name: b, size: 3}\n")
        try dir.write("j.yaml", "target: {apiVersion: apps/v1, kind: Deployment, name: web}\npatch:\n- {op: replace, path: /spec/replicas, value: 4}\n")

        let keyed = try CLI.run(["merge", "b.yaml", "p.yaml", "--merge-key", "example.com/Widget:spec.items=name", "--json-patch", "j.yaml"], in: dir.url)
        #expect(keyed.status == 0, "\(keyed.stderr)")
        #expect(keyed.stdout.contains("  - name: a\n    size: 1\n  - name: b\n    size: 3\n"))
        #expect(keyed.stdout.contains("replicas: 4\n"))
        #expect(keyed.stderr.isEmpty)

        let fallback = try CLI.run(["merge", "b.yaml", "p.yaml"], in: dir.url)
        #expect(fallback.status == 0)
        #expect(fallback.stdout.contains("  items:\n  - name: b\n    size: 3\n"))
        #expect(!fallback.stdout.contains("- name: a\n"))
        #expect(fallback.stderr.hasPrefix("p.yaml:1:1: note: no merge schema for Widget (example.com)"))
    }
}
