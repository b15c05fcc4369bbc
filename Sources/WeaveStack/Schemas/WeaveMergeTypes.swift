import MergeEngine

/// Merge keys built in for the custom resources of the Weave stack: the Altinity
/// operator's ClickHouseInstallation and ClickHouseKeeperInstallation, and the W&B
/// operator's WeightsAndBiases. These are the `crd-keyed` paths of the conformance corpus.
public enum WeaveMergeTypes {
    static func templates() -> MergeType {
        let t = MergeType("Templates")
        t.set("podTemplates", .keyed("name", CoreSchemas.objectWithSpec("PodTemplate", spec: CoreSchemas.podSpec)))
        t.set("volumeClaimTemplates", .keyed("name", CoreSchemas.objectWithSpec("VolumeClaimTemplate", spec: CoreSchemas.persistentVolumeClaimSpec)))
        t.set("serviceTemplates", .keyed("name", CoreSchemas.objectWithSpec("ServiceTemplate", spec: CoreSchemas.serviceSpec)))
        t.set("hostTemplates", .keyed("name"))
        return t
    }

    static func zookeeper() -> MergeType {
        let t = MergeType("ZookeeperConfig")
        t.set("nodes", .keyed("host"))
        return t
    }

    static func installation(_ name: String, zookeeper withZookeeper: Bool) -> MergeType {
        let cluster = MergeType("Cluster")
        if withZookeeper { cluster.set("zookeeper", .object(zookeeper())) }
        let configuration = MergeType("Configuration")
        configuration.set("clusters", .keyed("name", cluster))
        if withZookeeper { configuration.set("zookeeper", .object(zookeeper())) }
        let spec = MergeType("\(name)Spec")
        spec.set("configuration", .object(configuration))
        spec.set("templates", .object(templates()))
        return CoreSchemas.objectWithSpec(name, spec: spec)
    }

    public static let clickHouseInstallation = installation("ClickHouseInstallation", zookeeper: true)
    public static let clickHouseKeeperInstallation = installation("ClickHouseKeeperInstallation", zookeeper: false)

    /// `spec.values` and `spec.chart` are Helm values: maps merge, lists replace, null deletes.
    public static let weightsAndBiases: MergeType = {
        let t = MergeType("WeightsAndBiases")
        t.set("metadata", .object(CoreSchemas.objectMeta))
        return t
    }()

    /// The operator's Helm chart is installed as an Argo CD Application. Its lists (sync
    /// options, value files) are atomic; `helm.valuesObject` is free-form Helm values.
    public static let argoApplication: MergeType = {
        let t = MergeType("Application")
        t.set("metadata", .object(CoreSchemas.objectMeta))
        return t
    }()

    public static let kinds: [String: MergeType] = [
        "argoproj.io/Application": argoApplication,
        "clickhouse.altinity.com/ClickHouseInstallation": clickHouseInstallation,
        "clickhouse.altinity.com/ClickHouseInstallationTemplate": clickHouseInstallation,
        "clickhouse-keeper.altinity.com/ClickHouseKeeperInstallation": clickHouseKeeperInstallation,
        "apps.wandb.com/WeightsAndBiases": weightsAndBiases,
    ]
}
