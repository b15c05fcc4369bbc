/// The names kubectl accepts for a kind: the kind itself, its plural and singular resource
/// names, and its short names (`chi`, `deploy`, `svc`). Built-in kinds come from the API
/// server's discovery as of Kubernetes 1.31; custom kinds from their CRDs'
/// `spec.names` and from the stacks.
public struct KindNames: Sendable, Equatable {
    public struct Kind: Sendable, Hashable {
        public var group: String
        public var kind: String

        public init(group: String, kind: String) {
            self.group = group
            self.kind = kind
        }
    }

    /// Every accepted name, lowercased, and the kinds it names.
    private var byName: [String: [Kind]] = [:]

    public init() {}

    /// Records the names of a kind. Names are matched without regard to case.
    public mutating func add(group: String, kind: String, plural: String? = nil, singular: String? = nil, shortNames: [String] = []) {
        let k = Kind(group: group, kind: kind)
        for name in [plural, singular].compactMap({ $0 }) + shortNames {
            let key = name.lowercased()
            guard key != kind.lowercased() else { continue }
            if byName[key]?.contains(k) != true { byName[key, default: []].append(k) }
        }
    }

    /// The kind a short, plural or singular name stands for; nil when `name` is no alias
    /// (it may be a kind itself) or names kinds of several groups and `group` picks none.
    public func kind(named name: String, group: String? = nil) -> Kind? {
        let kinds = (byName[name.lowercased()] ?? []).filter { group == nil || $0.group.lowercased() == group!.lowercased() }
        return kinds.count == 1 ? kinds[0] : nil
    }

    /// Built-in kinds, as `kubectl api-resources` lists them.
    public static let kubernetes: KindNames = {
        var names = KindNames()
        let table: [(String, String, String, [String])] = [
            ("", "ConfigMap", "configmaps", ["cm"]),
            ("", "Endpoints", "endpoints", ["ep"]),
            ("", "LimitRange", "limitranges", ["limits"]),
            ("", "Namespace", "namespaces", ["ns"]),
            ("", "Node", "nodes", ["no"]),
            ("", "PersistentVolumeClaim", "persistentvolumeclaims", ["pvc"]),
            ("", "PersistentVolume", "persistentvolumes", ["pv"]),
            ("", "Pod", "pods", ["po"]),
            ("", "ReplicationController", "replicationcontrollers", ["rc"]),
            ("", "ResourceQuota", "resourcequotas", ["quota"]),
            ("", "Secret", "secrets", []),
            ("", "ServiceAccount", "serviceaccounts", ["sa"]),
            ("", "Service", "services", ["svc"]),
            ("apps", "DaemonSet", "daemonsets", ["ds"]),
            ("apps", "Deployment", "deployments", ["deploy"]),
            ("apps", "ReplicaSet", "replicasets", ["rs"]),
            ("apps", "StatefulSet", "statefulsets", ["sts"]),
            ("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", ["hpa"]),
            ("batch", "CronJob", "cronjobs", ["cj"]),
            ("batch", "Job", "jobs", []),
            ("networking.k8s.io", "Ingress", "ingresses", ["ing"]),
            ("networking.k8s.io", "IngressClass", "ingressclasses", []),
            ("networking.k8s.io", "NetworkPolicy", "networkpolicies", ["netpol"]),
            ("policy", "PodDisruptionBudget", "poddisruptionbudgets", ["pdb"]),
            ("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", []),
            ("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", []),
            ("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", []),
            ("rbac.authorization.k8s.io", "Role", "roles", []),
            ("scheduling.k8s.io", "PriorityClass", "priorityclasses", ["pc"]),
            ("storage.k8s.io", "StorageClass", "storageclasses", ["sc"]),
            ("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", ["crd", "crds"]),
        ]
        for (group, kind, plural, short) in table {
            names.add(group: group, kind: kind, plural: plural, singular: kind.lowercased(), shortNames: short)
        }
        return names
    }()

    /// These names and those of `other`.
    public func merging(_ other: KindNames) -> KindNames {
        var out = self
        for (name, kinds) in other.byName {
            for k in kinds where out.byName[name]?.contains(k) != true { out.byName[name, default: []].append(k) }
        }
        return out
    }
}

extension ResourceSelector {
    /// The selector with a short, plural or singular kind name replaced by the kind it
    /// names (`chi/wandb` is `ClickHouseInstallation/wandb`), as kubectl reads it.
    public func resolvingKind(_ names: KindNames) -> ResourceSelector {
        guard let k = names.kind(named: kind, group: group) else { return self }
        var out = self
        out.kind = k.kind
        if out.group == nil, !k.group.isEmpty { out.group = k.group }
        return out
    }
}
