import Overlays

/// The ids of the Weave stack's rules, as diagnostics show them (`[keeper-nodes]`) and as an
/// environment's `rules.disable` names them.
public enum RuleID {
    public static let keeperNodes = "keeper-nodes"
    public static let replicatedClusterName = "replicated-cluster-name"
    public static let replicatedFlag = "replicated-flag"
    public static let clickHouseConfigXML = "clickhouse-config-xml"
    public static let s3ReplicaPlaceholder = "s3-replica-placeholder"
    public static let cacheBelowVolume = "cache-below-volume"
    public static let keeperVersion = "keeper-version"
    public static let keeperOddReplicas = "keeper-odd-replicas"
    public static let wandbRunAsGroup = "wandb-run-as-group"
    public static let openshiftUIDRange = "openshift-uid-range"
    public static let antiAffinityNodes = "anti-affinity-nodes"
    public static let clusterNamePattern = "cluster-name-pattern"
    public static let stringBooleans = "string-booleans"
}

/// The seeds' rules: what their "critical configuration updates" and troubleshooting
/// sections say must hold, in the order they report. The engine's secret policy runs after
/// them (`SecretPolicy`), and knows the stack's secret fields through `WeaveSecrets`.
public enum WeaveRules {
    public static let all: [Rule] = [
        Rule(RuleID.keeperNodes, "ClickHouseInstallation zookeeper.nodes name every Keeper replica (host chk-<installation>-<cluster>-0-<i>.<namespace>.svc.cluster.local, port 2181), no more, no fewer", check: .byStage(WeaveWiring.Stage.name)),
        Rule(RuleID.replicatedClusterName, "weave-trace's WF_CLICKHOUSE_REPLICATED_CLUSTER is the ClickHouse cluster's name", check: .byStage(WeaveWiring.Stage.name)),
        Rule(RuleID.replicatedFlag, "W&B global.clickhouse.replicated and WF_CLICKHOUSE_REPLICATED say whether the cluster has more than one replica", check: .byStage(WeaveWiring.Stage.name)),
        Rule(RuleID.clickHouseConfigXML, "every .xml file in a ClickHouse or Keeper installation's spec.configuration.files is well-formed XML", check: .resources(ClickHouseRules.xmlWellFormed)),
        Rule(RuleID.s3ReplicaPlaceholder, "every S3 <endpoint> in the ClickHouse config.d/*.xml files ends in a path holding {replica}", check: .resources(ClickHouseRules.replicaPlaceholder)),
        Rule(RuleID.cacheBelowVolume, "a cache disk's <max_size> is below the data volume claim's resources.requests.storage", check: .resources(ClickHouseRules.cacheBelowVolume)),
        Rule(RuleID.keeperVersion, "the Keeper image version is at least the ClickHouse server's (numeric tags; others are skipped)", check: .resources(ClickHouseRules.keeperVersion)),
        Rule(RuleID.keeperOddReplicas, "a Keeper cluster has an odd number of replicas: a Raft ensemble of 2n tolerates no more failures than one of 2n-1", severity: .warning, check: .resources(ClickHouseRules.keeperOddReplicas)),
        Rule(RuleID.wandbRunAsGroup, "runAsGroup is 0 in W&B component security contexts and in the Keeper and ClickHouse pod templates", check: .resources(SecurityRules.runAsGroup)),
        Rule(RuleID.openshiftUIDRange, "on OpenShift with a declared uidRange, every runAsUser and fsGroup is inside it", check: .resources(SecurityRules.uidRange)),
        Rule(RuleID.antiAffinityNodes, "required pod anti-affinity on kubernetes.io/hostname does not need more nodes than the environment declares", severity: .warning, check: .resources(SecurityRules.antiAffinity)),
        Rule(RuleID.clusterNamePattern, "ClickHouse and Keeper cluster names match ^[a-zA-Z0-9-]{0,15}$", check: .resources(ClickHouseRules.clusterNames)),
        Rule(RuleID.stringBooleans, "string-typed CRD fields (stop, secure, insecure, reconcile.host.wait.*, configuration files, ...) are not bare YAML booleans", check: .resources(ClickHouseRules.stringBooleans)),
    ]

    public static let ids: [String] = all.map(\.id)

    public static func rule(_ id: String) -> Rule? { all.first { $0.id == id } }
}
