import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Helpers for the merge test files (StrategicMergeTests, JSONPatchTests, SchemaRegistryTests,
/// ProvenanceTests). Bases are read as `base.yaml`, patches as `patch.yaml`, so that messages
/// and provenance name them.
enum MergeFixture {
    /// Strategic-merges one patch into one resource, with the semantics the registry gives its kind.
    static func merge(_ base: String, _ patch: String, registry: SchemaRegistry = SchemaRegistry(adding: [WeaveStack().mergeTypes])) throws -> Node {
        switch try outcome(base, patch, registry: registry) {
        case .merged(let node): return node
        case .deleted: throw Diagnostic.error(at: nil, "the patch deleted the resource")
        }
    }

    static func outcome(_ base: String, _ patch: String, registry: SchemaRegistry = SchemaRegistry(adding: [WeaveStack().mergeTypes])) throws -> StrategicMerge.Outcome {
        let b = try parse(base, file: "base.yaml")
        let p = try parse(patch, file: "patch.yaml")
        let id = try Resource(document: b).id
        guard case .strategic(let type, let options) = registry.semantics(for: id) else {
            throw Diagnostic.error(at: nil, "no strategic schema for \(id)")
        }
        return try StrategicMerge.apply(p, to: b, type: type, options: options)
    }

    /// The headline of the error a merge throws, or nil when it succeeds.
    static func mergeError(_ base: String, _ patch: String, registry: SchemaRegistry = SchemaRegistry(adding: [WeaveStack().mergeTypes])) -> String? {
        diagnostic { _ = try merge(base, patch, registry: registry) }?.headline
    }

    static func patcher(_ base: String, registry: SchemaRegistry = SchemaRegistry(adding: [WeaveStack().mergeTypes])) throws -> ResourcePatcher {
        ResourcePatcher(resources: try Resource.load(try parseStream(base, file: "base.yaml")), registry: registry)
    }

    /// Follows a dotted path; integer steps index lists: `spec.template.spec.containers.0.image`.
    static func value(_ node: Node, _ path: String) -> Node? {
        var current: Node? = node
        for step in path.split(separator: ".") {
            guard let c = current else { return nil }
            if let items = c.sequence, let i = Int(step) {
                current = i < items.count ? items[i] : nil
            } else {
                current = c[String(step)]
            }
        }
        return current
    }

    /// Expects the value at `path` to equal the YAML `expected` (mapping key order ignored,
    /// list order significant, `{}`, `null` and a missing key all different).
    static func expect(_ node: Node, _ path: String, _ expected: String,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let want = try! parse(expected, file: "expected.yaml")
        guard let got = path.isEmpty ? node : value(node, path) else {
            Issue.record("\(path) is missing; expected \(expected)\n--- document:\n\(YAMLEmitter().emit(node))",
                         sourceLocation: sourceLocation)
            return
        }
        let same = got == want
        #expect(same, "\(path): got\n\(YAMLEmitter().emit(got))\nexpected\n\(YAMLEmitter().emit(want))",
                sourceLocation: sourceLocation)
    }

    static func expectMissing(_ node: Node, _ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if let got = value(node, path) {
            Issue.record("\(path) should be absent, found \(YAMLEmitter().emit(got))", sourceLocation: sourceLocation)
        }
    }

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
            tier: front
          finalizers: [a, b]
        spec:
          replicas: 1
          strategy:
            type: RollingUpdate
            rollingUpdate:
              maxSurge: 1
          template:
            spec:
              nodeSelector:
                disk: ssd
              containers:
              - name: app
                image: app:1
                args: [--a, --b]
                env:
                - {name: A, value: a}
                - {name: B, value: b}
                - {name: C, value: c}
                ports:
                - {containerPort: 80, name: http}
                - {containerPort: 9090, name: metrics}
                volumeMounts:
                - {mountPath: /data, name: data}
                - {mountPath: /cache, name: cache}
              - name: sidecar
                image: side:1
              tolerations:
              - {key: k1, operator: Exists}
        """

    /// The four identity lines every Deployment patch starts with.
    static let deploymentHeader = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web

        """

    static let statefulSet = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          template:
            spec:
              containers:
              - name: db
                image: postgres:16
                volumeMounts:
                - {mountPath: /var/lib/postgresql, name: data}
                - {mountPath: /etc/config, name: config}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 10Gi}}
        """

    static let configMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        data:
          mode: fast
          level: info
          region: eu
        """

    static let service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          type: ClusterIP
          ports:
          - {port: 80, targetPort: 8080, name: http}
          - {port: 443, targetPort: 8443, name: https}
        """

    static let clickHouse = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: weave
          namespace: clickhouse
        spec:
          configuration:
            settings:
              max_concurrent_queries: 100
            clusters:
            - name: weavecluster
              layout:
                shardsCount: 1
              templates:
                podTemplate: clickhouse-pod
                dataVolumeClaimTemplate: data
          templates:
            podTemplates:
            - name: clickhouse-pod
              spec:
                containers:
                - name: clickhouse
                  image: clickhouse/clickhouse-server:24.8
                  resources:
                    requests:
                      cpu: "1"
                      memory: 4Gi
        """

    static let clickHouseHeader = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: weave
          namespace: clickhouse

        """
}

// MARK: - Directives

@Suite("Strategic merge: directives")
struct StrategicMergeTests {
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

    @Test("a scalar in the patch replaces the base's")
    func scalarReplace() throws {
        let merged = try F.merge(F.configMap, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              level: debug
            """)
        F.expect(merged, "data", "{mode: fast, level: debug, region: eu}")
    }

    @Test("a scalar may replace a scalar of another type")
    func scalarTypeReplace() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              replicas: "3"
            """)
        F.expect(merged, "spec.replicas", "\"3\"")
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

    // MARK: Keyed lists

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

    // MARK: Primitive and atomic lists

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

    // MARK: $patch

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

    @Test("a type change wins on a built-in kind, as in apimachinery")
    func typeChangeBuiltIn() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              strategy: Recreate
            """)
        F.expect(merged, "spec.strategy", "Recreate")
    }

    @Test("a custom resource accepts a value where the base has null")
    func customResourceNullBase() throws {
        let merged = try F.merge(F.clickHouseHeader + """
            spec:
              defaults: null
            """, F.clickHouseHeader + """
            spec:
              defaults: {replicasUseFQDN: "yes"}
            """)
        F.expect(merged, "spec.defaults", "{replicasUseFQDN: \"yes\"}")
    }

    // MARK: The issue's example

    static let prodPatch = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: weave
          namespace: clickhouse
        spec:
          configuration:
            clusters:
            - name: weavecluster
              layout:
                replicasCount: 3
          templates:
            podTemplates:
            - name: clickhouse-pod
              spec:
                containers:
                - name: clickhouse
                  resources:
                    limits:
                      cpu: "4"
                      memory: 16Gi
        """

    @Test("ClickHouseInstallation: a prod patch keeps image, requests, shardsCount and templates")
    func clickHouseProdPatch() throws {
        var patcher = try F.patcher(F.clickHouse)
        try patcher.applyStrategic(try parse(Self.prodPatch, file: "prod/patch.yaml"))
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
        try patcher.applyStrategic(try parse(Self.prodPatch, file: "prod/patch.yaml"))
        let merged = try #require(patcher.resources.first?.node)
        // What kustomize without a schema produces, and why the built-in keys exist.
        F.expectMissing(merged, "spec.templates.podTemplates.0.spec.containers.0.image")
        F.expectMissing(merged, "spec.configuration.clusters.0.layout.shardsCount")
        F.expectMissing(merged, "spec.configuration.clusters.0.templates")
        #expect(patcher.notes.count == 1)
    }
}

// MARK: - Errors

@Suite("Strategic merge: errors")
struct StrategicMergeErrorTests {
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

// MARK: - Matching patches to resources

@Suite("Strategic merge: matching patches to resources")
struct StrategicMergePatcherTests {
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
