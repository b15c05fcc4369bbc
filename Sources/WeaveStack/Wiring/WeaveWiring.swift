import MergeEngine
import Overlays
import YAMLModel

/// Values of the Weave stack that must agree across resources, derived from the merged
/// Keeper and ClickHouse installations instead of typed twice:
///
/// - the ClickHouseInstallation's `spec.configuration.zookeeper.nodes`, one per Keeper
///   replica, named as the Altinity operator names Keeper services;
/// - the WeightsAndBiases resource's `global.clickhouse.host`, `port` and `replicated`, and
///   weave-trace's `WF_CLICKHOUSE_REPLICATED` and `WF_CLICKHOUSE_REPLICATED_CLUSTER`.
///
/// Where the source leaves a value out it is filled in; where it writes one that disagrees,
/// that is an error at the written value. The agreement checks are rules of the stack (see
/// `WeaveRules`): they report under the ids `keeper-nodes`, `replicated-flag` and
/// `replicated-cluster-name`, and an environment may disable them with a reason.
public enum WeaveWiring {
    /// The wiring as a stage of the render pipeline, after the merge.
    public struct Stage: RenderStage {
        public static let name = "weave-wiring"
        public var name: String { Self.name }

        public func run(_ resources: inout [Resource], environment: Environment) -> [Diagnostic] {
            WeaveWiring.apply(to: &resources)
        }
    }

    public static let keeperGroupKind = "clickhouse-keeper.altinity.com/ClickHouseKeeperInstallation"
    public static let clickHouseGroupKind = "clickhouse.altinity.com/ClickHouseInstallation"
    public static let wandbGroupKind = "apps.wandb.com/WeightsAndBiases"
    public static let keeperPort = 2181
    public static let clickHouseHTTPPort = 8123

    /// The facts wiring derives values from, read from merged resources.
    public struct KeeperEnsemble: Equatable {
        public var installation: String
        public var namespace: String
        public var cluster: String
        public var replicas: Int
        /// Where the replica count was set: derived values point here.
        public var origin: SourceLocation
        /// The value the nodes derive from (the replica count, or the cluster's name when the
        /// count is not written), with its history, and what it is.
        public var source: Node
        public var sourceReason: Overridden.Reason

        public var hosts: [String] {
            (0..<replicas).map { "chk-\(installation)-\(cluster)-0-\($0).\(namespace).svc.cluster.local" }
        }
    }

    public struct ClickHouseCluster: Equatable {
        public var installation: String
        public var namespace: String
        public var cluster: String
        public var replicas: Int
        public var nameOrigin: SourceLocation
        public var replicasOrigin: SourceLocation
        /// The values derived ones come from, with their histories, and what each is.
        public var installationName: Node
        public var installationReason: Overridden.Reason
        public var portReason: Overridden.Reason
        public var name: Node
        public var nameReason: Overridden.Reason
        public var replicasSource: Node
        public var replicasReason: Overridden.Reason

        public var host: String { "clickhouse-\(installation).\(namespace).svc.cluster.local" }
        public var replicated: Bool { replicas > 1 }
    }

    /// Applies the wiring to an environment's merged resources. Returns the errors found.
    public static func apply(to resources: inout [Resource]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let keepers = resources.indices.filter { resources[$0].id.groupKind == keeperGroupKind }
        let servers = resources.indices.filter { resources[$0].id.groupKind == clickHouseGroupKind }
        let wandbs = resources.indices.filter { resources[$0].id.groupKind == wandbGroupKind }

        if keepers.count > 1 || servers.count > 1 {
            let all = (keepers + servers).map { resources[$0] }
            diagnostics.append(.error(
                at: all[1].node.location,
                "the environment has \(keepers.count) Keeper and \(servers.count) ClickHouse installations; wiring needs at most one of each",
                hint: "split the installations into separate environments"))
            return diagnostics
        }
        var cluster: ClickHouseCluster?
        if let s = servers.first {
            do {
                cluster = try clickHouseCluster(resources[s])
            } catch let d as Diagnostic { diagnostics.append(d) } catch {}
        }
        if let k = keepers.first, let s = servers.first {
            do {
                let ensemble = try keeperEnsemble(resources[k])
                resources[s].node = try wireKeeperNodes(resources[s].node, ensemble: ensemble, diagnostics: &diagnostics)
            } catch let d as Diagnostic { diagnostics.append(d) } catch {}
        }
        if let cluster {
            for w in wandbs {
                resources[w].node = wireWandb(resources[w].node, cluster: cluster, diagnostics: &diagnostics)
            }
        }
        return diagnostics
    }

    // MARK: Reading the installations

    static func firstCluster(_ resource: Resource) throws -> (name: String, nameNode: Node, replicas: Int, replicasNode: Node?) {
        let clusters = resource.node["spec"]?["configuration"]?["clusters"]
        guard let first = clusters?.sequence?.first, first.mapping != nil else {
            throw Diagnostic.error(at: clusters?.location ?? resource.node.location,
                                   "\(resource.id) has no spec.configuration.clusters[0]",
                                   hint: "the wiring reads the first cluster's name and layout.replicasCount")
        }
        guard let nameNode = first["name"], let name = nameNode.stringValue else {
            throw Diagnostic.error(at: first.location, "the first cluster of \(resource.id) has no name")
        }
        let replicasNode = first["layout"]?["replicasCount"]
        var replicas = 1
        if let replicasNode {
            guard let n = replicasNode.scalar?.intValue, n >= 1 else {
                throw Diagnostic.error(at: replicasNode.location, "replicasCount must be a positive integer, not \(replicasNode.scalar?.display ?? replicasNode.kindName)")
            }
            replicas = n
        }
        return (name, nameNode, replicas, replicasNode)
    }

    public static func keeperEnsemble(_ resource: Resource) throws -> KeeperEnsemble {
        let c = try firstCluster(resource)
        let source = replicasSource(resource, c)
        return KeeperEnsemble(installation: resource.id.name, namespace: resource.id.namespace ?? "default", cluster: c.name,
                              replicas: c.replicas, origin: c.replicasNode?.location ?? c.nameNode.location,
                              source: source.node, sourceReason: source.reason)
    }

    public static func clickHouseCluster(_ resource: Resource) throws -> ClickHouseCluster {
        let c = try firstCluster(resource)
        let replicas = replicasSource(resource, c)
        let installationName = resource.node["metadata"]?["name"] ?? c.nameNode
        return ClickHouseCluster(installation: resource.id.name, namespace: resource.id.namespace ?? "default", cluster: c.name,
                                 replicas: c.replicas, nameOrigin: c.nameNode.location,
                                 replicasOrigin: c.replicasNode?.location ?? c.nameNode.location,
                                 installationName: installationName,
                                 installationReason: derivedReason(resource, "metadata.name", note: resource.id.namespace.map { "namespace \($0)" }),
                                 portReason: derivedReason(resource, "metadata.name", note: "ClickHouse serves HTTP on \(clickHouseHTTPPort)"),
                                 name: c.nameNode, nameReason: derivedReason(resource, "spec.configuration.clusters[0].name"),
                                 replicasSource: replicas.node, replicasReason: replicas.reason)
    }

    /// What a value derived from a cluster's replica count records as its source: the count,
    /// or the cluster's name when no count is written (one replica).
    static func replicasSource(_ resource: Resource, _ c: (name: String, nameNode: Node, replicas: Int, replicasNode: Node?)) -> (node: Node, reason: Overridden.Reason) {
        if let n = c.replicasNode {
            return (n, derivedReason(resource, "spec.configuration.clusters[0].layout.replicasCount"))
        }
        return (c.nameNode, derivedReason(resource, "spec.configuration.clusters[0].name", note: "no layout.replicasCount: 1 replica"))
    }

    /// `derived from Kind/name path (note)`, as `Overridden.reason` records it.
    static func derivedReason(_ resource: Resource, _ path: String, note: String? = nil) -> Overridden.Reason {
        .derived(from: "\(resource.id.kind)/\(resource.id.name) \(path)" + (note.map { " (\($0))" } ?? ""))
    }

    /// A derived node, recording what it derives from.
    static func derived(_ node: Node, from source: Node, _ reason: Overridden.Reason) -> Node {
        node.replacing(source, reason: reason)
    }

    // MARK: Keeper nodes

    static func wireKeeperNodes(_ chi: Node, ensemble: KeeperEnsemble, diagnostics: inout [Diagnostic]) throws -> Node {
        let hosts = ensemble.hosts
        let source = "ClickHouseKeeperInstallation/\(ensemble.installation) (cluster \(ensemble.cluster), \(ensemble.replicas) replica\(ensemble.replicas == 1 ? "" : "s") at \(ensemble.origin))"
        if let written = chi["spec"]?["configuration"]?["zookeeper"]?["nodes"], !written.isNull {
            guard let items = written.sequence else {
                diagnostics.append(.error(at: written.location, "zookeeper.nodes must be a list, not \(written.kindWithArticle)"))
                return chi
            }
            var errors: [Diagnostic] = []
            var seen: [String: SourceLocation] = [:]
            for item in items {
                let host = item["host"]
                if let h = host?.stringValue, !hosts.contains(h) {
                    errors.append(.error(at: host!.location, "Keeper host \"\(h)\" matches no replica of \(source)",
                                         hint: "remove zookeeper.nodes and gitops-weave derives them; the hosts are " + hosts.joined(separator: ", "))
                        .reported(by: RuleID.keeperNodes))
                } else if let h = host?.stringValue, let first = seen[h] {
                    errors.append(.error(at: host!.location, "Keeper host \"\(h)\" is listed twice in zookeeper.nodes; first at \(first)",
                                         hint: "remove zookeeper.nodes and gitops-weave derives them from the Keeper installation")
                        .reported(by: RuleID.keeperNodes))
                } else if host?.stringValue == nil {
                    errors.append(.error(at: item.location, "a zookeeper node needs a host").reported(by: RuleID.keeperNodes))
                }
                if let h = host?.stringValue, seen[h] == nil { seen[h] = host!.location }
                if let port = item["port"], port.scalar != .int(keeperPort) {
                    errors.append(.error(at: port.location, "Keeper port is \(port.scalar?.display ?? port.kindName), but Keeper listens on \(keeperPort)",
                                         hint: "write port: \(keeperPort) (an integer), or remove zookeeper.nodes to have it derived")
                        .reported(by: RuleID.keeperNodes))
                }
            }
            let writtenHosts = items.compactMap { $0["host"]?.stringValue }
            if errors.isEmpty && (items.count != hosts.count || Set(writtenHosts) != Set(hosts)) {
                errors.append(.error(at: written.location, "zookeeper.nodes lists \(items.count) Keeper node\(items.count == 1 ? "" : "s"), but \(source) has \(hosts.count)",
                                     hint: "remove zookeeper.nodes and gitops-weave derives them from the Keeper installation")
                    .reported(by: RuleID.keeperNodes))
            }
            diagnostics.append(contentsOf: errors)
            return chi
        }
        let from = { (node: Node) in derived(node, from: ensemble.source, ensemble.sourceReason) }
        let nodes = hosts.map { host -> Node in
            var m = Mapping()
            m.set("host", from(.scalar(.string(host), at: ensemble.origin)))
            m.set("port", from(.scalar(.int(keeperPort), at: ensemble.origin)))
            return from(Node(.mapping(m), at: ensemble.origin))
        }
        return chi.setting(["spec", "configuration", "zookeeper", "nodes"], to: from(Node(.sequence(nodes), at: ensemble.origin)))
    }

    // MARK: WeightsAndBiases

    static func wireWandb(_ wandb: Node, cluster: ClickHouseCluster, diagnostics: inout [Diagnostic]) -> Node {
        var node = wandb
        let from = "ClickHouseInstallation/\(cluster.installation)"
        let replicas = (cluster.replicasSource, cluster.replicasReason)
        // Each value, and the stack rule its agreement check reports under (host and port are
        // plain wiring: nothing to disable).
        let derivedValues: [(path: [String], value: Scalar, origin: SourceLocation, why: String, source: (Node, Overridden.Reason), rule: String?)] = {
            var d: [([String], Scalar, SourceLocation, String, (Node, Overridden.Reason), String?)] = [
                (["global", "clickhouse", "host"], .string(cluster.host), cluster.nameOrigin, "\(from) in namespace \(cluster.namespace) is served at \(cluster.host)",
                 (cluster.installationName, cluster.installationReason), nil),
                (["global", "clickhouse", "port"], .int(clickHouseHTTPPort), cluster.nameOrigin, "ClickHouse serves HTTP on \(clickHouseHTTPPort)",
                 (cluster.installationName, cluster.portReason), nil),
                (["global", "clickhouse", "replicated"], .bool(cluster.replicated), cluster.replicasOrigin,
                 "\(from) has \(cluster.replicas) replica\(cluster.replicas == 1 ? "" : "s") (\(cluster.replicasOrigin))", replicas, RuleID.replicatedFlag),
                (["weave-trace", "extraEnv", "WF_CLICKHOUSE_REPLICATED"], .string(cluster.replicated ? "true" : "false"), cluster.replicasOrigin,
                 "\(from) has \(cluster.replicas) replica\(cluster.replicas == 1 ? "" : "s") (\(cluster.replicasOrigin))", replicas, RuleID.replicatedFlag),
            ]
            if cluster.replicated {
                d.append((["weave-trace", "extraEnv", "WF_CLICKHOUSE_REPLICATED_CLUSTER"], .string(cluster.cluster), cluster.nameOrigin,
                          "the cluster of \(from) is named \"\(cluster.cluster)\" (\(cluster.nameOrigin))", (cluster.name, cluster.nameReason),
                          RuleID.replicatedClusterName))
            }
            return d
        }()
        for item in derivedValues {
            let path = ["spec", "values"] + item.path
            // Every step above the value must be a mapping (or absent) before one is written there.
            if let depth = (1..<path.count).first(where: { i in
                node.value(at: Array(path.prefix(i))).map { $0.mapping == nil && !$0.isNull } ?? false
            }) {
                let blocker = node.value(at: Array(path.prefix(depth)))!
                diagnostics.append(.error(
                    at: blocker.location, "\(path.prefix(depth).joined(separator: ".")) is \(blocker.kindWithArticle), but it must be a mapping to hold \(path.last!)",
                    hint: "Helm values there are mappings; write it as key: value pairs"))
                continue
            }
            if let written = node.value(at: path), !written.isNull {
                if written.scalar != item.value {
                    let shown = written.scalar?.display ?? written.kindName
                    var d = Diagnostic.error(
                        at: written.location, "\(path.joined(separator: ".")) is \(shown), but \(item.why), so it must be \(item.value.display)",
                        hint: "remove it and gitops-weave derives it, or make the two agree")
                    d.rule = item.rule
                    diagnostics.append(d)
                }
                continue
            }
            node = node.setting(path, to: derived(.scalar(item.value, at: item.origin), from: item.source.0, item.source.1))
        }
        // A cluster name written while not replicated must still agree.
        if !cluster.replicated, let written = node.value(at: ["spec", "values", "weave-trace", "extraEnv", "WF_CLICKHOUSE_REPLICATED_CLUSTER"]),
           let name = written.stringValue, name != cluster.cluster {
            diagnostics.append(.error(at: written.location, "WF_CLICKHOUSE_REPLICATED_CLUSTER is \"\(name)\", but the cluster of \(from) is \"\(cluster.cluster)\"",
                                      hint: "remove it, or name the ClickHouse cluster the same")
                .reported(by: RuleID.replicatedClusterName))
        }
        return node
    }
}
