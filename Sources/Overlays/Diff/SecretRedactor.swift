import Foundation

/// Hides secret values before anything is shown: a Secret's `data` and `stringData`, any
/// string under a key that names a credential (`password`, `token`, `secretKey`, ...), and
/// the `value` of an env entry whose `name` does. A redacted value keeps a short digest, so
/// a diff still says that it changed, never what it is.
public enum SecretRedactor {
    static let sensitiveWords = ["password", "passwd", "secret", "token", "apikey", "api_key", "accesskey", "access_key", "privatekey", "private_key", "credential"]
    private static let sensitiveBytes = sensitiveWords.map { Array($0.utf8) }

    public static func isSensitiveKey(_ key: String) -> Bool {
        let k = key.lowercased()
        // References to where a secret lives are not secrets.
        if k.hasSuffix("secretref") || k.hasSuffix("secretkeyref") || k.hasSuffix("passwordsecret") || k == "secretname" || k.hasSuffix("secretstoreref") {
            return false
        }
        return sensitiveBytes.contains { k.containsBytes($0) }
    }

    public static func redacted(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 1_099_511_628_211 }
        return "<redacted \(String(hash, radix: 16).prefix(8))>"
    }

    public static func redact(_ resource: Resource) -> Node {
        var node = redact(resource.node, sensitive: false)
        if resource.id.kind == "Secret", var map = node.mapping {
            for field in ["data", "stringData"] {
                if let values = map[field] { map.set(field, redactAll(values)) }
            }
            node.value = .mapping(map)
        }
        return node
    }

    static func redactAll(_ node: Node) -> Node {
        var out = node
        switch node.value {
        case .scalar(let s): if s.tag == .string { out.value = .scalar(.string(redacted(s.text))) }
        case .sequence(let items): out.value = .sequence(items.map(redactAll))
        case .mapping(let m):
            var copy = m
            for (k, e) in m.entries { copy.set(k, redactAll(e.value)) }
            out.value = .mapping(copy)
        }
        return out
    }

    static func redact(_ node: Node, sensitive: Bool) -> Node {
        var out = node
        switch node.value {
        case .scalar(let s):
            if sensitive, s.tag == .string, !s.text.isEmpty { out.value = .scalar(.string(redacted(s.text))) }
        case .sequence(let items):
            out.value = .sequence(items.map { redact($0, sensitive: sensitive) })
        case .mapping(let m):
            var copy = m
            // An env entry `{name: DB_PASSWORD, value: ...}`.
            let namedSensitive = m["name"]?.stringValue.map(isSensitiveKey) ?? false
            for (k, e) in m.entries {
                let inner = sensitive || isSensitiveKey(k) || (namedSensitive && k == "value")
                copy.set(k, redact(e.value, sensitive: inner))
            }
            out.value = .mapping(copy)
        }
        return out
    }
}
