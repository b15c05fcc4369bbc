import MergeEngine
import YAMLModel

/// Objects an environment relies on that its own resources do not create: Secrets a
/// controller or a person makes, namespaces the cluster already has. Declared with the
/// reason they exist, in the project file (every environment) or an environment file:
///
///     external:
///       secrets:
///       - {name: app-license, namespace: shop, reason: "the platform team's Vault sync makes it"}
///       namespaces:
///       - {name: argocd, reason: "Argo CD's own namespace"}
public struct ExternalObjects: Sendable {
    public struct Object: Sendable {
        public var name: String
        /// Nil for a namespace, and for a Secret declared in every namespace.
        public var namespace: String?
        public var reason: String
        public var location: SourceLocation
    }

    public var secrets: [Object] = []
    public var namespaces: [Object] = []

    public init() {}

    /// Reads `external:`; `file` names where it is written, for messages.
    public init(_ node: Node?) throws {
        guard let node, !node.isNull else { return }
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "external must be a mapping with secrets: and namespaces:, not \(node.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["secrets", "namespaces"], in: "external")
        secrets = try Self.objects(map["secrets"], field: "external.secrets", keys: ["name", "namespace", "reason"])
        namespaces = try Self.objects(map["namespaces"], field: "external.namespaces", keys: ["name", "reason"])
    }

    static func objects(_ node: Node?, field: String, keys: Set<String>) throws -> [Object] {
        try ProjectFileReader.list(node, field: field).map { item in
            guard let m = item.mapping else {
                throw Diagnostic.error(at: item.location, "an entry of \(field) is a mapping {\(keys.sorted().joined(separator: ", "))}, not \(item.kindWithArticle)")
            }
            try ProjectFileReader.rejectUnknownKeys(m, allowed: keys, in: "an entry of \(field)")
            guard let name = m["name"]?.stringValue, !name.isEmpty else {
                throw Diagnostic.error(at: item.location, "an entry of \(field) needs a name")
            }
            guard let reason = m["reason"]?.stringValue, !reason.allSatisfy(\.isWhitespace) else {
                throw Diagnostic.error(at: m["reason"]?.location ?? item.location, "\(field) entry \"\(name)\" needs a written reason",
                                       hint: "write reason: \"<what creates it, or why it exists>\"; render-info.txt records it")
            }
            return Object(name: name, namespace: m["namespace"]?.stringValue, reason: reason, location: item.location)
        }
    }

    /// These declarations and `other`'s.
    public func merging(_ other: ExternalObjects) -> ExternalObjects {
        var out = self
        out.secrets += other.secrets
        out.namespaces += other.namespaces
        return out
    }

    func declaresSecret(_ name: String, namespace: String?) -> Bool {
        secrets.contains { $0.name == name && ($0.namespace == nil || namespace == nil || $0.namespace == namespace) }
    }
}

/// The engine's reference rules: what an environment's resources refer to that nothing
/// creates. Both are warnings: the object may come from elsewhere, and `external:` says so.
public enum ReferenceRules {
    public static let danglingSecretID = "dangling-secret-ref"
    public static let undeclaredNamespaceID = "undeclared-namespace"

    /// Namespaces every cluster has.
    static let clusterNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]

    public static let all: [Rule] = [
        Rule(danglingSecretID, "a Secret a resource refers to (secretKeyRef, secretRef, secretName, imagePullSecrets, a ...Secret: {name}) is created in the environment (a Secret, an ExternalSecret's target, a SealedSecret, a cert-manager Certificate) or declared in external.secrets",
             severity: .warning, check: .resources(danglingSecrets)),
        Rule(undeclaredNamespaceID, "a namespace the resources use is created by a Namespace resource, is one every cluster has, or is declared in external.namespaces",
             severity: .warning, check: .resources(undeclaredNamespaces)),
    ]

    // MARK: Secrets

    /// Secrets the environment makes, as `namespace/name` (`*/name` when any namespace).
    static func createdSecrets(_ resources: [Resource]) -> Set<String> {
        var out = Set<String>()
        for r in resources {
            let ns = r.id.namespace ?? "default"
            switch r.id.groupKind {
            case "/Secret":
                out.insert("\(ns)/\(r.id.name)")
            case let gk where gk.hasSuffix("external-secrets.io/ExternalSecret"):
                out.insert("\(ns)/\(r.node["spec"]?["target"]?["name"]?.stringValue ?? r.id.name)")
            case let gk where gk.hasSuffix("external-secrets.io/ClusterExternalSecret"):
                let spec = r.node["spec"]?["externalSecretSpec"]
                out.insert("*/\(spec?["target"]?["name"]?.stringValue ?? r.node["spec"]?["externalSecretName"]?.stringValue ?? r.id.name)")
            case "bitnami.com/SealedSecret":
                out.insert("\(ns)/\(r.node["spec"]?["template"]?["metadata"]?["name"]?.stringValue ?? r.id.name)")
            case "cert-manager.io/Certificate":
                if let name = r.node["spec"]?["secretName"]?.stringValue { out.insert("\(ns)/\(name)") }
            default:
                break
            }
        }
        return out
    }

    /// A reference to a Secret: its name's node, and the path that led to it.
    struct SecretReference {
        var name: String
        var node: Node
        var path: [FieldPath.Step]
    }

    static func secretReferences(in resource: Resource) -> [SecretReference] {
        var out: [SecretReference] = []
        func walk(_ node: Node, _ path: [FieldPath.Step]) {
            switch node.value {
            case .scalar:
                return
            case .sequence(let items):
                for (i, item) in items.enumerated() {
                    walk(item, path + [.element(i, of: item)])
                }
            case .mapping(let m):
                for (key, entry) in m.entries {
                    let here = path + [.key(key)]
                    let lower = key.lowercased()
                    if lower == "imagepullsecrets", let items = entry.value.sequence {
                        for item in items {
                            if let n = item["name"], let name = n.stringValue { out.append(SecretReference(name: name, node: n, path: here + [.element(key: "name", value: name), .key("name")])) }
                        }
                        continue
                    }
                    if key == "secretName", case .key("secret")? = path.last, let name = entry.value.stringValue {
                        out.append(SecretReference(name: name, node: entry.value, path: here))
                        continue
                    }
                    if let inner = entry.value.mapping, let n = inner["name"], let name = n.stringValue,
                       lower == "secretkeyref" || lower == "secretref" || (lower.hasSuffix("secret") && lower != "secret") {
                        out.append(SecretReference(name: name, node: n, path: here + [.key("name")]))
                        continue
                    }
                    walk(entry.value, here)
                }
            }
        }
        // A Secret's data, an ExternalSecret's spec and a SealedSecret hold no references to
        // other Secrets worth following.
        switch resource.id.kind {
        case "Secret", "ExternalSecret", "ClusterExternalSecret", "SealedSecret": return []
        default: walk(resource.node, [])
        }
        return out
    }

    static func danglingSecrets(_ context: RuleContext) -> [Diagnostic] {
        let created = createdSecrets(context.resources)
        let external = context.environment.external
        var out: [Diagnostic] = []
        for r in context.resources {
            let ns = r.id.namespace ?? "default"
            for ref in secretReferences(in: r) {
                if created.contains("\(ns)/\(ref.name)") || created.contains("*/\(ref.name)") || external.declaresSecret(ref.name, namespace: ns) { continue }
                out.append(Diagnostic(
                    .warning, at: ref.node.location,
                    "\(FieldPath(ref.path).description) of \(r.id.kind)/\(r.id.name) refers to Secret \"\(ref.name)\" in namespace \(ns), which nothing in this environment creates",
                    hint: "create it with an ExternalSecret or a SealedSecret, or declare it under external.secrets: [{name: \(ref.name), namespace: \(ns), reason: \"<what creates it>\"}]"))
            }
        }
        return out
    }

    // MARK: Namespaces

    static func undeclaredNamespaces(_ context: RuleContext) -> [Diagnostic] {
        var created = clusterNamespaces
        for r in context.resources where r.id.groupKind == "/Namespace" { created.insert(r.id.name) }
        for n in context.environment.external.namespaces { created.insert(n.name) }
        var reported = Set<String>()
        var out: [Diagnostic] = []
        for r in context.resources {
            guard let node = r.node["metadata"]?["namespace"], let ns = node.stringValue, !created.contains(ns),
                  reported.insert(ns).inserted else { continue }
            let users = context.resources.filter { $0.id.namespace == ns }.count
            out.append(Diagnostic(
                .warning, at: node.location,
                "namespace \"\(ns)\" is used by \(users) resource\(users == 1 ? "" : "s") (first \(r.id.kind)/\(r.id.name)), but nothing in this environment creates it",
                hint: "add a Namespace resource to the base or a layer, or declare it under external.namespaces: [{name: \(ns), reason: \"<what creates it>\"}]"))
        }
        return out
    }
}
