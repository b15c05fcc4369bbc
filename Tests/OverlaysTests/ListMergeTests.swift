import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Keyed lists (containers, env, ports, volumeMounts), atomic lists and primitive lists
/// (finalizers), after apimachinery's rules.
@Suite("Strategic merge: lists")
struct ListMergeTests {
    typealias F = MergeFixture

    // MARK: Keyed lists: merged element by element on their merge key

    @Test("containers merge by name; fields the patch does not name stay")
    func containersByName() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: sidecar
                    image: side:2
            """)
        F.expect(merged, "spec.template.spec.containers.0.name", "app")
        F.expect(merged, "spec.template.spec.containers.0.image", "app:1")
        F.expect(merged, "spec.template.spec.containers.1", "{name: sidecar, image: side:2}")
        #expect(F.value(merged, "spec.template.spec.containers")?.sequence?.count == 2)
    }

    @Test("a new container is added; the patch's element comes first when it is not in the base")
    func containerAdded() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: proxy
                    image: envoy:1
            """)
        let names = F.value(merged, "spec.template.spec.containers")?.sequence?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["proxy", "app", "sidecar"])
    }

    /// apimachinery's interleaving rule, with env base `[A, B, C]` (FORMAT.md's table).
    @Test("env merges by name in apimachinery's order", arguments: [
        ("[{name: D, value: d}]", "[{name: D, value: d}, {name: A, value: a}, {name: B, value: b}, {name: C, value: c}]"),
        ("[{name: B, value: b2}]", "[{name: A, value: a}, {name: B, value: b2}, {name: C, value: c}]"),
        ("[{name: C, value: c2}, {name: D, value: d}]",
         "[{name: A, value: a}, {name: B, value: b}, {name: C, value: c2}, {name: D, value: d}]"),
        ("[{name: C, value: c2}, {name: A, value: a2}]", "[{name: B, value: b}, {name: C, value: c2}, {name: A, value: a2}]"),
    ])
    func envInterleaving(patch: String, expected: String) throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    env: \(patch)
            """)
        F.expect(merged, "spec.template.spec.containers.0.env", expected)
    }

    @Test("an env entry merges field by field: valueFrom replaces value only when value is deleted")
    func envFieldMerge() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    env:
                    - name: B
                      value: null
                      valueFrom: {secretKeyRef: {name: s, key: b}}
            """)
        F.expect(merged, "spec.template.spec.containers.0.env.1", "{name: B, valueFrom: {secretKeyRef: {name: s, key: b}}}")
    }

    @Test("volumeMounts merge by mountPath")
    func volumeMountsByMountPath() throws {
        let merged = try F.merge(F.statefulSet, """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              template:
                spec:
                  containers:
                  - name: db
                    volumeMounts:
                    - {mountPath: /etc/config, name: config, readOnly: true}
                    - {mountPath: /tmp, name: scratch}
            """)
        F.expect(merged, "spec.template.spec.containers.0.volumeMounts", """
            - {mountPath: /var/lib/postgresql, name: data}
            - {mountPath: /etc/config, name: config, readOnly: true}
            - {mountPath: /tmp, name: scratch}
            """)
    }

    @Test("container ports merge by containerPort")
    func portsByContainerPort() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    ports:
                    - {containerPort: 9090, protocol: UDP}
            """)
        F.expect(merged, "spec.template.spec.containers.0.ports", """
            - {containerPort: 80, name: http}
            - {containerPort: 9090, name: metrics, protocol: UDP}
            """)
    }

    @Test("Service ports merge by port")
    func servicePortsByPort() throws {
        let merged = try F.merge(F.service, """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - {port: 443, targetPort: 9443}
              - {port: 9000, name: extra}
            """)
        F.expect(merged, "spec.ports", """
            - {port: 80, targetPort: 8080, name: http}
            - {port: 443, targetPort: 9443, name: https}
            - {port: 9000, name: extra}
            """)
        F.expect(merged, "spec.type", "ClusterIP")
    }

    // MARK: Atomic and primitive lists: replaced whole, or merged as a set

    @Test("StatefulSet volumeClaimTemplates is atomic: the patch's list replaces it")
    func volumeClaimTemplatesAtomic() throws {
        let merged = try F.merge(F.statefulSet, """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {resources: {requests: {storage: 50Gi}}}
            """)
        F.expect(merged, "spec.volumeClaimTemplates", "[{metadata: {name: data}, spec: {resources: {requests: {storage: 50Gi}}}}]")
    }

    @Test("finalizers merge as a set, in apimachinery's order")
    func finalizersSet() throws {
        let merged = try F.merge(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              finalizers: [c, a]
            """)
        F.expect(merged, "metadata.finalizers", "[c, a, b]")
    }

    @Test("finalizers are deduplicated", arguments: [
        ("[a, d, d, b]", "[a, d, b]"),
        ("[b, b]", "[a, b]"),
    ])
    func finalizersDedupe(patch: String, expected: String) throws {
        let merged = try F.merge(F.deployment, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              finalizers: \(patch)
            """)
        F.expect(merged, "metadata.finalizers", expected)
    }

    @Test("atomic lists (args, tolerations) are replaced whole")
    func atomicLists() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    args: [--c]
                  tolerations:
                  - {key: k2, operator: Exists}
            """)
        F.expect(merged, "spec.template.spec.containers.0.args", "[--c]")
        F.expect(merged, "spec.template.spec.tolerations", "[{key: k2, operator: Exists}]")
    }

    @Test("an empty patch list clears an atomic list and leaves a merge list alone")
    func emptyLists() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
              finalizers: []
            spec:
              template:
                spec:
                  tolerations: []
            """)
        F.expect(merged, "spec.template.spec.tolerations", "[]")
        F.expect(merged, "metadata.finalizers", "[a, b]")
    }

    // MARK: Keyed lists of a custom resource: the example (ClickHouseInstallation)

    @Test("ClickHouseInstallation: a prod patch keeps image, requests, shardsCount and templates")
    func clickHouseProdPatch() throws {
        var patcher = try F.patcher(F.clickHouse)
        try patcher.applyStrategic(try parse(F.prodPatch, file: "prod/patch.yaml"))
        #expect(patcher.notes.isEmpty, "ClickHouseInstallation has built-in merge keys: \(patcher.notes)")
        let merged = try #require(patcher.resources.first?.node)
        let container = "spec.templates.podTemplates.0.spec.containers.0"
        F.expect(merged, "\(container).name", "clickhouse")
        F.expect(merged, "\(container).image", "clickhouse/clickhouse-server:24.8")
        F.expect(merged, "\(container).resources", """
            requests: {cpu: "1", memory: 4Gi}
            limits: {cpu: "4", memory: 16Gi}
            """)
        F.expect(merged, "spec.configuration.clusters", """
            - name: weavecluster
              layout: {shardsCount: 1, replicasCount: 3}
              templates: {podTemplate: clickhouse-pod, dataVolumeClaimTemplate: data}
            """)
        #expect(F.value(merged, "spec.templates.podTemplates")?.sequence?.count == 1)
        F.expect(merged, "spec.configuration.settings", "{max_concurrent_queries: 100}")
    }

    @Test("ClickHouseInstallation without a schema: lists replaced whole, the base's fields lost")
    func clickHouseWithoutSchema() throws {
        var patcher = try F.patcher(F.clickHouse, registry: .empty)
        try patcher.applyStrategic(try parse(F.prodPatch, file: "prod/patch.yaml"))
        let merged = try #require(patcher.resources.first?.node)
        // What kustomize without a schema produces, and why the built-in keys exist.
        F.expectMissing(merged, "spec.templates.podTemplates.0.spec.containers.0.image")
        F.expectMissing(merged, "spec.configuration.clusters.0.layout.shardsCount")
        F.expectMissing(merged, "spec.configuration.clusters.0.templates")
        #expect(patcher.notes.count == 1)
    }
}
