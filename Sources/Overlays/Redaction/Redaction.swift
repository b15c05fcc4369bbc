import MergeEngine
import YAMLModel

/// The one redaction policy: which values are secrets, and how they are hidden wherever
/// anything is shown (`diff`, `history`, `explain`, render-info.txt, logs and commit
/// messages). A secret's value never leaves memory; where it is, and that it changed, may.
///
/// A value is a secret when:
/// - it is in a `Secret`, anywhere but its identity (`apiVersion`, `kind`, `metadata`, `type`);
/// - a key on the path to it names a credential: it contains `password`, `passwd`,
///   `secret`, `token`, `apikey`, `accesskey`, `privatekey` or `credential` (case-insensitive,
///   ignoring `-`, `_` and `.`), unless the key names a reference to one (`secretKeyRef`,
///   `secretName`, `passwordSecret`, anything ending in `Ref` or `Name`);
/// - it is the `value` of an env entry whose `name` names a credential (`{name: DB_PASSWORD, value: ...}`).
public enum Redaction {
    /// What a hidden value shows.
    public static let marker = "<redacted>"

    static let sensitiveWords = ["password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey", "credential"]
        .map { Array($0.utf8) }

    /// Whether a key names a secret value (not a reference to one).
    public static func isSensitive(key: String) -> Bool {
        let folded = key.lowercased().filter { $0 != "-" && $0 != "_" && $0 != "." }
        guard sensitiveWords.contains(where: { folded.containsBytes($0) }) else { return false }
        return !(folded.hasSuffix("ref") || folded.hasSuffix("refs") || folded.hasSuffix("name") || folded.hasSuffix("passwordsecret"))
    }

    /// Whether the value of entry `key` of `mapping` is a secret: a credential's key, or the
    /// `value` of an env entry whose `name` names one.
    public static func hides(_ key: String, of mapping: Mapping) -> Bool {
        isSensitive(key: key) || (key == "value" && (mapping["name"]?.stringValue.map(isSensitive(key:)) ?? false))
    }

    /// Whether a parameter's name says it holds a credential (`dbPassword`, `apiToken`), not
    /// where one lives (`secretStore`, `secretPrefix`, `secretName`).
    public static func isSecretParameter(_ name: String) -> Bool {
        let n = name.lowercased()
        let locators = ["store", "prefix", "name", "ref", "path", "namespace"]
        return isSensitive(key: name) && !locators.contains { n.hasSuffix($0) }
    }

    /// Whether every value of a kind's resources is a secret (apart from their identity).
    public static func redactsEverything(kind: String) -> Bool {
        kind.lowercased() == "secret"
    }

    static let identityKeys: Set<String> = ["apiVersion", "kind", "metadata", "type"]

    /// Whether the value at `path` of a resource of `kind` is a secret.
    public static func isSensitive(path: FieldPath, kind: String? = nil) -> Bool {
        if let kind, redactsEverything(kind: kind) {
            guard case .key(let top)? = path.steps.first else { return true }
            if !identityKeys.contains(top) { return true }
        }
        var namedSensitive = false
        for step in path.steps {
            switch step {
            case .key(let k):
                if isSensitive(key: k) || (namedSensitive && k == "value") { return true }
                namedSensitive = false
            case .element(let key, let value):
                namedSensitive = key == "name" && isSensitive(key: value)
            case .index:
                namedSensitive = false
            }
        }
        return false
    }

    /// A secret's stand-in in a diff: a short digest, so a diff still says that it
    /// changed, never what it is.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 1_099_511_628_211 }
        return "<redacted \(String(hash, radix: 16).prefix(8))>"
    }

    /// The resource with every secret string replaced by its digest.
    public static func redacted(_ resource: Resource) -> Node {
        let everything = redactsEverything(kind: resource.id.kind)
        guard everything, var map = resource.node.mapping else { return redact(resource.node, sensitive: false) }
        for (key, entry) in map.entries {
            map.set(key, redact(entry.value, sensitive: !identityKeys.contains(key)))
        }
        var node = resource.node
        node.value = .mapping(map)
        return node
    }

    static func redact(_ node: Node, sensitive: Bool) -> Node {
        var out = node
        switch node.value {
        case .scalar(let s):
            if sensitive, s.tag == .string, !s.text.isEmpty { out.value = .scalar(.string(digest(s.text))) }
        case .sequence(let items):
            out.value = .sequence(items.map { redact($0, sensitive: sensitive) })
        case .mapping(let m):
            var copy = m
            for (k, e) in m.entries {
                copy.set(k, redact(e.value, sensitive: sensitive || hides(k, of: m)))
            }
            out.value = .mapping(copy)
        }
        return out
    }
}
