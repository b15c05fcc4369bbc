import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// The patch directives: `$patch` (replace, delete) in maps, lists, list elements and at
/// the root; `$retainKeys`; `$deleteFromPrimitiveList`; `$setElementOrder`.
@Suite("Strategic merge: directives")
struct DirectiveTests {
    typealias F = MergeFixture

    // MARK: $patch: replace and delete, in maps and lists

    @Test("$patch: replace in a map replaces the whole map")
    func patchReplaceMap() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
              labels:
                $patch: replace
                owner: search
            """)
        F.expect(merged, "metadata.labels", "{owner: search}")
    }

    @Test("$patch: replace keeps literal nulls, as apimachinery does")
    func patchReplaceKeepsNulls() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
              labels:
                $patch: replace
                owner: null
            """)
        F.expect(merged, "metadata.labels", "{owner: null}")
    }

    @Test("$patch: replace in a list replaces it with the other elements")
    func patchReplaceList() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    env:
                    - {name: X, value: x}
                    - $patch: replace
            """)
        F.expect(merged, "spec.template.spec.containers.0.env", "[{name: X, value: x}]")
        F.expect(merged, "spec.template.spec.containers.0.image", "app:1")
    }

    @Test("$patch: replace on a list the base lacks gives the other elements")
    func patchReplaceAbsentList() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: sidecar
                    env:
                    - $patch: replace
                    - {name: X, value: x}
            """)
        F.expect(merged, "spec.template.spec.containers.1.env", "[{name: X, value: x}]")
    }

    @Test("$patch: delete in a map of a built-in kind leaves {}")
    func patchDeleteMapBuiltIn() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  nodeSelector:
                    $patch: delete
            """)
        F.expect(merged, "spec.template.spec.nodeSelector", "{}")
    }

    @Test("$patch: delete on a map the base lacks adds nothing")
    func patchDeleteAbsentMap() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  affinity:
                    $patch: delete
            """)
        F.expectMissing(merged, "spec.template.spec.affinity")
    }

    @Test("$patch: delete in a map of a custom resource removes the key")
    func patchDeleteMapCustomResource() throws {
        let merged = try F.merge(F.clickHouse, F.clickHouseHeader + """
            spec:
              configuration:
                settings:
                  $patch: delete
            """)
        F.expectMissing(merged, "spec.configuration.settings")
        F.expect(merged, "spec.configuration.clusters.0.name", "weavecluster")
    }

    @Test("Options decide what $patch: delete leaves", arguments: [
        (StrategicMerge.Options.apimachinery, true),
        (StrategicMerge.Options.customResource, false),
    ])
    func deleteOptions(options: StrategicMerge.Options, leavesEmptyMap: Bool) throws {
        let base = try parse(F.configMap, file: "base.yaml")
        let patch = try parse("""
            metadata:
              labels: {a: b}
            data:
              $patch: delete
            """, file: "patch.yaml")
        guard case .merged(let merged) = try StrategicMerge.apply(patch, to: base, type: nil, options: options) else {
            Issue.record("the patch deleted the resource")
            return
        }
        if leavesEmptyMap { F.expect(merged, "data", "{}") } else { F.expectMissing(merged, "data") }
        F.expect(merged, "metadata.labels", "{a: b}")
    }

    // MARK: $patch: delete on a keyed list element

    @Test("{name: x, $patch: delete} removes that element; an unknown name is a no-op")
    func deleteListElement() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: sidecar
                    $patch: delete
                  - name: app
                    env:
                    - {name: B, $patch: delete}
                    - {name: Z, $patch: delete}
            """)
        #expect(F.value(merged, "spec.template.spec.containers")?.sequence?.count == 1)
        F.expect(merged, "spec.template.spec.containers.0.env", "[{name: A, value: a}, {name: C, value: c}]")
    }

    // MARK: $patch at the root of a resource

    @Test("$patch: replace at the root replaces the whole object")
    func rootReplace() throws {
        let merged = try F.merge(F.deployment, """
            $patch: replace
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 5
            """)
        F.expect(merged, "", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {replicas: 5}
            """)
    }

    @Test("$patch: delete at the root: StrategicMerge reports .deleted")
    func rootDeleteOutcome() throws {
        let outcome = try F.outcome(F.deployment, F.deploymentHeader + "$patch: delete\n")
        guard case .deleted = outcome else {
            Issue.record("expected .deleted")
            return
        }
    }

    @Test("$patch: delete at the root removes the resource through ResourcePatcher")
    func rootDeleteThroughPatcher() throws {
        var patcher = try F.patcher(F.configMap + "\n---\n" + F.deployment + "\n---\n" + F.service)
        try patcher.applyStrategic(try parse(F.deploymentHeader + "$patch: delete\n", file: "patch.yaml"))
        #expect(patcher.resources.map(\.id.description) == ["ConfigMap/settings", "Service/web"])
    }

    // MARK: $retainKeys

    @Test("$retainKeys drops the base keys it does not list")
    func retainKeys() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $retainKeys: [type]
                type: Recreate
            """)
        F.expect(merged, "spec.strategy", "{type: Recreate}")
    }

    @Test("$retainKeys allows null for keys it does not list")
    func retainKeysWithNull() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $retainKeys: [type, rollingUpdate]
                rollingUpdate: {maxSurge: 2}
                other: null
            """)
        F.expect(merged, "spec.strategy", "{type: RollingUpdate, rollingUpdate: {maxSurge: 2}}")
    }

    // MARK: $deleteFromPrimitiveList

    @Test("$deleteFromPrimitiveList removes values; absent values are ignored")
    func deleteFromPrimitiveList() throws {
        let merged = try F.merge(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              $deleteFromPrimitiveList/finalizers: [a, zz]
            """)
        F.expect(merged, "metadata.finalizers", "[b]")
        F.expectMissing(merged, "metadata.$deleteFromPrimitiveList/finalizers")
    }

    @Test("$deleteFromPrimitiveList on a list the base lacks adds nothing")
    func deleteFromAbsentPrimitiveList() throws {
        let merged = try F.merge(F.configMap, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              $deleteFromPrimitiveList/finalizers: [a]
            """)
        F.expectMissing(merged, "metadata.finalizers")
        F.expectMissing(merged, "metadata.$deleteFromPrimitiveList/finalizers")
    }

    /// apimachinery deletes from any list of scalars, whatever the field's strategy
    /// (`kubectl patch` removes `--a` from a container's atomic `args`).
    @Test("$deleteFromPrimitiveList also deletes from an atomic list of scalars")
    func deleteFromAtomicPrimitiveList() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    $deleteFromPrimitiveList/args: [--a]
            """)
        F.expect(merged, "spec.template.spec.containers.0.args", "[--b]")
    }

    @Test("$deleteFromPrimitiveList with a value that is not a list is a no-op on a built-in kind")
    func deleteFromPrimitiveListScalar() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    $deleteFromPrimitiveList/args: --a
            """)
        F.expect(merged, "spec.template.spec.containers.0.args", "[--a, --b]")
    }

    // MARK: $setElementOrder

    @Test("$setElementOrder orders a keyed list; names in neither list are ignored")
    func setElementOrderKeyed() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $setElementOrder/containers:
                  - name: sidecar
                  - name: ghost
                  - name: app
                  - name: new
                  containers:
                  - name: new
                    image: n:1
            """)
        let names = F.value(merged, "spec.template.spec.containers")?.sequence?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["sidecar", "app", "new"])
        F.expect(merged, "spec.template.spec.containers.1.image", "app:1")
        F.expectMissing(merged, "spec.template.spec.$setElementOrder/containers")
    }

    @Test("$setElementOrder orders a primitive list")
    func setElementOrderPrimitive() throws {
        let merged = try F.merge(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              $setElementOrder/finalizers: [b, c, a]
              finalizers: [c]
            """)
        F.expect(merged, "metadata.finalizers", "[b, c, a]")
    }

    @Test("$setElementOrder without the list in the patch reorders the base")
    func setElementOrderAlone() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    $setElementOrder/env: [{name: C}, {name: A}, {name: B}]
            """)
        F.expect(merged, "spec.template.spec.containers.0.env", "[{name: C, value: c}, {name: A, value: a}, {name: B, value: b}]")
    }
}
