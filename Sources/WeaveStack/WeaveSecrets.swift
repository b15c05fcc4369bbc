import MergeEngine
import Overlays
import YAMLModel

/// Where the Weave stack's resources hold secrets, for the engine's secret policy:
/// ClickHouse user passwords and cluster secrets, and the W&B values that are credentials.
enum WeaveSecrets {
    typealias S = RuleSupport

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

    static func findings(in r: Resource) -> [SecretPolicy.Finding] {
        var out: [SecretPolicy.Finding] = []
        func add(_ node: Node, _ value: String, _ message: String, hint: String) {
            out.append(SecretPolicy.Finding(node, value, message, hint: hint))
        }
        let name = S.name(r)
        // ClickHouse users: `<user>/password` (flat or nested), and cluster secrets.
        if r.id.groupKind == S.clickHouseGroupKind {
            if let users = r.node["spec"]?["configuration"]?["users"] {
                FieldPath.walk(users) { node, path in
                    let keys = path.compactMap { step -> String? in if case .key(let k) = step { return k } else { return nil } }
                    let segments = keys.joined(separator: "/").split(separator: "/").map(String.init)
                    guard segments.last == "password", segments.count >= 2, let value = SecretPolicy.literal(node) else { return }
                    let user = segments[0]
                    let key = segments.joined(separator: "/")
                    add(node, value, "ClickHouse user \"\(user)\" of \(name) has a plaintext password (\(key): \(SecretPolicy.shown))",
                        hint: "reference a Secret: \(key): {valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}}}, or \(user)/password_sha256_hex from a Secret; make the Secret with \(fromSecretStore)")
                }
            }
            for cluster in r.node["spec"]?["configuration"]?["clusters"]?.sequence ?? [] {
                guard let node = cluster["secret"]?["value"], let value = SecretPolicy.literal(node) else { continue }
                add(node, value, "the secret of cluster \"\(cluster["name"]?.stringValue ?? "?")\" of \(name) is written in plaintext (secret.value: \(SecretPolicy.shown))",
                    hint: "use secret.valueFrom.secretKeyRef with \(fromSecretStore), or secret.auto: \"true\"")
            }
        }
        // W&B values that are secrets, and secret-named entries of env mappings.
        if r.id.groupKind == S.wandbGroupKind, let values = r.node["spec"]?["values"] {
            for item in wandbSecrets {
                var node: Node? = values
                for k in item.path { node = node?[k] }
                guard let node, let value = SecretPolicy.literal(node) else { continue }
                add(node, value, "spec.values.\(item.path.joined(separator: ".")) of \(name) is a plaintext secret (\(SecretPolicy.shown))",
                    hint: "reference a Secret instead: \(item.instead), with the Secret made by an ExternalSecret or a SealedSecret")
            }
            FieldPath.walk(values, from: [.key("spec"), .key("values")], values: ["extraEnv", "env"]) { node, path in
                guard let env = node.mapping else { return }
                for (variable, entry) in env.entries where Redaction.isSensitive(key: variable) {
                    guard let value = SecretPolicy.literal(entry.value) else { continue }
                    add(entry.value, value, "\(S.display(path + [.key(variable)])) of \(name) is a plaintext secret (\(SecretPolicy.shown))",
                        hint: "take it from a Secret (extraEnvFrom, or valueFrom.secretKeyRef) made by an ExternalSecret or a SealedSecret")
                }
            }
        }
        return out
    }
}
