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
