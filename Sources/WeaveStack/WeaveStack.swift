import MergeEngine
import Overlays
import YAMLModel

/// The self-hosted W&B Weave stack (`stacks: [weave]`): the Altinity ClickHouse operator,
/// a ClickHouse Keeper ensemble, a replicated ClickHouse cluster, and the W&B operator's
/// WeightsAndBiases resource with weave-trace.
///
/// It gives the engine the merge keys and built-in schemas of those custom resources, the
/// derived wiring between them (`WeaveWiring`), the seeds' rules (`WeaveRules`), their
/// sync order, the environment settings the rules read (`nodes`, `platform`), and where
/// their secrets live.
public struct WeaveStack: Stack {
    public static let name = "weave"

    public init() {}

    public var name: String { Self.name }
    public var mergeTypes: [String: MergeType] { WeaveMergeTypes.kinds }
    public var validationSchemas: [String: ValidationSchema] { WeaveValidationSchemas.all }
    public var environmentKeys: [String] { WeaveSettings.keys }
    public var stages: [any RenderStage] { [WeaveWiring.Stage()] }
    public var rules: [Rule] { WeaveRules.all }

    /// As the operators' CRDs name them.
    public var kindNames: KindNames {
        var names = KindNames()
        names.add(group: "clickhouse.altinity.com", kind: "ClickHouseInstallation", plural: "clickhouseinstallations", singular: "clickhouseinstallation", shortNames: ["chi"])
        names.add(group: "clickhouse-keeper.altinity.com", kind: "ClickHouseKeeperInstallation", plural: "clickhousekeeperinstallations", singular: "clickhousekeeperinstallation", shortNames: ["chk"])
        names.add(group: "apps.wandb.com", kind: "WeightsAndBiases", plural: "weightsandbiases", singular: "weightsandbiases", shortNames: ["wandb"])
        return names
    }

    public func readSettings(_ settings: Mapping) throws -> any StackSettings {
        try WeaveSettings(settings)
    }

    /// Namespaces and CRDs are the engine's; then the operator's Application (the engine's
    /// too), credentials and other plain resources, then Keeper, then the ClickHouse server,
    /// then W&B, as the seeds install them.
    public func syncWave(of id: ResourceID) -> Int? {
        switch id.groupKind {
        case WeaveWiring.keeperGroupKind: return 1
        case WeaveWiring.clickHouseGroupKind: return 2
        case WeaveWiring.wandbGroupKind: return 3
        default: return nil
        }
    }

    public func plaintextSecrets(in resource: Resource) -> [SecretPolicy.Finding] {
        WeaveSecrets.findings(in: resource)
    }
}

/// What the Weave stack reads from an environment file: where it runs.
///
/// - `nodes: 3`: the number of schedulable nodes, for the anti-affinity rule;
/// - `platform: {openshift: {uidRange: "1000680000/10000"}}`: the OpenShift project's UID
///   range, in the format of its `openshift.io/sa.scc.uid-range` annotation (`start/size`).
public struct WeaveSettings: StackSettings {
    static let keys = ["platform", "nodes"]

    public struct OpenShift: Sendable {
        public var uidStart: Int
        public var uidCount: Int
        /// As written, and where.
        public var uidRange: String
        public var location: SourceLocation

        public var uidEnd: Int { uidStart + uidCount - 1 }
        public func contains(_ uid: Int) -> Bool { uid >= uidStart && uid - uidStart < uidCount }
    }

    /// Set when the environment runs on OpenShift with a declared UID range.
    public var openShift: OpenShift?
    /// The number of schedulable nodes, when declared.
    public var nodes: Environment.Declared<Int>?

    public init(_ map: Mapping) throws {
        if let platform = map["platform"], !platform.isNull {
            guard let p = platform.mapping else {
                throw Diagnostic.error(at: platform.location, "platform must be a mapping, not \(platform.kindWithArticle)",
                                       hint: "write platform: {openshift: {uidRange: \"1000680000/10000\"}}")
            }
            try ProjectFileReader.rejectUnknownKeys(p, allowed: ["openshift"], in: "platform")
            if let os = p["openshift"], !os.isNull {
                guard let o = os.mapping else {
                    throw Diagnostic.error(at: os.location, "platform.openshift must be a mapping, not \(os.kindWithArticle)",
                                           hint: "write openshift: {uidRange: \"1000680000/10000\"}, the project's openshift.io/sa.scc.uid-range")
                }
                try ProjectFileReader.rejectUnknownKeys(o, allowed: ["uidRange"], in: "platform.openshift")
                if let range = o["uidRange"] {
                    openShift = try Self.uidRange(range)
                }
            }
        }
        if let n = map["nodes"], !n.isNull {
            guard let count = n.scalar?.intValue, count >= 1 else {
                throw Diagnostic.error(at: n.location, "nodes is the number of schedulable nodes, a positive integer, not \(n.scalar?.display ?? n.kindWithArticle)")
            }
            nodes = Environment.Declared(value: count, location: n.location)
        }
    }

    /// Reads `start/size`, as OpenShift writes a project's `openshift.io/sa.scc.uid-range`.
    static func uidRange(_ node: Node) throws -> OpenShift {
        let text = node.scalar?.text ?? ""
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard node.scalar != nil, parts.count == 2, let start = Int(parts[0]), let size = Int(parts[1]), start >= 0, size >= 1, start <= Int.max - size else {
            throw Diagnostic.error(at: node.location, "uidRange must be start/size, not \(node.scalar?.display ?? node.kindWithArticle)",
                                   hint: "copy the project's openshift.io/sa.scc.uid-range annotation, e.g. uidRange: \"1000680000/10000\"")
        }
        return OpenShift(uidStart: start, uidCount: size, uidRange: text, location: node.location)
    }
}
