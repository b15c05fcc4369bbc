import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// A project that names no stack (`examples/plain-nginx`: an nginx Deployment and Service,
/// a prod layer): the generic engine alone, with no stack's wiring, rules or notes, even
/// when the program knows the Weave stack.
@Suite("A project with no stack")
struct PlainProjectTests {
    static let root = Paths.repository.appendingPathComponent("examples/plain-nginx")

    static func project(_ root: URL = PlainProjectTests.root) throws -> Project {
        try Project.load(from: FileSystemSource(root: root.path), stacks: .weave)
    }

    @Test("examples/plain-nginx renders to its golden tree, byte for byte")
    func golden() throws {
        let project = try Self.project()
        #expect(project.stacks.isEmpty)
        #expect(project.rules.map(\.id) == ReferenceRules.all.map(\.id) + [SecretPolicy.ruleID])
        #expect(project.stages.isEmpty)
        let outcome = Renderer(project: project).render(named: "prod")
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        let env = RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
        let dir = Paths.fixtures.appendingPathComponent("golden-plain/prod")
        let golden = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(env.files.map(\.path).sorted() == golden)
        for f in env.files {
            let want = try String(contentsOf: dir.appendingPathComponent(f.path), encoding: .utf8)
            #expect(f.contents == want, "prod/\(f.path) differs from its golden file:\n\(f.contents)")
        }
        // The containers merged by name (strategic merge on a core kind), the layer's limits
        // beside the base's requests and image.
        let deployment = try RenderCheck.resource(env.resources, "Deployment")
        let nginx = try #require(deployment["spec"]?["template"]?["spec"]?["containers"]?.sequence?.first)
        #expect(nginx["image"]?.stringValue == "nginx:1.27")
        #expect(nginx["resources"]?["limits"]?["memory"]?.stringValue == "256Mi")
        #expect(nginx["resources"]?["requests"]?["cpu"]?.stringValue == "50m")
    }

    /// A source with the Weave stack's kinds in it, but a project file without `stacks:`.
    static func weaveKindsWithoutTheStack(environment: String = "layers: [ha]\n") throws -> WeaveSource {
        let environment = environment + "parameters: {bucket: b, wandbHost: https://wandb.example.com}\n"
        let s = try WeaveSource(copying: WeaveSource.stack)
        let text = try String(contentsOf: s.url.appendingPathComponent("gitops-weave.yaml"), encoding: .utf8)
        try s.write("gitops-weave.yaml", text.replacingOccurrences(of: "stacks: [weave]", with: ""))
        try s.write("environments/plain.yaml", environment)
        return s
    }

    @Test("the Weave kinds in a project without the stack get no wiring, no stack rule and no stack merge keys")
    func noWeaveWiring() throws {
        let s = try Self.weaveKindsWithoutTheStack()
        let plain = Renderer(project: try s.project()).render(named: "plain")
        #expect(!plain.failed, "\(plain.diagnostics.map(\.description))")
        let chi = try RenderCheck.resource(plain.resources, "ClickHouseInstallation")
        // The stack derives zookeeper.nodes; the plain engine leaves them out.
        #expect(chi["spec"]?["configuration"]?["zookeeper"]?["nodes"] == nil)
        #expect(plain.diagnostics.allSatisfy { $0.rule == nil }, "\(plain.diagnostics.map(\.description))")
        // Without the stack's merge keys, the custom resource merges as JSON merge patch, and
        // the engine says so.
        #expect(plain.diagnostics.contains { $0.severity == .note && $0.message.contains("no merge schema for ClickHouseInstallation") })

        // The same source with the stack: the nodes are derived.
        let text = try String(contentsOf: s.url.appendingPathComponent("gitops-weave.yaml"), encoding: .utf8)
        try s.write("gitops-weave.yaml", "stacks: [weave]\n" + text)
        let weave = Renderer(project: try s.project()).render(named: "plain")
        let wired = try RenderCheck.resource(weave.resources, "ClickHouseInstallation")
        #expect(wired["spec"]?["configuration"]?["zookeeper"]?["nodes"]?.sequence?.isEmpty == false)
    }

    @Test("a setting or rule of a stack the project does not use is an error with a hint")
    func foreignSettings() throws {
        let nodes = try Self.weaveKindsWithoutTheStack(environment: "layers: [ha]\nnodes: 3\n")
        let n = Renderer(project: try nodes.project()).render(named: "plain")
        #expect(RenderCheck.headlines(n) == ["\(nodes.at("environments/plain.yaml", 2, 1)): error: nodes is a setting of stack \"weave\", which the project does not use"])
        #expect(n.diagnostics.first?.hint == "add weave to stacks: in the project file, or remove nodes")

        let rule = try Self.weaveKindsWithoutTheStack(environment: "layers: [ha]\nrules:\n  disable:\n    keeper-nodes: \"not here\"\n")
        let r = Renderer(project: try rule.project()).render(named: "plain")
        #expect(RenderCheck.headlines(r) == ["\(rule.at("environments/plain.yaml", 4, 5)): error: rule \"keeper-nodes\" belongs to stack \"weave\", which the project does not use"])

        // Unknown to every stack: the plain list of keys.
        let other = try Self.weaveKindsWithoutTheStack(environment: "layers: [ha]\nplatfrom: {}\n")
        let o = Renderer(project: try other.project()).render(named: "plain")
        #expect(o.diagnostics.first?.hint == "an environment file takes allowPlaintextSecrets, description, external, kustomize, labels, layers, parameters, rules, target")
    }

    @Test("stacks: names known stacks, once each")
    func stackNames() throws {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "stacks: [waeve]\n")
        let unknown = diagnostic { _ = try Project.load(from: FileSystemSource(root: s.root), stacks: .weave) }
        #expect(unknown?.headline == "\(s.at("gitops-weave.yaml", 1, 10)): error: unknown stack \"waeve\"")
        #expect(unknown?.hint == "did you mean \"weave\"? the stacks are weave")
        try s.write("gitops-weave.yaml", "stacks: [weave, weave]\n")
        let twice = diagnostic { _ = try Project.load(from: FileSystemSource(root: s.root), stacks: .weave) }
        #expect(twice?.headline == "\(s.at("gitops-weave.yaml", 1, 17)): error: stack \"weave\" is listed twice")
        // A build without the stack cannot render a project that needs it.
        try s.write("gitops-weave.yaml", "stacks: [weave]\n")
        let missing = diagnostic { _ = try Project.load(from: FileSystemSource(root: s.root), stacks: .none) }
        #expect(missing?.hint == "this build knows no stacks")
    }

    @Test("the plain engine still enforces the secret policy")
    func secretsStillChecked() throws {
        let s = try WeaveSource(copying: Self.root)
        try s.write("layers/prod/resources/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: web}\nstringData:\n  password: hunter2\n")
        let outcome = Renderer(project: try Self.project(s.url)).render(named: "prod")
        #expect(RenderCheck.headlines(outcome) == ["\(s.at("layers/prod/resources/secret.yaml", 5, 13)): error: stringData.password of Secret/db is a plaintext secret value (<redacted>) [plaintext-secrets]"])
        #expect(!outcome.diagnostics.map(\.description).joined().contains("hunter2"))
    }
}
