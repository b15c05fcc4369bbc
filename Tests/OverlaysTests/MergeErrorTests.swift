import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// What a strategic merge refuses, and the headline that says so.
@Suite("Strategic merge: errors")
struct MergeErrorTests {
    typealias F = MergeFixture

    @Test("a list element without its merge key")
    func missingMergeKey() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - image: nameless:1
            """)
        #expect(headline == "patch.yaml:9:9: error: list element has no merge key \"name\" (at spec.template.spec.containers)")
    }

    @Test("a {$patch: delete} element without its merge key")
    func deleteElementWithoutKey() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - $patch: delete
            """)
        #expect(headline == "patch.yaml:9:9: error: list element has no merge key \"name\" (at spec.template.spec.containers)")
    }

    @Test("a base element without the merge key names the base and the list")
    func baseElementWithoutKey() {
        let base = F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - image: nameless:1
            """
        let headline = F.mergeError(base, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    image: app:2
            """)
        #expect(headline == "base.yaml:9:9: error: list element has no merge key \"name\" (at spec.template.spec.containers)")
    }

    @Test("$patch: merge in a map")
    func patchMergeInMap() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  nodeSelector:
                    $patch: merge
            """)
        #expect(headline == "patch.yaml:9:17: error: \"$patch: merge\" is not allowed in a mapping (at spec.template.spec.nodeSelector)")
    }

    @Test("$patch: merge in a list")
    func patchMergeInList() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - $patch: merge
            """)
        #expect(headline == "patch.yaml:9:17: error: \"$patch: merge\" is not allowed in a list (at spec.template.spec.containers)")
    }

    @Test("an unknown $patch value in a map")
    func unknownPatchInMap() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  nodeSelector:
                    $patch: remove
            """)
        #expect(headline == "patch.yaml:9:17: error: unknown $patch directive \"remove\" (at spec.template.spec.nodeSelector)")
    }

    @Test("an unknown $patch value in a list element")
    func unknownPatchInList() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    $patch: remove
            """)
        #expect(headline == "patch.yaml:10:17: error: unknown $patch directive \"remove\" (at spec.template.spec.containers)")
    }

    @Test("an unknown $patch value at the root")
    func unknownPatchAtRoot() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + "$patch: 1\n")
        #expect(headline == "patch.yaml:5:9: error: unknown $patch directive 1 (at (root))")
    }

    @Test("a key the patch sets that $retainKeys does not list")
    func retainKeysMismatch() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $retainKeys: [type]
                type: Recreate
                rollingUpdate:
                  maxSurge: 2
            """)
        #expect(headline == "patch.yaml:9:5: error: the patch sets \"rollingUpdate\" but $retainKeys at patch.yaml:7:18 does not list it (at spec.strategy)")
    }

    @Test("$retainKeys that is not a list")
    func retainKeysNotAList() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              strategy:
                $retainKeys: type
                type: Recreate
            """)
        #expect(headline == "patch.yaml:7:18: error: $retainKeys must be a list of field names, not a string (at spec.strategy)")
    }

    @Test("a patch list in another order than $setElementOrder")
    func setElementOrderMismatch() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $setElementOrder/containers:
                  - name: app
                  - name: sidecar
                  containers:
                  - name: sidecar
                    image: side:2
                  - name: app
                    image: app:2
            """)
        #expect(headline == "patch.yaml:14:9: error: this element of spec.template.spec.containers is out of the order that $setElementOrder/containers at patch.yaml:9:7 gives")
    }

    @Test("$setElementOrder that is not a list")
    func setElementOrderNotAList() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $setElementOrder/containers: app
            """)
        #expect(headline == "patch.yaml:8:36: error: $setElementOrder/containers must be a list, not a string (at spec.template.spec)")
    }

    @Test("$setElementOrder naming a field that is not a list")
    func setElementOrderOnAMap() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $setElementOrder/nodeSelector: [disk]
            """)
        #expect(headline == "patch.yaml:8:7: error: $setElementOrder/nodeSelector orders \"nodeSelector\", which is a mapping in the base, not a list (at spec.template.spec)")
    }

    @Test("list elements of different types")
    func mixedElementTypes() {
        let headline = F.mergeError(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              finalizers:
              - c
              - {x: 1}
            """)
        #expect(headline == "patch.yaml:7:5: error: list elements have different types: string and mapping (at metadata.finalizers)")
    }

    @Test("a string list patched with a number")
    func stringAndInt() {
        let headline = F.mergeError(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              finalizers: [1]
            """)
        #expect(headline == "patch.yaml:5:16: error: list elements have different types: string and int (at metadata.finalizers)")
    }

    @Test("$deleteFromPrimitiveList on a list of mappings without a merge key")
    func deleteFromListOfMappings() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $deleteFromPrimitiveList/tolerations:
                  - {key: k1, operator: Exists}
            """)
        #expect(headline == "patch.yaml:9:7: error: $deleteFromPrimitiveList deletes from lists of scalars, but spec.template.spec.tolerations holds mappings")
    }

    @Test("a mapping in a set of scalars")
    func mappingInASet() {
        let headline = F.mergeError("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  finalizers: [{a: 1}]\n", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              finalizers: [{b: 2}]
            """)
        #expect(headline == "patch.yaml:5:15: error: the list at metadata.finalizers merges as a set of scalars, but holds mappings")
    }

    @Test("a list of lists")
    func listOfLists() {
        let headline = F.mergeError(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              finalizers:
              - [a]
            """)
        #expect(headline == "patch.yaml:6:5: error: lists of lists cannot be merged (at metadata.finalizers)")
    }

    @Test("a mapping in a keyed list's $setElementOrder must carry the key")
    func setElementOrderElementWithoutKey() {
        let headline = F.mergeError(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  $setElementOrder/containers:
                  - image: app:1
                  containers:
                  - name: app
                    image: app:2
            """)
        #expect(headline == "patch.yaml:9:9: error: list element has no merge key \"name\" (at spec.template.spec.containers)")
    }

    @Test("a type change on a custom resource is refused")
    func typeChangeOnCustomResource() {
        let headline = F.mergeError(F.clickHouse, F.clickHouseHeader + """
            spec:
              configuration:
                clusters:
                - name: weavecluster
                  layout: 3
            """)
        #expect(headline == "patch.yaml:10:15: error: the patch sets spec.configuration.clusters[name=weavecluster].layout to an int, but it is a mapping at base.yaml:13:9")
    }

    @Test("Options.customResource refuses a list where the base has a mapping")
    func typeChangeListForMap() {
        let headline = F.mergeError(F.clickHouse, F.clickHouseHeader + """
            spec:
              configuration:
                settings: [a]
            """)
        #expect(headline == "patch.yaml:8:15: error: the patch sets spec.configuration.settings to a list, but it is a mapping at base.yaml:9:7")
    }

    @Test("a strategic merge patch that is not a mapping")
    func patchNotAMapping() {
        let headline = diagnostic {
            _ = try StrategicMerge.apply(try parse("[a, b]", file: "patch.yaml"), to: try parse(MergeFixture.configMap), type: nil)
        }?.headline
        #expect(headline == "patch.yaml:1:1: error: a strategic merge patch must be a mapping, not a list")
    }
}
