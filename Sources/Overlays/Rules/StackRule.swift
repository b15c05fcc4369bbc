import Foundation

/// The ids of the stack rules, as diagnostics show them (`[keeper-nodes]`) and as an
/// environment's `rules.disable` names them.
public enum RuleID {
    public static let keeperNodes = "keeper-nodes"
    public static let replicatedClusterName = "replicated-cluster-name"
    public static let replicatedFlag = "replicated-flag"
    public static let s3ReplicaPlaceholder = "s3-replica-placeholder"
    public static let cacheBelowVolume = "cache-below-volume"
    public static let keeperVersion = "keeper-version"
    public static let wandbRunAsGroup = "wandb-run-as-group"
    public static let openshiftUIDRange = "openshift-uid-range"
    public static let antiAffinityNodes = "anti-affinity-nodes"
    public static let clusterNamePattern = "cluster-name-pattern"
    public static let stringBooleans = "string-booleans"
    public static let plaintextSecrets = "plaintext-secrets"
}

/// What a rule reads: an environment's merged resources after the derived wiring, and the
/// environment file (platform, node count).
public struct RuleContext: Sendable {
    public var resources: [Resource]
    public var environment: Environment

    /// What several rules read from the same resource (the parsed XML of a ClickHouse
    /// installation's files), made once per check.
    let memo = Memo()

    public init(resources: [Resource], environment: Environment) {
        self.resources = resources
        self.environment = environment
    }

    final class Memo: @unchecked Sendable {
        private let lock = NSLock()
        private var configFiles: [ResourceID: [ClickHouseRules.ConfigFile]] = [:]

        func configFiles(_ chi: Resource) -> [ClickHouseRules.ConfigFile] {
            lock.lock()
            defer { lock.unlock() }
            if let done = configFiles[chi.id] { return done }
            let files = ClickHouseRules.configFiles(chi)
            configFiles[chi.id] = files
            return files
        }
    }

    /// The resources of one `group/Kind`.
    public func resources(_ groupKind: String) -> [Resource] {
        resources.filter { $0.id.groupKind == groupKind }
    }
}

/// One check of the rendered stack: what the seeds' "critical configuration updates" and
/// troubleshooting sections say must hold. Each finding is a diagnostic at the value that
/// breaks the rule (the source line that set it), with a hint saying how to fix it.
public struct StackRule: Sendable {
    public var id: String
    /// What it checks, in one line (the README's table).
    public var summary: String
    /// What a finding is: errors stop the render, warnings do not.
    public var severity: Diagnostic.Severity
    /// The check. Nil for the rules the derived wiring checks while it derives the values
    /// (`StackWiring` reports those under the rule's id): one implementation, not two.
    var check: (@Sendable (RuleContext) -> [Diagnostic])?

    init(_ id: String, _ summary: String, severity: Diagnostic.Severity = .error, check: (@Sendable (RuleContext) -> [Diagnostic])?) {
        self.id = id
        self.summary = summary
        self.severity = severity
        self.check = check
    }

    /// Whether `StackWiring` reports this rule's findings.
    public var checkedByWiring: Bool { check == nil }

    /// Runs the rule; every finding carries the rule's id and severity.
    public func run(_ context: RuleContext) -> [Diagnostic] {
        (check?(context) ?? []).map { d in
            var out = d.reported(by: id)
            out.severity = severity
            return out
        }
    }
}

/// The stack rules, in the order they report, and running them on an environment.
public enum StackRules {
    public static let all: [StackRule] = [
        StackRule(RuleID.keeperNodes, "ClickHouseInstallation zookeeper.nodes name every Keeper replica (host chk-<installation>-<cluster>-0-<i>.<namespace>.svc.cluster.local, port 2181), no more, no fewer", check: nil),
        StackRule(RuleID.replicatedClusterName, "weave-trace's WF_CLICKHOUSE_REPLICATED_CLUSTER is the ClickHouse cluster's name", check: nil),
        StackRule(RuleID.replicatedFlag, "W&B global.clickhouse.replicated and WF_CLICKHOUSE_REPLICATED say whether the cluster has more than one replica", check: nil),
        StackRule(RuleID.s3ReplicaPlaceholder, "every S3 <endpoint> in the ClickHouse config.d/*.xml files ends in a path holding {replica}", check: ClickHouseRules.replicaPlaceholder),
        StackRule(RuleID.cacheBelowVolume, "a cache disk's <max_size> is below the data volume claim's resources.requests.storage", check: ClickHouseRules.cacheBelowVolume),
        StackRule(RuleID.keeperVersion, "the Keeper image version is at least the ClickHouse server's (numeric tags; others are skipped)", check: ClickHouseRules.keeperVersion),
        StackRule(RuleID.wandbRunAsGroup, "runAsGroup is 0 in W&B component security contexts and in the Keeper and ClickHouse pod templates", check: SecurityRules.runAsGroup),
        StackRule(RuleID.openshiftUIDRange, "on OpenShift with a declared uidRange, every runAsUser and fsGroup is inside it", check: SecurityRules.uidRange),
        StackRule(RuleID.antiAffinityNodes, "required pod anti-affinity on kubernetes.io/hostname does not need more nodes than the environment declares", severity: .warning, check: SecurityRules.antiAffinity),
        StackRule(RuleID.clusterNamePattern, "ClickHouse and Keeper cluster names match ^[a-zA-Z0-9-]{0,15}$", check: ClickHouseRules.clusterNames),
        StackRule(RuleID.stringBooleans, "string-typed CRD fields (stop, secure, insecure, reconcile.host.wait.*, configuration files, ...) are not bare YAML booleans", check: ClickHouseRules.stringBooleans),
        StackRule(RuleID.plaintextSecrets, "no plaintext secret values: ClickHouse user passwords, W&B passwords and license, secret env values, Secret data", check: SecretPolicy.check),
    ]

    public static let ids: [String] = all.map(\.id)

    public static func rule(_ id: String) -> StackRule? { all.first { $0.id == id } }

    /// What running the rules gave: the diagnostics to report, and how many findings each
    /// waived rule (or the plaintext-secret allowance) kept quiet.
    public struct Result: Sendable {
        public var diagnostics: [Diagnostic] = []
        public var suppressed: [String: Int] = [:]
    }

    /// Runs every rule on an environment's wired resources. `wiring` holds what
    /// `StackWiring.apply` reported (some of it under rule ids): it comes first, as it did
    /// before the rules, then each rule's findings in rule order. Findings of a rule the
    /// environment disables, and plaintext secrets it allows, are counted, not reported.
    public static func check(_ resources: [Resource], environment: Environment, wiring: [Diagnostic] = []) -> Result {
        let context = RuleContext(resources: resources, environment: environment)
        let waived = Set(environment.disabledRules.map(\.id))
        var result = Result()
        let found = wiring + all.flatMap { $0.run(context) }
        for d in found {
            guard let rule = d.rule else {
                result.diagnostics.append(d)
                continue
            }
            if waived.contains(rule) || (rule == RuleID.plaintextSecrets && environment.plaintextSecretsAllowed != nil) {
                result.suppressed[rule, default: 0] += 1
            } else {
                result.diagnostics.append(d)
            }
        }
        return result
    }
}
