import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Which resource a strategic merge patch applies to (ResourcePatcher): by kind, group,
/// name and namespace, and what is refused.
@Suite("Strategic merge: matching patches to resources")
struct ResourcePatcherTests {
    typealias F = MergeFixture

    static let twoNamespaces = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: prod
        spec:
          replicas: 1
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: staging
        spec:
          replicas: 1
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web
          namespace: prod
        """

    static func apply(_ patch: String, to base: String = twoNamespaces) -> Diagnostic? {
        diagnostic {
            var patcher = try F.patcher(base)
            try patcher.applyStrategic(try parse(patch, file: "patch.yaml"))
        }
    }

    @Test("the namespace chooses between resources of the same name")
    func namespaceChooses() throws {
        var patcher = try F.patcher(Self.twoNamespaces)
        try patcher.applyStrategic(try parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: staging
            spec:
              replicas: 2
            """, file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.replicas", "1")
        F.expect(patcher.resources[1].node, "spec.replicas", "2")
    }

    @Test("a patch without a namespace applies to the only resource of its name")
    func namespaceOptional() throws {
        var patcher = try F.patcher(Self.twoNamespaces)
        try patcher.applyStrategic(try parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web
            data: {a: b}
            """, file: "patch.yaml"))
        F.expect(patcher.resources[2].node, "data", "{a: b}")
    }

    @Test("the version is not part of the match")
    func versionIgnored() throws {
        var patcher = try F.patcher(Self.twoNamespaces)
        try patcher.applyStrategic(try parse("""
            apiVersion: apps/v1beta2
            kind: Deployment
            metadata:
              name: web
              namespace: prod
            spec:
              replicas: 4
            """, file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.replicas", "4")
    }

    @Test("a patch matching no resource names the resources of that name")
    func noResource() {
        let d = Self.apply("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: web
            spec:
              replicas: 3
            """)
        #expect(d?.headline == "patch.yaml:1:1: error: patch matches no resource: StatefulSet/web in group \"apps\"")
        #expect(d?.hint == "a patch applies to a resource with the same API group, kind, name and namespace; "
            + "resources named \"web\": Deployment/web (namespace prod) (apps/v1), Deployment/web (namespace staging) (apps/v1), "
            + "ConfigMap/web (namespace prod) (v1)")
    }

    @Test("a patch in another namespace matches no resource")
    func wrongNamespace() {
        let d = Self.apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web
              namespace: staging
            """)
        #expect(d?.headline == "patch.yaml:1:1: error: patch matches no resource: ConfigMap/web (namespace staging) in the core API group")
    }

    @Test("a patch in another API group matches no resource")
    func wrongGroup() {
        let d = Self.apply("""
            apiVersion: extensions/v1beta1
            kind: Deployment
            metadata:
              name: web
              namespace: prod
            """)
        #expect(d?.headline == "patch.yaml:1:1: error: patch matches no resource: Deployment/web (namespace prod) in group \"extensions\"")
    }

    @Test("a patch without a namespace matching resources in two namespaces")
    func ambiguous() {
        let d = Self.apply("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 3
            """)
        #expect(d?.headline == "patch.yaml:1:1: error: patch for Deployment/web matches 2 resources, in namespaces prod, staging")
        #expect(d?.hint == "set metadata.namespace in the patch to choose one")
    }

    @Test("a patch missing its identity", arguments: [
        ("kind: Deployment\nmetadata: {name: web}\n", "patch.yaml:1:1: error: the patch has no apiVersion"),
        ("apiVersion: apps/v1\nmetadata: {name: web}\n", "patch.yaml:1:1: error: the patch has no kind"),
        ("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n", "patch.yaml:1:1: error: the patch has no metadata"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  namespace: prod\n", "patch.yaml:4:3: error: the patch has no metadata.name"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n", "patch.yaml:3:11: error: the patch has no metadata.name"),
        ("apiVersion: apps/v1\nkind: [Deployment]\nmetadata: {name: web}\n", "patch.yaml:2:7: error: kind must be a non-empty string, not a list"),
        ("apiVersion: apps/v1\nkind: \"\"\nmetadata: {name: web}\n", "patch.yaml:2:7: error: kind must be a non-empty string, not \"\""),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: 7}\n", "patch.yaml:3:18: error: metadata.name must be a non-empty string, not 7"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: web\n", "patch.yaml:3:11: error: metadata must be a mapping, not a string"),
    ])
    func missingIdentity(patch: String, headline: String) {
        let d = Self.apply(patch)
        #expect(d?.headline == headline)
    }

    @Test("the hint for a missing identity field")
    func missingIdentityHint() {
        #expect(Self.apply("apiVersion: apps/v1\nmetadata: {name: web}\n")?.hint == "every patch names its apiVersion, kind and metadata.name")
    }

    @Test("a patch document that is not a mapping", arguments: [
        ("- a\n- b\n", "patch.yaml:1:1: error: a patch document must be a mapping (a Kubernetes object), not a list"),
        ("just text\n", "patch.yaml:1:1: error: a patch document must be a mapping (a Kubernetes object), not a string"),
        ("42\n", "patch.yaml:1:1: error: a patch document must be a mapping (a Kubernetes object), not an int"),
    ])
    func patchNotAMapping(patch: String, headline: String) {
        #expect(Self.apply(patch)?.headline == headline)
    }

    @Test("a resource document that is not a mapping")
    func resourceNotAMapping() {
        let d = diagnostic { _ = try F.patcher(F.configMap + "\n---\n- a\n- b\n") }
        #expect(d?.headline == "base.yaml:10:1: error: a resource document must be a mapping (a Kubernetes object), not a list")
    }

    @Test("empty documents in a stream are skipped")
    func emptyDocuments() throws {
        let patcher = try F.patcher("---\n" + F.configMap + "\n---\n---\n" + F.service + "\n---\n")
        #expect(patcher.resources.map(\.id.description) == ["ConfigMap/settings", "Service/web"])
    }

    @Test("a resource defined twice")
    func definedTwice() {
        let d = diagnostic { _ = try F.patcher(F.configMap + "\n---\n" + F.service + "\n---\n" + F.configMap) }
        #expect(d?.headline == "base.yaml:20:1: error: ConfigMap/settings is defined twice; first at base.yaml:1:1")
        #expect(d?.hint == "a resource may be defined once; change it with a patch instead")
    }

    @Test("the same name in two namespaces is two resources")
    func sameNameTwoNamespaces() throws {
        #expect(try F.patcher(Self.twoNamespaces).resources.count == 3)
    }

    @Test("a patch that moves its target out of its namespace is refused, and changes nothing")
    func renameByNamespace() throws {
        var patcher = try F.patcher("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web
              namespace: prod
            data: {a: b}
            """)
        let d = diagnostic {
            try patcher.applyStrategic(try parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: web
                  namespace: null
                data: {a: c}
                """, file: "patch.yaml"))
        }
        #expect(d?.headline == "patch.yaml:1:1: error: the patch changes the identity of ConfigMap/web (namespace prod) to ConfigMap/web")
        #expect(d?.hint == "a patch changes a resource; to replace it, delete it and add the new one")
        F.expect(patcher.resources[0].node, "data", "{a: b}")
        F.expect(patcher.resources[0].node, "metadata.namespace", "prod")
    }

    @Test("a root $patch: replace through ResourcePatcher keeps literal nulls; namespace: null on a resource without one is no rename")
    func rootReplaceThroughPatcher() throws {
        var patcher = try F.patcher(F.configMap)
        let d = diagnostic {
            try patcher.applyStrategic(try parse("""
                $patch: replace
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                  namespace: null
                  labels: {a: b}
                """, file: "patch.yaml"))
        }
        #expect(d == nil)
        F.expect(patcher.resources[0].node, "", "{apiVersion: v1, kind: ConfigMap, metadata: {name: settings, namespace: null, labels: {a: b}}}")
    }

    @Test("a failed merge leaves the resources unchanged")
    func failedMerge() throws {
        var patcher = try F.patcher(F.deployment)
        let d = diagnostic {
            try patcher.applyStrategic(try parse(F.deploymentHeader + """
                spec:
                  replicas: 9
                  template:
                    spec:
                      containers:
                      - image: nameless
                """, file: "patch.yaml"))
        }
        #expect(d != nil)
        F.expect(patcher.resources[0].node, "spec.replicas", "1")
    }
}

/// Patches of different resources merge on every core (`applyStrategic(_: [Node])`), with
/// exactly the result, notes and first error of applying them one by one.
@Suite("Strategic merge: many patches at once")
struct ConcurrentPatchTests {
    /// `count` StatefulSets and Widgets (a kind without a schema: a note), and two patches
    /// for each, interleaved.
    static func fleet(_ count: Int) throws -> (resources: [Resource], patches: [Node]) {
        var base = "", patches = ""
        for i in 0..<count {
            base += "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\(i)\n  namespace: n\(i % 3)\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n      - name: side\n        image: side:1\n---\n"
            base += "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\(i)\nspec:\n  items: [a, b]\n---\n"
        }
        for round in 0..<2 {
            for i in stride(from: count - 1, through: 0, by: -1) {
                patches += "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\(i)\n  namespace: n\(i % 3)\nspec:\n  replicas: \(round + 2)\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:\(round + 2)\n---\n"
                patches += "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\(i)\nspec:\n  items: [c\(round)]\n---\n"
            }
        }
        return (try Resource.load(try YAMLParser().parseStream(base, file: "base.yaml")),
                try YAMLParser().parseStream(patches, file: "patches.yaml").filter { !$0.isNull })
    }

    static func oneByOne(_ resources: [Resource], _ patches: [Node]) -> (String, [String], String?) {
        var p = ResourcePatcher(resources: resources, registry: SchemaRegistry())
        var failure: String?
        do { for patch in patches { try p.applyStrategic(patch) } } catch { failure = "\(error)" }
        return (YAMLEmitter().emitStream(p.resources.map(\.node)), p.notes.map(\.description), failure)
    }

    static func atOnce(_ resources: [Resource], _ patches: [Node]) -> (String, [String], String?) {
        var p = ResourcePatcher(resources: resources, registry: SchemaRegistry())
        var failure: String?
        do { try p.applyStrategic(patches) } catch { failure = "\(error)" }
        return (YAMLEmitter().emitStream(p.resources.map(\.node)), p.notes.map(\.description), failure)
    }

    @Test("300 resources, 600 patches: the same bytes, notes and provenance as one by one")
    func same() throws {
        let (resources, patches) = try Self.fleet(150)
        let one = Self.oneByOne(resources, patches), all = Self.atOnce(resources, patches)
        #expect(one.2 == nil && all.2 == nil)
        #expect(all.0 == one.0)
        #expect(all.1 == one.1)
        #expect(all.1.count == 1, "one note for Widget: \(all.1)")
        #expect(all.0.contains("image: app:3") && !all.0.contains("image: app:1"))
    }

    @Test("the first error in the patches' order, whichever resource it is on; nothing is changed", arguments: [
        // A merge error late, a target error later: the merge error.
        (40, "kind: StatefulSet\nmetadata:\n  name: s1\n  namespace: n1\nspec:\n  replicas: {a: 1}\n", 90, "kind: StatefulSet\nmetadata:\n  name: nope\n"),
        // A target error first.
        (200, "kind: StatefulSet\nmetadata:\n  name: s1\n  namespace: n1\nspec:\n  replicas: {a: 1}\n", 10, "kind: StatefulSet\nmetadata:\n  name: nope\n"),
        // A patch that renames its resource.
        (70, "kind: StatefulSet\nmetadata:\n  name: s2\n  namespace: other\n", 230, "kind: StatefulSet\nmetadata:\n  name: nope\n"),
    ])
    func firstError(at a: Int, _ patchA: String, at b: Int, _ patchB: String) throws {
        var (resources, patches) = try Self.fleet(60)
        try #require(max(a, b) < patches.count)
        patches[a] = try YAMLParser().parseDocument("apiVersion: apps/v1\n" + patchA, file: "bad-a.yaml")
        patches[b] = try YAMLParser().parseDocument("apiVersion: apps/v1\n" + patchB, file: "bad-b.yaml")
        let one = Self.oneByOne(resources, patches), all = Self.atOnce(resources, patches)
        #expect(one.2 != nil)
        #expect(all.2 == one.2)
        #expect(all.1 == one.1)
        _ = resources
    }

    @Test("a root $patch directive (delete, replace) goes one by one, with the same result")
    func directives() throws {
        var (resources, patches) = try Self.fleet(20)
        patches.insert(try YAMLParser().parseDocument("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s3\n  namespace: n0\n$patch: delete\n", file: "d.yaml"), at: 5)
        let one = Self.oneByOne(resources, patches), all = Self.atOnce(resources, patches)
        #expect(all.0 == one.0 && all.2 == one.2)
        #expect(!all.0.contains("name: s3\n"))
        _ = resources
    }
}
