import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// Prints YAML values on one line: scalars as YAML writes them (`3`, `"5"`, `true`, `null`),
/// lists and maps compactly in flow style (`[a, b]`, `{cpu: "1", memory: 8Gi}`). It shows
/// what it is given: redact first (FieldValue.display does).
public enum CompactYAML {
    public static func format(_ node: Node) -> String {
        switch node.value {
        case .scalar(let s):
            return scalar(s, inFlow: false)
        case .sequence(let items):
            return "[" + items.map { inner($0) }.joined(separator: ", ") + "]"
        case .mapping(let m):
            return "{" + m.pairs.map { key, value in
                flowKey(key) + ": " + inner(value)
            }.joined(separator: ", ") + "}"
        }
    }

    private static func inner(_ node: Node) -> String {
        if case .scalar(let s) = node.value { return scalar(s, inFlow: true) }
        return format(node)
    }

    static func scalar(_ s: Scalar, inFlow: Bool) -> String {
        let location = SourceLocation.generated("value")
        var text = YAMLEmitter().emit(.scalar(s, at: location))
        if text.hasSuffix("\n") { text.removeLast() }
        // A literal block (a multi-line string) or, in a flow collection, text holding flow
        // indicators is double-quoted instead.
        if s.tag == .string && (text.contains("\n") || (inFlow && !text.hasPrefix("\"") && text.contains(where: { ",[]{}".contains($0) }))) {
            return quoted(s.text)
        }
        return text
    }

    static func flowKey(_ key: String) -> String {
        let text = scalar(.string(key), inFlow: true)
        return text.contains(":") && !text.hasPrefix("\"") ? quoted(key) : text
    }

    /// A YAML double-quoted string, as the emitter writes one.
    static func quoted(_ s: String) -> String { YAMLEmitter.doubleQuoted(s) }
}

/// One field of one resource, read from a rendered file.
public enum FieldValue {
    /// The value at `path` in a rendered file's YAML; nil when the file or the path is absent.
    /// Unreadable YAML throws.
    public static func resolve(_ path: FieldPath, inFile text: String?, named file: String) throws -> Node? {
        guard let text else { return nil }
        let document = try YAMLParser().parseDocument(text, file: file)
        if case .success(let node) = path.resolve(in: document) { return node }
        return nil
    }

    /// How a value is shown: `(absent)`, `<redacted>` (by the one `Redaction` policy), or compact YAML.
    public static func display(_ node: Node?, path: FieldPath, kind: String) -> String? {
        guard let node else { return nil }
        return CompactYAML.format(Redaction.redacted(node, at: path, kind: kind))
    }
}
