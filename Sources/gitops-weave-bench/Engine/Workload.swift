/// The synthetic input of the engine benchmark: N StatefulSets as one multi-document YAML
/// stream, and one strategic merge patch per StatefulSet as a second stream.
///
/// Everything is derived from a seed through SplitMix64, so a given `--resources` and
/// `--seed` always produce the same bytes, on every machine.
struct Workload {
    /// The base stream, `---`-separated.
    var base: [UInt8]
    /// The patch stream, one patch per resource, in resource order.
    var patches: [UInt8]
    var resourceCount: Int
    /// What each patch sets `spec.replicas` to, by resource index: used to check that the
    /// merge really happened.
    var expectedReplicas: [Int]
    /// What each patch sets the server container's image to, by resource index.
    var expectedImages: [String]

    var averageResourceBytes: Double { Double(base.count) / Double(max(resourceCount, 1)) }
    var averagePatchBytes: Double { Double(patches.count) / Double(max(resourceCount, 1)) }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and fully determined by its seed.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range`; the modulo bias is irrelevant for test data.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        return String((0..<digits).map { _ in alphabet[Int(next() & 15)] })
    }
}

/// Writes YAML text line by line, in the block style `kubectl get -o yaml` uses.
private struct TextWriter {
    var text = ""

    /// One line at `indent` spaces.
    mutating func line(_ indent: Int, _ content: String) {
        text.append(String(repeating: " ", count: indent))
        text.append(content)
        text.append("\n")
    }
}

private func padded(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// Generates the workload.
enum WorkloadGenerator {
    struct App {
        var name: String
        var component: String
        var ports: [(name: String, port: Int)]
        var dataPath: String
    }

    static let apps: [App] = [
        App(name: "clickhouse", component: "database", ports: [("http", 8123), ("native", 9000), ("interserver", 9009)], dataPath: "/var/lib/clickhouse"),
        App(name: "kafka", component: "broker", ports: [("plaintext", 9092), ("controller", 9093), ("jmx", 5555)], dataPath: "/var/lib/kafka/data"),
        App(name: "redis", component: "cache", ports: [("redis", 6379), ("sentinel", 26379), ("bus", 16379)], dataPath: "/data"),
        App(name: "postgres", component: "database", ports: [("postgres", 5432), ("patroni", 8008), ("pgbouncer", 6432)], dataPath: "/var/lib/postgresql/data"),
        App(name: "minio", component: "object-store", ports: [("api", 9000), ("console", 9001), ("sftp", 8022)], dataPath: "/export"),
        App(name: "zookeeper", component: "coordination", ports: [("client", 2181), ("follower", 2888), ("election", 3888)], dataPath: "/var/lib/zookeeper"),
        App(name: "weave-trace", component: "ingest", ports: [("http", 8080), ("grpc", 9090), ("admin", 8081)], dataPath: "/var/lib/weave"),
    ]

    static let logLevels = ["info", "warning", "debug", "error"]
    static let instanceTypes = ["m6i.2xlarge", "m6i.4xlarge", "r6i.2xlarge", "r6i.4xlarge", "c6i.4xlarge"]
    static let storageClasses = ["gp3", "io2", "premium-rwo", "standard-rwo"]
    static let teams = ["platform", "storage", "ingest", "observability", "ml-infra"]

    static func generate(resources n: Int, seed: UInt64) -> Workload {
        var rng = SplitMix64(seed: seed)
        var base = ""
        var patches = ""
        base.reserveCapacity(n * 3_800)
        patches.reserveCapacity(n * 900)
        var replicas: [Int] = []
        var images: [String] = []
        for i in 0..<n {
            let spec = ResourceSpec(index: i, rng: &rng)
            if i > 0 {
                base += "---\n"
                patches += "---\n"
            }
            base += spec.resourceText()
            let (patch, newReplicas, newImage) = spec.patchText(rng: &rng)
            patches += patch
            replicas.append(newReplicas)
            images.append(newImage)
        }
        return Workload(base: Array(base.utf8), patches: Array(patches.utf8), resourceCount: n,
                        expectedReplicas: replicas, expectedImages: images)
    }

    /// The varying values of one StatefulSet.
    struct ResourceSpec {
        var app: App
        var name: String
        var namespace: String
        var team: String
        var version: String
        var exporterVersion: String
        var replicas: Int
        var revision: Int
        var checksum: String
        var maxConnections: Int
        var memoryLimitGi: Int
        var cpuRequestMilli: Int
        var logLevel: String
        var instanceTypes: [String]
        var storageClass: String
        var storageGi: Int
        var podManagement: String
        var metricsPort: Int
        var tenant: Int
        /// About half the servers drain through a preStop hook (a `|` literal block).
        var hasPreStopHook: Bool
        /// Pod anti-affinity across zones, or node affinity to instance types.
        var spreadsAcrossZones: Bool
        var shard: Int

        init(index i: Int, rng: inout SplitMix64) {
            app = rng.pick(WorkloadGenerator.apps)
            tenant = rng.int(1...64)
            shard = i
            name = "\(app.name)-\(padded(i, 4))"
            namespace = "tenant-\(padded(tenant, 2))"
            team = rng.pick(WorkloadGenerator.teams)
            version = "\(rng.int(20...24)).\(rng.int(1...12)).\(rng.int(0...9))"
            exporterVersion = "0.\(rng.int(10...30)).\(rng.int(0...5))"
            replicas = rng.int(1...5)
            revision = rng.int(1...9_999)
            checksum = rng.hex(40)
            maxConnections = rng.int(1...40) * 256
            memoryLimitGi = 1 << rng.int(2...5)
            cpuRequestMilli = rng.int(1...8) * 250
            logLevel = rng.pick(WorkloadGenerator.logLevels)
            let first = rng.int(0...(WorkloadGenerator.instanceTypes.count - 2))
            instanceTypes = Array(WorkloadGenerator.instanceTypes[first...(first + 1)])
            storageClass = rng.pick(WorkloadGenerator.storageClasses)
            storageGi = rng.int(1...20) * 50
            podManagement = rng.chance(70) ? "Parallel" : "OrderedReady"
            metricsPort = rng.int(9100...9399)
            hasPreStopHook = rng.chance(50)
            spreadsAcrossZones = rng.chance(60)
        }

        func resourceText() -> String {
            var w = TextWriter()
            w.line(0, "apiVersion: apps/v1")
            w.line(0, "kind: StatefulSet")
            w.line(0, "metadata:")
            w.line(2, "name: \(name)")
            w.line(2, "namespace: \(namespace)")
            w.line(2, "labels:")
            w.line(4, "app.kubernetes.io/name: \(app.name)")
            w.line(4, "app.kubernetes.io/instance: \(name)")
            w.line(4, "app.kubernetes.io/component: \(app.component)")
            w.line(4, "team: \(team)")
            w.line(2, "annotations:")
            w.line(4, "weave.wandb.ai/revision: \"\(revision)\"")
            w.line(4, "prometheus.io/scrape: \"true\"")
            w.line(0, "spec:")
            w.line(2, "serviceName: \(name)-headless")
            w.line(2, "replicas: \(replicas)")
            w.line(2, "podManagementPolicy: \(podManagement)")
            w.line(2, "selector:")
            w.line(4, "matchLabels:")
            w.line(6, "app.kubernetes.io/name: \(app.name)")
            w.line(6, "app.kubernetes.io/instance: \(name)")
            w.line(2, "template:")
            w.line(4, "metadata:")
            w.line(6, "labels:")
            w.line(8, "app.kubernetes.io/name: \(app.name)")
            w.line(8, "app.kubernetes.io/instance: \(name)")
            w.line(6, "annotations:")
            w.line(8, "checksum/config: \(checksum)")
            w.line(4, "spec:")
            w.line(6, "containers:")
            // The server container.
            w.line(6, "- name: server")
            w.line(8, "image: ghcr.io/wandb/\(app.name):\(version)")
            w.line(8, "args:")
            w.line(8, "- --config-file=/etc/\(app.name)/config.yaml")
            w.line(8, "- --log-level=\(logLevel)")
            w.line(8, "- --max-connections=\(maxConnections)")
            w.line(8, "env:")
            w.line(8, "- name: POD_NAME")
            w.line(10, "valueFrom:")
            w.line(12, "fieldRef:")
            w.line(14, "fieldPath: metadata.name")
            w.line(8, "- name: LOG_LEVEL")
            w.line(10, "value: \(logLevel)")
            w.line(8, "- name: MAX_CONNECTIONS")
            w.line(10, "value: \"\(maxConnections)\"")
            w.line(8, "- name: TENANT_ID")
            w.line(10, "value: tenant-\(padded(tenant, 2))")
            w.line(8, "- name: SHARD")
            w.line(10, "value: \"\(shard)\"")
            w.line(8, "- name: ADMIN_PASSWORD")
            w.line(10, "valueFrom:")
            w.line(12, "secretKeyRef:")
            w.line(14, "name: \(name)-credentials")
            w.line(14, "key: admin-password")
            w.line(8, "- name: CLUSTER_NAME")
            w.line(10, "value: \(name)")
            w.line(8, "- name: ENABLE_METRICS")
            w.line(10, "value: \"true\"")
            w.line(8, "ports:")
            for p in app.ports.prefix(2) {
                w.line(8, "- name: \(p.name)")
                w.line(10, "containerPort: \(p.port)")
            }
            w.line(8, "resources:")
            w.line(10, "requests:")
            w.line(12, "cpu: \(cpuRequestMilli)m")
            w.line(12, "memory: \(memoryLimitGi / 2)Gi")
            w.line(10, "limits:")
            w.line(12, "memory: \(memoryLimitGi)Gi")
            w.line(8, "volumeMounts:")
            w.line(8, "- name: data")
            w.line(10, "mountPath: \(app.dataPath)")
            w.line(8, "- name: config")
            w.line(10, "mountPath: /etc/\(app.name)")
            w.line(10, "readOnly: true")
            if hasPreStopHook {
                w.line(8, "lifecycle:")
                w.line(10, "preStop:")
                w.line(12, "exec:")
                w.line(14, "command:")
                w.line(14, "- /bin/sh")
                w.line(14, "- -c")
                w.line(14, "- |")
                w.line(16, "echo \"draining \(name)\"")
                w.line(16, "sleep 5")
            }
            // The metrics exporter sidecar.
            w.line(6, "- name: exporter")
            w.line(8, "image: ghcr.io/wandb/metrics-exporter:\(exporterVersion)")
            w.line(8, "args:")
            w.line(8, "- --web.listen-address=:\(metricsPort)")
            w.line(8, "env:")
            w.line(8, "- name: EXPORTER_TARGET")
            w.line(10, "value: \(app.name)")
            w.line(8, "- name: EXPORTER_NAMESPACE")
            w.line(10, "valueFrom:")
            w.line(12, "fieldRef:")
            w.line(14, "fieldPath: metadata.namespace")
            w.line(8, "- name: SCRAPE_TIMEOUT")
            w.line(10, "value: 10s")
            w.line(8, "- name: LOG_FORMAT")
            w.line(10, "value: json")
            w.line(8, "- name: LOG_LEVEL")
            w.line(10, "value: \(logLevel)")
            w.line(8, "- name: TLS_ENABLED")
            w.line(10, "value: \"false\"")
            w.line(8, "ports:")
            w.line(8, "- name: metrics")
            w.line(10, "containerPort: \(metricsPort)")
            w.line(8, "resources:")
            w.line(10, "limits:")
            w.line(12, "cpu: 200m")
            w.line(12, "memory: 128Mi")
            w.line(8, "volumeMounts:")
            w.line(8, "- name: tmp")
            w.line(10, "mountPath: /tmp")
            w.line(6, "volumes:")
            w.line(6, "- name: config")
            w.line(8, "configMap:")
            w.line(10, "name: \(name)-config")
            w.line(6, "- name: tmp")
            w.line(8, "emptyDir: {}")
            w.line(6, "tolerations:")
            w.line(6, "- key: dedicated")
            w.line(8, "operator: Equal")
            w.line(8, "value: \(app.component)")
            w.line(8, "effect: NoSchedule")
            w.line(6, "affinity:")
            if spreadsAcrossZones {
                w.line(8, "podAntiAffinity:")
                w.line(10, "preferredDuringSchedulingIgnoredDuringExecution:")
                w.line(10, "- weight: 100")
                w.line(12, "podAffinityTerm:")
                w.line(14, "topologyKey: topology.kubernetes.io/zone")
                w.line(14, "labelSelector:")
                w.line(16, "matchLabels:")
                w.line(18, "app.kubernetes.io/instance: \(name)")
            } else {
                w.line(8, "nodeAffinity:")
                w.line(10, "requiredDuringSchedulingIgnoredDuringExecution:")
                w.line(12, "nodeSelectorTerms:")
                w.line(12, "- matchExpressions:")
                w.line(14, "- key: node.kubernetes.io/instance-type")
                w.line(16, "operator: In")
                w.line(16, "values:")
                for t in instanceTypes { w.line(16, "- \(t)") }
            }
            w.line(2, "volumeClaimTemplates:")
            w.line(2, "- metadata:")
            w.line(6, "name: data")
            w.line(4, "spec:")
            w.line(6, "accessModes:")
            w.line(6, "- ReadWriteOnce")
            w.line(6, "storageClassName: \(storageClass)")
            w.line(6, "resources:")
            w.line(8, "requests:")
            w.line(10, "storage: \(storageGi)Gi")
            return w.text
        }

        /// The patch: a new server image, a changed and an added env entry, CPU and memory
        /// limits, a new replica count; for about a third, the exporter's image too.
        func patchText(rng: inout SplitMix64) -> (text: String, replicas: Int, image: String) {
            let newReplicas = replicas + rng.int(1...4)
            let newImage = "ghcr.io/wandb/\(app.name):\(version)-hotfix.\(rng.int(1...9))"
            var w = TextWriter()
            w.line(0, "apiVersion: apps/v1")
            w.line(0, "kind: StatefulSet")
            w.line(0, "metadata:")
            w.line(2, "name: \(name)")
            w.line(2, "namespace: \(namespace)")
            w.line(0, "spec:")
            w.line(2, "replicas: \(newReplicas)")
            w.line(2, "template:")
            w.line(4, "spec:")
            w.line(6, "containers:")
            w.line(6, "- name: server")
            w.line(8, "image: \(newImage)")
            w.line(8, "env:")
            w.line(8, "- name: LOG_LEVEL")
            w.line(10, "value: \(rng.pick(WorkloadGenerator.logLevels.filter { $0 != logLevel }))")
            w.line(8, "- name: FEATURE_\(rng.pick(["ASYNC_INSERTS", "QUERY_CACHE", "COMPRESSION", "TRACING"]))")
            w.line(10, "value: \"\(rng.chance(50) ? "on" : "off")\"")
            w.line(8, "resources:")
            w.line(10, "limits:")
            w.line(12, "cpu: \"\(rng.int(2...8))\"")
            w.line(12, "memory: \(memoryLimitGi * 2)Gi")
            if rng.chance(33) {
                w.line(6, "- name: exporter")
                w.line(8, "image: ghcr.io/wandb/metrics-exporter:0.\(rng.int(31...40)).0")
            }
            return (w.text, newReplicas, newImage)
        }
    }
}
