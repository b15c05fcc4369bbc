/// The secret policy (rule `plaintext-secrets`): no secret value is written in the rendered
/// output, where everyone who can read the repository reads it. Credentials come from
/// Secrets (made by an ExternalSecret or a SealedSecret) and are referenced.
///
/// A finding names where the value is and never the value: messages show `<redacted>`.
/// An environment that must hold plaintext secrets (a throwaway demo) says why in
/// `allowPlaintextSecrets: "<reason>"`.
public enum SecretPolicy {
    typealias S = RuleSupport

    /// A plaintext secret: where it is, and its text (kept in memory only, to redact it
    /// elsewhere; never printed).
    struct Finding {
        var diagnostic: Diagnostic
        var value: String
    }

    static let shown = "<redacted>"

    /// W&B Helm values that hold a secret, with how to reference one instead.
    static let wandbSecrets: [(path: [String], instead: String)] = [
        (["global", "clickhouse", "password"], "global.clickhouse.passwordSecret: {name: <Secret>, passwordKey: <key>}"),
        (["global", "mysql", "password"], "global.mysql.passwordSecret: {name: <Secret>, passwordKey: <key>}"),
        (["global", "redis", "password"], "global.redis.secret: {secretName: <Secret>, secretKey: <key>}"),
        (["global", "email", "smtp", "password"], "an env var from a Secret (global.extraEnvFrom) instead of global.email.smtp.password"),
        (["global", "license"], "global.licenseSecret: {name: <Secret>, key: <key>}"),
        (["global", "auth", "oidc", "secret"], "global.auth.oidc.oidcSecret: {name: <Secret>, secretKey: <key>}"),
        (["global", "slack", "secret"], "an env var from a Secret (global.extraEnvFrom) instead of global.slack.secret"),
        (["global", "kafka", "password"], "global.kafka.passwordSecret: {name: <Secret>, passwordKey: <key>}"),
        (["global", "olap", "default", "password"], "an env var from a Secret (global.extraEnvFrom) instead of global.olap.default.password"),
        (["global", "bucket", "accessKey"], "global.bucket.secret: {secretName: <Secret>, accessKeyName: <key>, secretKeyName: <key>}"),
        (["global", "bucket", "secretKey"], "global.bucket.secret: {secretName: <Secret>, accessKeyName: <key>, secretKeyName: <key>}"),
    ]

    static let fromSecretStore = "a Secret made by an ExternalSecret (from your secret store) or a SealedSecret"

    /// A literal that is a secret's value: a non-empty scalar that is not null.
    static func literal(_ node: Node?) -> String? {
        guard let s = node?.scalar, s.tag != .null, !s.text.isEmpty else { return nil }
        return s.text
    }

    static func findings(_ resources: [Resource]) -> [Finding] {
        var out: [Finding] = []
        func add(_ node: Node, _ value: String, _ message: String, hint: String) {
            out.append(Finding(diagnostic: .error(at: node.location, message, hint: hint), value: value))
        }
        for r in resources {
            let name = S.name(r)
            // ClickHouse users: `<user>/password` (flat or nested), and cluster secrets.
            if r.id.groupKind == S.clickHouseGroupKind {
                if let users = r.node["spec"]?["configuration"]?["users"] {
                    S.walk(users) { node, path in
                        let keys = path.compactMap { step -> String? in if case .key(let k) = step { return k } else { return nil } }
                        let segments = keys.joined(separator: "/").split(separator: "/").map(String.init)
                        guard segments.last == "password", segments.count >= 2, let value = literal(node) else { return }
                        let user = segments[0]
                        let key = segments.joined(separator: "/")
                        add(node, value, "ClickHouse user \"\(user)\" of \(name) has a plaintext password (\(key): \(shown))",
                            hint: "reference a Secret: \(key): {valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}}}, or \(user)/password_sha256_hex from a Secret; make the Secret with \(fromSecretStore)")
                    }
                }
                for cluster in r.node["spec"]?["configuration"]?["clusters"]?.sequence ?? [] {
                    guard let node = cluster["secret"]?["value"], let value = literal(node) else { continue }
                    add(node, value, "the secret of cluster \"\(cluster["name"]?.stringValue ?? "?")\" of \(name) is written in plaintext (secret.value: \(shown))",
                        hint: "use secret.valueFrom.secretKeyRef with \(fromSecretStore), or secret.auto: \"true\"")
                }
            }
            // W&B values that are secrets, and secret-named entries of env mappings.
            if r.id.groupKind == S.wandbGroupKind, let values = r.node["spec"]?["values"] {
                for item in wandbSecrets {
                    var node: Node? = values
                    for k in item.path { node = node?[k] }
                    guard let node, let value = literal(node) else { continue }
                    add(node, value, "spec.values.\(item.path.joined(separator: ".")) of \(name) is a plaintext secret (\(shown))",
                        hint: "reference a Secret instead: \(item.instead), with the Secret made by an ExternalSecret or a SealedSecret")
                }
                S.walk(values, [.key("spec"), .key("values")], values: ["extraEnv", "env"]) { node, path in
                    guard let env = node.mapping else { return }
                    for (variable, entry) in env.entries where SecretRedactor.isSensitiveKey(variable) {
                        guard let value = literal(entry.value) else { continue }
                        add(entry.value, value, "\(S.display(path + [.key(variable)])) of \(name) is a plaintext secret (\(shown))",
                            hint: "take it from a Secret (extraEnvFrom, or valueFrom.secretKeyRef) made by an ExternalSecret or a SealedSecret")
                    }
                }
            }
            // Container env entries `{name: DB_PASSWORD, value: ...}`, in any resource.
            S.walk(r.node, values: ["env"]) { node, path in
                guard let items = node.sequence else { return }
                for (i, item) in items.enumerated() {
                    guard let variable = item["name"]?.stringValue, SecretRedactor.isSensitiveKey(variable),
                          let valueNode = item["value"], let value = literal(valueNode) else { continue }
                    add(valueNode, value, "\(S.display(path + [.index(i, name: variable), .key("value")])) of \(name) is a plaintext secret (\(shown))",
                        hint: "write valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}} instead of value, with the Secret made by an ExternalSecret or a SealedSecret")
                }
            }
            // A Secret's data and stringData.
            if r.id.groupKind == "/Secret" {
                for field in ["data", "stringData"] {
                    guard let map = r.node[field]?.mapping else { continue }
                    for (key, entry) in map.entries {
                        guard let value = literal(entry.value) else { continue }
                        add(entry.value, value, "\(S.display([.key(field), .key(key)])) of \(name) is a plaintext secret value (\(shown))",
                            hint: "commit an ExternalSecret (the value stays in your secret store) or a SealedSecret (encrypted for the cluster) instead of the Secret")
                    }
                }
            }
        }
        return out
    }

    static func check(_ context: RuleContext) -> [Diagnostic] {
        findings(context.resources).map(\.diagnostic)
    }

    /// Whether a parameter's name says it holds a credential (`dbPassword`, `apiToken`), not
    /// where one lives (`secretStore`, `secretPrefix`, `secretName`).
    public static func isSecretParameter(_ name: String) -> Bool {
        let n = name.lowercased()
        let locators = ["store", "prefix", "name", "ref", "path", "namespace"]
        return SecretRedactor.isSensitiveKey(name) && !locators.contains { n.hasSuffix($0) }
    }

    /// The plaintext secret values of rendered resources, to keep them out of everything
    /// printed about the render (render-info.txt's parameters, say).
    public static func secretValues(in resources: [Resource]) -> Set<String> {
        Set(findings(resources).map(\.value))
    }
}
