import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Helpers for the merge test files (MapMergeTests, ListMergeTests, ScalarMergeTests,
/// DirectiveTests, MergeErrorTests, ResourcePatcherTests, JSONPatchTests, SchemaRegistryTests,
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

    /// The issue's example: a prod patch of `clickHouse` that sets replicas and limits.
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
}
