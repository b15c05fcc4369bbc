import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Every merged value knows where it was set and what it replaced.
@Suite("Provenance of merged values")
struct ProvenanceTests {
    typealias F = MergeFixture

    /// Lines of `MergeFixture.deployment`, as written:
    ///
    ///     10   replicas: 1             value at 10:13
    ///     20       - name: app         element at 20:9, name at 20:15
    ///     21         image: app:1      value at 21:16
    ///     22         args: [--a, --b]  value at 22:15
    static let patch = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
          template:
            spec:
              containers:
              - name: app
                image: app:2
                env:
                - {name: D, value: d}
        """

    static let prod = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 5
        """

    static func loc(_ file: String, _ line: Int, _ column: Int) -> YAMLModel.SourceLocation {
        YAMLModel.SourceLocation(file: file, line: line, column: column)
    }

    static func merged() throws -> Node {
        try F.merge(F.deployment, patch)
    }

    static func node(_ root: Node, _ path: String) throws -> Node {
        try #require(F.value(root, path), "\(path) is missing")
    }

    @Test("a scalar the patch sets carries the patch's location, then the base's")
    func patchedScalar() throws {
        let merged = try Self.merged()
        let replicas = try Self.node(merged, "spec.replicas")
        #expect(replicas.location == Self.loc("patch.yaml", 6, 13))
        #expect(replicas.provenance == [Self.loc("patch.yaml", 6, 13), Self.loc("base.yaml", 10, 13)])
        #expect(replicas.overrode?.node.scalar == .int(1))
    }

    @Test("values the patch does not touch keep the base's location")
    func untouched() throws {
        let merged = try Self.merged()
        let strategy = try Self.node(merged, "spec.strategy.type")
        #expect(strategy.location == Self.loc("base.yaml", 12, 11))
        #expect(strategy.provenance == [Self.loc("base.yaml", 12, 11)])
        let sidecar = try Self.node(merged, "spec.template.spec.containers.1.image")
        #expect(sidecar.provenance == [Self.loc("base.yaml", 34, 16)])
        // Merged maps keep the base's location too.
        #expect(try Self.node(merged, "spec").location == Self.loc("base.yaml", 10, 3))
    }

    @Test("a list element merged by key keeps the base's locations for the fields the patch does not set")
    func keyedElement() throws {
        let merged = try Self.merged()
        let app = try Self.node(merged, "spec.template.spec.containers.0")
        #expect(app.location == Self.loc("base.yaml", 20, 9))
        #expect(try Self.node(app, "args").provenance == [Self.loc("base.yaml", 22, 15)])
        #expect(try Self.node(app, "args.1").location == Self.loc("base.yaml", 22, 21))
        #expect(try Self.node(app, "image").provenance == [Self.loc("patch.yaml", 11, 16), Self.loc("base.yaml", 21, 16)])
        // The env entries the patch does not name stay where the base wrote them; the new one is the patch's.
        #expect(try Self.node(app, "env.0.name").scalar == .string("D"))
        #expect(try Self.node(app, "env.0").provenance == [Self.loc("patch.yaml", 13, 11)])
        #expect(try Self.node(app, "env.1.value").provenance == [Self.loc("base.yaml", 24, 28)])
    }

    @Test("a key the patch adds has the patch's location and no history")
    func added() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              paused: true
            """)
        let paused = try Self.node(merged, "spec.paused")
        #expect(paused.provenance == [Self.loc("patch.yaml", 6, 11)])
        #expect(F.value(merged, "spec")?.mapping?.keyLocation("paused") == Self.loc("patch.yaml", 6, 3))
        #expect(F.value(merged, "spec")?.mapping?.keyLocation("replicas") == Self.loc("base.yaml", 10, 3))
    }

    @Test("a second patch makes a chain of three")
    func secondPatch() throws {
        var patcher = try F.patcher(F.deployment)
        try patcher.applyStrategic(try parse(Self.patch, file: "patch.yaml"))
        try patcher.applyStrategic(try parse(Self.prod, file: "prod.yaml"))
        let merged = patcher.resources[0].node
        let replicas = try Self.node(merged, "spec.replicas")
        #expect(replicas.scalar == .int(5))
        #expect(replicas.provenance == [Self.loc("prod.yaml", 6, 13), Self.loc("patch.yaml", 6, 13), Self.loc("base.yaml", 10, 13)])
        // The first patch's image is untouched by the second.
        #expect(try Self.node(merged, "spec.template.spec.containers.0.image").provenance
            == [Self.loc("patch.yaml", 11, 16), Self.loc("base.yaml", 21, 16)])
    }

    @Test("a list the patch replaces records the list it replaced")
    func atomicList() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  tolerations: []
            """)
        let tolerations = try Self.node(merged, "spec.template.spec.tolerations")
        #expect(tolerations.provenance == [Self.loc("patch.yaml", 8, 20), Self.loc("base.yaml", 36, 7)])
    }

    @Test("a map replaced with $patch: replace records the map it replaced")
    func replacedMap() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
              labels:
                $patch: replace
                owner: search
            """)
        let labels = try Self.node(merged, "metadata.labels")
        #expect(labels.provenance == [Self.loc("patch.yaml", 6, 5), Self.loc("base.yaml", 6, 5)])
        #expect(try Self.node(labels, "owner").provenance == [Self.loc("patch.yaml", 7, 12)])
    }

    @Test("a JSON patch's value records what it replaced")
    func jsonPatch() throws {
        let base = try parse(F.deployment, file: "base.yaml")
        let ops = try JSONPatch(parsing: try parse("- {op: replace, path: /spec/replicas, value: 7}", file: "ops.yaml"))
        let replicas = try Self.node(try ops.apply(to: base), "spec.replicas")
        #expect(replicas.provenance == [Self.loc("ops.yaml", 1, 46), Self.loc("base.yaml", 10, 13)])
    }

    @Test("the JSON merge fallback records what it replaced")
    func jsonMergePatch() throws {
        let base = try parse("spec:\n  size: 1\n  keep: 2\n", file: "base.yaml")
        let patch = try parse("spec:\n  size: 3\n", file: "patch.yaml")
        let merged = JSONMergePatch.apply(patch, to: base)
        #expect(try Self.node(merged, "spec.size").provenance == [Self.loc("patch.yaml", 2, 9), Self.loc("base.yaml", 2, 9)])
        #expect(try Self.node(merged, "spec.keep").provenance == [Self.loc("base.yaml", 3, 9)])
    }
}
