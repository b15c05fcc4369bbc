import MergeEngine
import YAMLModel

/// The secret policy (rule `plaintext-secrets`): no secret value is written in the rendered
/// output, where everyone who can read the repository reads it. Credentials come from
/// Secrets (made by an ExternalSecret or a SealedSecret) and are referenced.
///
/// A finding names where the value is and never the value: messages show `<redacted>`.
/// An environment that must hold plaintext secrets (a throwaway demo) says why in
/// `allowPlaintextSecrets: "<reason>"`.
public enum SecretPolicy {
    /// The rule's id, as diagnostics show it; `allowPlaintextSecrets` waives it.
    public static let ruleID = "plaintext-secrets"

    /// A plaintext secret: where it is, and its text (kept in memory only, to redact it
    /// elsewhere; never printed).
    public struct Finding: Sendable {
        public var diagnostic: Diagnostic
        public var value: String

        public init(_ node: Node, _ value: String, _ message: String, hint: String) {
            diagnostic = .error(at: node.location, message, hint: hint)
            self.value = value
        }
    }

    public static let shown = Redaction.marker

    /// A literal that is a secret's value: a non-empty scalar that is not null.
    public static func literal(_ node: Node?) -> String? {
        guard let s = node?.scalar, s.tag != .null, !s.text.isEmpty else { return nil }
        return s.text
    }

    static func findings(_ resources: [Resource], stacks: [any Stack]) -> [Finding] {
        var out: [Finding] = []
        func add(_ node: Node, _ value: String, _ message: String, hint: String) {
            out.append(Finding(node, value, message, hint: hint))
        }
        for r in resources {
            let name = "\(r.id.kind)/\(r.id.name)"
            for stack in stacks { out += stack.plaintextSecrets(in: r) }
            // Container env entries `{name: DB_PASSWORD, value: ...}`, in any resource.
            FieldPath.walk(r.node, values: ["env"]) { node, path in
                guard let items = node.sequence else { return }
                for (i, item) in items.enumerated() {
                    guard let variable = item["name"]?.stringValue, Redaction.isSensitive(key: variable),
                          let valueNode = item["value"], let value = literal(valueNode) else { continue }
                    add(valueNode, value, "\(FieldPath(path + [.element(key: "name", value: variable), .key("value")]).description) of \(name) is a plaintext secret (\(shown))",
                        hint: "write valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}} instead of value, with the Secret made by an ExternalSecret or a SealedSecret")
                }
            }
            // A Secret's data and stringData.
            if r.id.groupKind == "/Secret" {
                for field in ["data", "stringData"] {
                    guard let map = r.node[field]?.mapping else { continue }
                    for (key, entry) in map.entries {
                        guard let value = literal(entry.value) else { continue }
                        add(entry.value, value, "\(FieldPath([.key(field), .key(key)]).description) of \(name) is a plaintext secret value (\(shown))",
                            hint: "commit an ExternalSecret (the value stays in your secret store) or a SealedSecret (encrypted for the cluster) instead of the Secret")
                    }
                }
            }
        }
        return out
    }

    /// The rule: every plaintext secret of the environment's resources, wherever the
    /// engine or one of the project's stacks knows secrets live.
    public static func rule(stacks: [any Stack]) -> Rule {
        Rule(ruleID, "no plaintext secret values: Secret data, secret env values, and the secret fields the project's stacks know",
             check: .resources { context in findings(context.resources, stacks: stacks).map(\.diagnostic) })
    }

    /// The plaintext secret values of rendered resources, to keep them out of everything
    /// printed about the render (render-info.txt's parameters, say).
    public static func secretValues(in resources: [Resource], stacks: [any Stack]) -> Set<String> {
        Set(findings(resources, stacks: stacks).map(\.value))
    }
}
