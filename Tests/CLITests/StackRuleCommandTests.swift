import Foundation
import Testing

/// The stack rules and the secret policy through `gitops-weave render`, as a user sees them.
@Suite("gitops-weave render: stack rules and the secret policy")
struct StackRuleCommandTests {
    typealias S = RenderSources

    static let secret = "hunter2-secret"

    /// A copy of the stack whose ClickHouse user `weave` has a literal password (at 9:23 of
    /// the `pinned` layer's patch); `environment` is the environment file.
    func source(_ dir: Scratch, environment: String) throws -> URL {
        let src = try S.copyStack(dir)
        try S.write(src, "layers/pinned/patches/clickhouse.yaml", """
            apiVersion: clickhouse.altinity.com/v1
            kind: ClickHouseInstallation
            metadata:
              name: wandb
              namespace: clickhouse
            spec:
              configuration:
                users:
                  weave/password: \(Self.secret)

            """)
        try S.write(src, "environments/test.yaml", environment)
        return src
    }

    @Test("a plaintext password fails the render with the rule's id, in text and JSON, and the value is never printed")
    func plaintext() throws {
        let dir = try Scratch()
        let src = try source(dir, environment: "layers: [pinned]\nparameters: {bucket: b, wandbHost: h}\n")
        let text = try CLI.run(["render", "test"], in: src)
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stderr.hasPrefix("layers/pinned/patches/clickhouse.yaml:9:23: error: ClickHouse user \"weave\" of ClickHouseInstallation/wandb has a plaintext password (weave/password: <redacted>) [plaintext-secrets]\n  hint: reference a Secret: "), "\(text.stderr)")
        #expect(!text.stdout.contains(Self.secret) && !text.stderr.contains(Self.secret))
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out/test").path))

        let json = try CLI.run(["render", "test", "--format", "json"], in: src)
        #expect(json.status == 1)
        #expect(!json.stdout.contains(Self.secret) && !json.stderr.contains(Self.secret))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["rule"] as? String == "plaintext-secrets")
        #expect(diagnostics.first?["line"] as? Int == 9)
        #expect(diagnostics.first?["message"] as? String == "ClickHouse user \"weave\" of ClickHouseInstallation/wandb has a plaintext password (weave/password: <redacted>)")
    }

    @Test("allowed with a reason, the render is written and render-info.txt records the reason, not the value")
    func allowed() throws {
        let dir = try Scratch()
        let src = try source(dir, environment: """
            layers: [pinned]
            allowPlaintextSecrets: "local kind cluster for demos"
            parameters: {bucket: b, wandbHost: h}

            """)
        let r = try CLI.run(["render", "test"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let info = try String(contentsOf: src.appendingPathComponent("out/test/render-info.txt"), encoding: .utf8)
        #expect(info.contains("\nplaintext-secrets-allowed: \"local kind cluster for demos\" (1 finding suppressed)\n"), "\(info)")
        #expect(!info.contains(Self.secret))
    }

    @Test("an unknown rule id in rules.disable is an error with a suggestion")
    func unknownRule() throws {
        let dir = try Scratch()
        let src = try source(dir, environment: """
            layers: [pinned]
            rules:
              disable:
                keeper-node: "an external ZooKeeper"
            parameters: {bucket: b, wandbHost: h}

            """)
        let r = try CLI.run(["render", "test"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("environments/test.yaml:4:5: error: unknown stack rule \"keeper-node\" in rules.disable\n  hint: did you mean \"keeper-nodes\"? the rules are keeper-nodes, "), "\(r.stderr)")
    }
}
