import Foundation
import YAMLModel
import MergeEngine
import Testing

/// The two strategic-merge flavours side by side: apimachinery (`kubectl patch`) and kyaml
/// (`kubectl kustomize`), on DIFFERENCES.md's order table and a few kyaml-only rules.
@Suite("Strategic merge: kyaml flavour")
struct KyamlMergeTests {
    typealias F = MergeFixture

    static let base = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
          - name: app
            env:
            - {name: A, value: a}
            - {name: B, value: b}
            - {name: C, value: c}
        """

    static func merge(_ env: String, options: StrategicMerge.Options, base: String = base) throws -> Node {
        let patch = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
              - name: app
                env: \(env)
            """
        let b = try parse(base, file: "base.yaml")
        let registry = SchemaRegistry()
        let id = try Resource(document: b).id
        let semantics = options.flavor == .kyaml ? registry.semantics(for: id, flavor: .kyaml) : registry.semantics(for: id)
        guard case .strategic(let type, let chosen) = semantics else { throw Diagnostic.error(at: nil, "no schema for Pod") }
        #expect(chosen == options)
        guard case .merged(let node) = try StrategicMerge.apply(try parse(patch, file: "patch.yaml"), to: b, type: type, options: chosen) else {
            throw Diagnostic.error(at: nil, "the patch deleted the Pod")
        }
        return node
    }

    static func order(_ node: Node) -> String {
        let env = F.value(node, "spec.containers.0.env")?.sequence ?? []
        return env.map { item in
            let name = item["name"]?.stringValue ?? "?"
            return item["value"]?.stringValue == name.lowercased() ? name : name + "'"
        }.joined(separator: ",")
    }

    @Test("list order: apimachinery interleaves by base position, kyaml puts the patch's elements first", arguments: [
        ("[{name: B, value: b2}]", "A,B',C", "B',A,C"),
        ("[{name: C, value: c2}, {name: D, value: d}]", "A,B,C',D", "C',D,A,B"),
        ("[{name: C, value: c2}, {name: A, value: a2}]", "B,C',A'", "C',A',B"),
        ("[{name: D, value: d}]", "D,A,B,C", "D,A,B,C"),
    ])
    func prependOrder(patch: String, apimachinery: String, kyaml: String) throws {
        #expect(Self.order(try Self.merge(patch, options: .apimachinery)) == apimachinery)
        #expect(Self.order(try Self.merge(patch, options: .kyaml)) == kyaml)
    }

    @Test("kyaml: $patch: delete on a map removes the key, $patch: merge is accepted")
    func mapDirectives() throws {
        let deleted = try Self.kyaml(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $patch: delete
              template:
                spec:
                  nodeSelector:
                    $patch: merge
                    zone: a
            """)
        F.expectMissing(deleted, "spec.strategy")
        F.expect(deleted, "spec.template.spec.nodeSelector", "{disk: ssd, zone: a}")
    }

    @Test("kyaml: $retainKeys and $setElementOrder are copied, not interpreted")
    func unimplementedDirectives() throws {
        let merged = try Self.kyaml(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $retainKeys: [type]
                type: Recreate
              template:
                spec:
                  $setElementOrder/containers: [{name: sidecar}, {name: app}]
            """)
        F.expect(merged, "spec.strategy", "{$retainKeys: [type], type: Recreate, rollingUpdate: {maxSurge: 1}}")
        F.expect(merged, "spec.template.spec.$setElementOrder/containers", "[{name: sidecar}, {name: app}]")
        F.expect(merged, "spec.template.spec.containers.0.name", "app")
    }

    @Test("kyaml: a type change is an error at the patch's value")
    func typeChange() throws {
        let d = diagnostic {
            _ = try Self.kyaml(F.deployment, F.deploymentHeader + """
                spec:
                  strategy: Recreate
                """)
        }
        #expect(d?.location?.file == "patch.yaml")
        #expect(d?.message.contains("cannot merge a string into a mapping") == true)
        #expect(d?.message.contains("spec.strategy") == true)
        #expect(d?.hint != nil)
    }

    @Test("kyaml: a kind the registry does not know merges maps and replaces lists, nulls in lists kept")
    func unknownKind() throws {
        let merged = try Self.kyaml("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              items: [{name: a, x: 1}]
              config: {a: 1, b: 2}
            """, """
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              items: [{name: b, x: null}]
              config: {b: null, c: 3}
            """)
        F.expect(merged, "spec.items", "[{name: b, x: null}]")
        F.expect(merged, "spec.config", "{a: 1, c: 3}")
    }

    @Test("kyaml: the corpus's rejected inputs fail with a diagnostic at the patch", arguments: [
        ("011-unknown-patch-directive", "unknown $patch directive \"frobnicate\""),
        ("027-type-change-map-to-scalar", "cannot merge a string into a mapping"),
        ("029-type-change-list-to-map", "cannot merge a mapping into a list"),
    ])
    func corpusErrors(name: String, message: String) throws {
        guard let c = ConformanceCase.all("core-kustomize").first(where: { $0.name == name }) else { return }
        guard case .failure(let d) = try c.run(flavor: .kyaml).result else {
            Issue.record("\(name) should fail")
            return
        }
        #expect(d.location?.file.hasSuffix("patch.yaml") == true, "\(d)")
        #expect(d.message.contains(message), "\(d)")
        #expect(d.hint != nil)
    }

    @Test("the flavours disagree on the corpus: apimachinery fails core-kustomize's order and directive cases")
    func flavoursDiffer() throws {
        for name in ["022-element-replace-directive", "013-retainkeys-strategy-recreate", "021-list-delete-directive-whole-list"] {
            guard let c = ConformanceCase.all("core-kustomize").first(where: { $0.name == name }) else { continue }
            #expect(try !problems(c, flavor: .apimachinery).isEmpty, "\(name) should differ under apimachinery")
            #expect(try problems(c, flavor: .kyaml).isEmpty, "\(name) should pass under kyaml")
        }
    }

    @Test("kyaml: nulls in an added element are dropped; ports merge by containerPort and protocol")
    func addedElements() throws {
        let merged = try Self.kyaml("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - name: app
                ports:
                - {containerPort: 53, protocol: UDP}
                - {containerPort: 8080, protocol: TCP}
            """, """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - name: app
                env:
                - {name: A, value: null}
                ports:
                - {containerPort: 53, protocol: TCP}
            """)
        F.expect(merged, "spec.containers.0.env", "[{name: A}]")
        F.expect(merged, "spec.containers.0.ports", """
            - {containerPort: 53, protocol: TCP}
            - {containerPort: 53, protocol: UDP}
            - {containerPort: 8080, protocol: TCP}
            """)
    }

    @Test("kyaml ResourcePatcher: a root $patch: replace is ignored, a root $patch: delete removes the resource")
    func rootDirectives() throws {
        var patcher = ResourcePatcher(resources: try Resource.load(try parseStream(F.deployment, file: "base.yaml")),
                                      registry: SchemaRegistry(), flavor: .kyaml)
        try patcher.applyStrategic(try parse(F.deploymentHeader + "\n$patch: replace\nspec: {replicas: 5}", file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.replicas", "1")
        try patcher.applyStrategic(try parse(F.deploymentHeader + "\n$patch: delete", file: "patch.yaml"))
        #expect(patcher.resources.isEmpty)
    }

    /// Merges with the semantics the registry gives the kind under the kyaml flavour.
    static func kyaml(_ base: String, _ patch: String) throws -> Node {
        let b = try parse(base, file: "base.yaml")
        let id = try Resource(document: b).id
        guard case .strategic(let type, let options) = SchemaRegistry().semantics(for: id, flavor: .kyaml) else {
            throw Diagnostic.error(at: nil, "\(id) does not merge with kyaml")
        }
        guard case .merged(let node) = try StrategicMerge.apply(try parse(patch, file: "patch.yaml"), to: b, type: type, options: options) else {
            throw Diagnostic.error(at: nil, "the patch deleted the resource")
        }
        return node
    }
}
