import YAMLModel

/// A resource named on the command line: `Kind/name`, or `Kind/namespace/name` when the
/// name is used in several namespaces. The kind matches without regard to case and may
/// carry its API group: `ClickHouseInstallation.clickhouse.altinity.com/wandb`.
public struct ResourceSelector: Sendable, Equatable, CustomStringConvertible {
    public var kind: String
    public var group: String?
    public var namespace: String?
    public var name: String
    public let text: String

    public init(parsing text: String) throws {
        self.text = text
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw Diagnostic.error(at: nil, "cannot read resource \"\(text)\"",
                                   hint: "write Kind/name, or Kind/namespace/name when the name is used in several namespaces, e.g. ClickHouseInstallation/wandb")
        }
        if let dot = parts[0].firstIndex(of: ".") {
            kind = String(parts[0][..<dot])
            group = String(parts[0][parts[0].index(after: dot)...])
        } else {
            kind = parts[0]
            group = nil
        }
        namespace = parts.count == 3 ? parts[1] : nil
        name = parts[parts.count - 1]
    }

    public var description: String { text }

    /// Whether a resource is of the selected kind (and group, when one was given).
    public func matchesKind(_ id: ResourceID) -> Bool {
        id.kind.lowercased() == kind.lowercased() && (group.map { $0.lowercased() == id.group.lowercased() } ?? true)
    }

    /// Whether a resource is the selected one.
    public func matches(_ id: ResourceID) -> Bool {
        matchesKind(id) && id.name == name && (namespace.map { $0 == id.namespace } ?? true)
    }
}
