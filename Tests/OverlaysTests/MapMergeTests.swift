import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Maps merge key by key; null deletes; a value landing on an absent key is cleaned of
/// nulls and directives.
@Suite("Strategic merge: maps")
struct MapMergeTests {
    typealias F = MergeFixture

    @Test("maps merge key by key")
    func mapMerge() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
              labels:
                tier: back
                team: search
            """)
        F.expect(merged, "metadata.labels", "{app: web, tier: back, team: search}")
        F.expect(merged, "metadata.name", "web")
        F.expect(merged, "spec.replicas", "1")
    }

    @Test("null deletes a key")
    func nullDeletes() throws {
        let merged = try F.merge(F.configMap, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              level: null
              region: ~
            """)
        F.expect(merged, "data", "{mode: fast}")
    }

    @Test("null deletes a whole subtree")
    func nullDeletesSubtree() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              strategy: null
            """)
        F.expectMissing(merged, "spec.strategy")
        F.expect(merged, "spec.replicas", "1")
    }

    @Test("null on an absent key is a no-op")
    func nullOnAbsentKey() throws {
        let merged = try F.merge(F.configMap, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              annotations: null
            data:
              missing: null
            binaryData: null
            """)
        F.expect(merged, "data", "{mode: fast, level: info, region: eu}")
        F.expectMissing(merged, "data.missing")
        F.expectMissing(merged, "metadata.annotations")
        F.expectMissing(merged, "binaryData")
    }

    @Test("a value landing on an absent key loses its nulls and its $patch maps")
    func newValuesAreCleaned() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      $patch: delete
                    podAffinity:
                      x: null
                      y: 1
                  hostAliases: null
                  priorityClassName: null
                  securityContext:
                    runAsUser: 1000
                    fsGroup: null
                  volumes:
                  - name: v
                    emptyDir:
                      $patch: replace
                      medium: Memory
                    hostPath: null
            """)
        F.expect(merged, "spec.template.spec.affinity", "{podAffinity: {y: 1}}")
        F.expect(merged, "spec.template.spec.securityContext", "{runAsUser: 1000}")
        F.expect(merged, "spec.template.spec.volumes", "[{name: v}]")
        F.expectMissing(merged, "spec.template.spec.hostAliases")
        F.expectMissing(merged, "spec.template.spec.priorityClassName")
    }
}
