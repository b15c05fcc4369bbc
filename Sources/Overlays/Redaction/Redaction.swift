import MergeEngine
import YAMLModel

/// The one redaction policy: which values are secrets, and how they are hidden wherever
/// anything is shown (`diff`, `history`, `explain`, render-info.txt, logs and commit
/// messages). A secret's value never leaves memory; where it is, and that it changed, may.
/// References to secrets are not values: they are always shown, so a renamed Secret can be
/// reviewed.
///
/// A value is a secret when:
/// - it is in a `Secret`, anywhere but its identity (`apiVersion`, `kind`, `metadata`, `type`);
/// - a key on the path to it names a credential: it contains `password`, `passwd`,
///   `secret`, `token`, `apikey`, `accesskey`, `privatekey` or `credential` (case-insensitive,
///   ignoring `-`, `_` and `.`), unless the key names a reference to one (`secretName`,
///   anything ending in `Ref` or `Name`);
/// - it is the `value` of an env entry whose `name` names a credential (`{name: DB_PASSWORD, value: ...}`).
///
/// A value is a reference, and shown, when it is under a key that points at a secret
/// rather than holding one, even below a credential's key (`weave/password: {valueFrom:
/// {secretKeyRef: {name, key}}}`): `valueFrom`, a key ending in `Ref` or `Refs`
/// (`secretKeyRef`, `secretRef`, `remoteRef`), or a key ending in `Secret` whose value is a
/// mapping (`passwordSecret: {name, passwordKey}`, `licenseSecret: {name, key}`); and
/// everything in an `ExternalSecret` or `ClusterExternalSecret` but its template, since
/// those hold where secrets are, never what they are.
public enum Redaction {
    /// What a hidden value shows.
    public static let marker = "<redacted>"

    /// What the keys on a path make of the value under them.
    public enum Standing: Sendable, Equatable {
        case plain
        case secret
        /// Points at a secret: shown, and so is everything under it.
        case reference
    }

    static let sensitiveWords = ["password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey", "credential"]
        .map { Array($0.utf8) }

    static func folded(_ key: String) -> String {
        key.lowercased().filter { $0 != "-" && $0 != "_" && $0 != "." }
    }

    /// Whether a key names a secret value (not a reference to one).
    public static func isSensitive(key: String) -> Bool {
        let folded = folded(key)
        guard sensitiveWords.contains(where: { folded.containsBytes($0) }) else { return false }
        return !(folded.hasSuffix("ref") || folded.hasSuffix("refs") || folded.hasSuffix("name"))
    }

    /// Whether a key points at a secret: `valueFrom`, `…Ref`, `…Refs`, and (when its value
    /// is a mapping) `…Secret`.
    public static func isReference(key: String, holdsMapping: Bool) -> Bool {
        let folded = folded(key)
        return folded == "valuefrom" || folded.hasSuffix("ref") || folded.hasSuffix("refs") || (holdsMapping && folded.hasSuffix("secret"))
    }

    /// The kinds that hold only references to secrets (apart from a template).
    static let referenceKinds: Set<String> = ["externalsecret", "clusterexternalsecret"]

    /// The standing of a resource's top-level entry `key`.
    public static func standing(ofTopLevel key: String, kind: String?) -> Standing {
        guard let kind else { return .plain }
        let k = kind.lowercased()
        if k == "secret" { return identityKeys.contains(key) ? .plain : .secret }
        if referenceKinds.contains(k) { return key == "spec" ? .reference : .plain }
        return .plain
    }

    /// The standing of entry `key` of `mapping` (whose own standing is `parent`), whose
    /// value is `value`.
    public static func standing(of key: String, in mapping: Mapping?, holdsMapping: Bool, parent: Standing) -> Standing {
        switch parent {
        case .secret:
            // A reference below a credential's key is still shown. A Secret's own data never
            // qualifies: its values are strings, and a reference holds a mapping.
            return holdsMapping && isReference(key: key, holdsMapping: true) ? .reference : .secret
        case .reference:
            // An ExternalSecret's template may hold literal values.
            return key == "template" ? .plain : .reference
        case .plain:
            if isReference(key: key, holdsMapping: holdsMapping) { return .reference }
            if isSensitive(key: key) { return .secret }
            if key == "value", let name = mapping?["name"]?.stringValue, isSensitive(key: name) { return .secret }
            return .plain
        }
    }

    /// Whether a parameter's name says it holds a credential (`dbPassword`, `apiToken`), not
    /// where one lives (`secretStore`, `secretPrefix`, `secretName`).
    public static func isSecretParameter(_ name: String) -> Bool {
        let n = name.lowercased()
        let locators = ["store", "prefix", "name", "ref", "path", "namespace"]
        return isSensitive(key: name) && !locators.contains { n.hasSuffix($0) }
    }

    static let identityKeys: Set<String> = ["apiVersion", "kind", "metadata", "type"]

    /// The standing of the value at `path` of a resource of `kind`. `holdsMapping` says
    /// whether that value is a mapping (a `…Secret` key is a reference only then).
    public static func standing(of path: FieldPath, kind: String? = nil, holdsMapping: Bool = false) -> Standing {
        var standing = Standing.plain
        var namedSensitive = false
        for (i, step) in path.steps.enumerated() {
            let last = i == path.steps.count - 1
            switch step {
            case .key(let k):
                if i == 0 {
                    standing = Self.standing(ofTopLevel: k, kind: kind)
                    if standing != .plain { namedSensitive = false; continue }
                }
                let mapsBelow = last ? holdsMapping : { if case .key = path.steps[i + 1] { return true }; return false }()
                standing = Self.standing(of: k, in: nil, holdsMapping: mapsBelow, parent: standing)
                if standing == .plain && namedSensitive && k == "value" { standing = .secret }
                namedSensitive = false
            case .element(let key, let value):
                namedSensitive = key == "name" && isSensitive(key: value)
            case .index:
                namedSensitive = false
            }
        }
        return standing
    }

    /// Whether the value at `path` of a resource of `kind` is a secret.
    public static func isSensitive(path: FieldPath, kind: String? = nil) -> Bool {
        standing(of: path, kind: kind) == .secret
    }

    /// A secret's stand-in in a diff: a short digest, so a diff still says that it
    /// changed, never what it is.
    public static func digest(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 1_099_511_628_211 }
        return "<redacted \(String(hash, radix: 16).prefix(8))>"
    }

    /// How a hidden string is replaced: by its digest (diffs, which say that it changed),
    /// or by `marker`.
    public enum Replacement: Sendable {
        case digest
        case marker
    }

    /// The resource with every secret string replaced by its digest.
    public static func redacted(_ resource: Resource) -> Node {
        guard var map = resource.node.mapping else { return resource.node }
        for (key, entry) in map.entries {
            let standing = standing(ofTopLevel: key, kind: resource.id.kind)
            let holdsMapping = entry.value.mapping != nil
            let top = standing == .plain ? Self.standing(of: key, in: map, holdsMapping: holdsMapping, parent: .plain) : standing
            map.set(key, redact(entry.value, standing: top, replacement: .digest))
        }
        var node = resource.node
        node.value = .mapping(map)
        return node
    }

    /// The value at `path` of a resource of `kind`, with every secret string in it replaced.
    public static func redacted(_ node: Node, at path: FieldPath, kind: String?, replacement: Replacement = .marker) -> Node {
        redact(node, standing: standing(of: path, kind: kind, holdsMapping: node.mapping != nil), replacement: replacement)
    }

    static func redact(_ node: Node, standing: Standing, replacement: Replacement) -> Node {
        var out = node
        switch node.value {
        case .scalar(let s):
            // Any scalar, not only strings: an unquoted `password: 12345` is an int.
            if standing == .secret, s.tag != .null, !s.text.isEmpty {
                out.value = .scalar(.string(replacement == .digest ? digest(s.text) : marker))
            }
        case .sequence(let items):
            out.value = .sequence(items.map { redact($0, standing: standing, replacement: replacement) })
        case .mapping(let m):
            var copy = m
            for (k, e) in m.entries {
                let below = Self.standing(of: k, in: m, holdsMapping: e.value.mapping != nil, parent: standing)
                copy.set(k, redact(e.value, standing: below, replacement: replacement))
            }
            out.value = .mapping(copy)
        }
        return out
    }
}
