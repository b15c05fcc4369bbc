import Foundation
import YAMLModel
import MergeEngine
import Overlays
import LocalFiles
import Testing

/// A stack written against the engine's interface alone, to show that every part of it
/// reaches the render: a setting, a stage, a rule, the sync order, secrets and notes.
struct TeamStack: Stack {
    struct Settings: StackSettings { var team: Environment.Declared<String>? }

    struct LabelStage: RenderStage {
        var name: String { "team-label" }
        func run(_ resources: inout [Resource], environment: Environment) -> [Diagnostic] {
            guard let team = environment.settings(Settings.self)?.team else { return [] }
            for i in resources.indices {
                resources[i].node = resources[i].node.setting(["metadata", "labels", "team"], to: .scalar(.string(team.value), at: team.location))
            }
            return []
        }
    }

    var name: String { "team" }
    var mergeTypes: [String: MergeType] { [:] }
    var validationSchemas: [String: ValidationSchema] { [:] }
    var environmentKeys: [String] { ["team"] }
    var stages: [any RenderStage] { [LabelStage()] }
    var rules: [Rule] {
        [Rule("team-owns-configmaps", "every ConfigMap has an owner annotation", check: .resources { context in
            context.resources("/ConfigMap").filter { $0.node["metadata"]?["annotations"]?["owner"] == nil }.map {
                .error(at: $0.node.location, "ConfigMap/\($0.id.name) has no owner annotation", hint: "annotate it with owner: <team>")
            }
        })]
    }

    func readSettings(_ settings: Mapping) throws -> any StackSettings {
        guard let node = settings["team"] else { return Settings() }
        guard let team = node.stringValue else { throw Diagnostic.error(at: node.location, "team is a name") }
        return Settings(team: .init(value: team, location: node.location))
    }

    func syncWave(of id: ResourceID) -> Int? { id.kind == "ConfigMap" ? 5 : nil }

    func plaintextSecrets(in resource: Resource) -> [SecretPolicy.Finding] {
        guard let token = resource.node["data"]?["teamToken"], let value = SecretPolicy.literal(token) else { return [] }
        return [SecretPolicy.Finding(token, value, "data.teamToken of \(resource.id.kind)/\(resource.id.name) is a plaintext secret (\(SecretPolicy.shown))", hint: "use a Secret")]
    }

    func notes(for outcome: Renderer.Outcome) -> [String] {
        outcome.environment.settings(Settings.self)?.team.map { ["team: \($0.value)"] } ?? []
    }
}

@Suite("The stack interface, through a stack of the tests' own")
struct StackInterfaceTests {
    static func source(environment: String, configMap: String = "metadata: {name: c, annotations: {owner: a}}\n") throws -> WeaveSource {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "stacks: [team]\n")
        try s.write("base/a.yaml", "apiVersion: v1\nkind: ConfigMap\n" + configMap + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
        try s.write("environments/e.yaml", environment)
        return s
    }

    static func render(_ s: WeaveSource) throws -> (Project, Renderer.Outcome) {
        let project = try Project.load(from: FileSystemSource(root: s.root), stacks: StackCatalog([TeamStack()]))
        return (project, Renderer(project: project).render(named: "e"))
    }

    @Test("settings, stage, sync order and notes reach the rendered environment")
    func everyPart() throws {
        let (project, outcome) = try Self.render(try Self.source(environment: "team: payments\n"))
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        #expect(outcome.resources.allSatisfy { $0.node["metadata"]?["labels"]?["team"]?.stringValue == "payments" })
        let env = RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
        // The Service (wave 0) before the ConfigMap (the stack's wave 5), whatever the base's order.
        #expect(env.resources.map(\.id.kind) == ["Service", "ConfigMap"])
        #expect(env.resources[1].node["metadata"]?["annotations"]?[SyncWave.annotation]?.stringValue == "5")
        let info = try #require(env.files.first { $0.path == RenderedEnvironment.metadataFile }?.contents)
        #expect(info.contains("\nteam: payments\nresources: 2\n"), "\(info)")
    }

    @Test("the stack's rule reports with its id, and can be disabled with a reason")
    func rules() throws {
        let s = try Self.source(environment: "team: payments\n", configMap: "metadata: {name: c}\n")
        let (_, bad) = try Self.render(s)
        #expect(RenderCheck.headlines(bad) == ["\(s.at("base/a.yaml", 1, 1)): error: ConfigMap/c has no owner annotation [team-owns-configmaps]"])
        try s.write("environments/e.yaml", "team: payments\nrules:\n  disable:\n    team-owns-configmaps: \"a test\"\n")
        let (project, waived) = try Self.render(s)
        #expect(waived.diagnostics.isEmpty)
        #expect(waived.suppressedFindings == ["team-owns-configmaps": 1])
        let env = RenderedEnvironment(waived, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
        #expect(env.files.last?.contents.contains("disabled-rules:\n  team-owns-configmaps: \"a test\" (1 finding suppressed)\n") == true)
    }

    @Test("the stack's secret fields are the secret policy's, and never printed")
    func secrets() throws {
        let s = try Self.source(environment: "team: payments\n", configMap: "metadata: {name: c, annotations: {owner: a}}\ndata: {teamToken: s3cr3t}\n")
        let (_, outcome) = try Self.render(s)
        #expect(RenderCheck.headlines(outcome) == ["\(s.at("base/a.yaml", 4, 19)): error: data.teamToken of ConfigMap/c is a plaintext secret (<redacted>) [plaintext-secrets]"])
        #expect(!outcome.diagnostics.map(\.description).joined().contains("s3cr3t"))
    }

    @Test("a setting the stack rejects is an error at its position")
    func badSetting() throws {
        let s = try Self.source(environment: "team: [a, b]\n")
        let (_, outcome) = try Self.render(s)
        #expect(RenderCheck.headlines(outcome) == ["\(s.at("environments/e.yaml", 1, 7)): error: team is a name"])
    }
}
