import YAMLModel

/// What identifies a resource when patches are matched to it: API group, kind, namespace
/// and name (the version is not part of it, as in kustomize).
public struct ResourceID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var group: String
    public var version: String
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String?, name: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `group/Kind`, the key of the schema registry.
    public var groupKind: String { "\(group)/\(kind)" }

    /// `Kind/name`, with the namespace when there is one: `ClickHouseInstallation/wandb (clickhouse)`.
    public var description: String {
        let base = "\(kind)/\(name)"
        return namespace.map { "\(base) (namespace \($0))" } ?? base
    }

    public static func == (a: ResourceID, b: ResourceID) -> Bool {
        a.group == b.group && a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(group); hasher.combine(kind); hasher.combine(namespace); hasher.combine(name)
    }

    public static func < (a: ResourceID, b: ResourceID) -> Bool {
        (a.group, a.kind, a.namespace ?? "", a.name) < (b.group, b.kind, b.namespace ?? "", b.name)
    }
}

/// One Kubernetes object: its tree and its identity.
public struct Resource: Sendable {
    public var node: Node
    public var id: ResourceID

    public init(node: Node, id: ResourceID) {
        self.node = node
        self.id = id
    }

    /// Reads the identity of a document. `role` names it in messages ("resource", "patch").
    public init(document node: Node, role: String = "resource") throws {
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "a \(role) document must be a mapping (a Kubernetes object), not \(node.kindWithArticle)")
        }
        func requiredString(_ value: Node?, _ field: String, near: SourceLocation) throws -> String {
            guard let value else {
                throw Diagnostic.error(at: near, "the \(role) has no \(field)", hint: "every \(role) names its apiVersion, kind and metadata.name")
            }
            guard let s = value.stringValue, !s.isEmpty else {
                throw Diagnostic.error(at: value.location, "\(field) must be a non-empty string, not \(value.scalar?.display ?? value.kindWithArticle)")
            }
            return s
        }
        let apiVersion = try requiredString(map["apiVersion"], "apiVersion", near: node.location)
        let kind = try requiredString(map["kind"], "kind", near: node.location)
        guard let metadata = map["metadata"] else {
            throw Diagnostic.error(at: node.location, "the \(role) has no metadata", hint: "every \(role) names its apiVersion, kind and metadata.name")
        }
        guard let meta = metadata.mapping else {
            throw Diagnostic.error(at: metadata.location, "metadata must be a mapping, not \(metadata.kindWithArticle)")
        }
        let name = try requiredString(meta["name"], "metadata.name", near: metadata.location)
        var namespace: String?
        if let ns = meta["namespace"], !ns.isNull {
            namespace = try requiredString(ns, "metadata.namespace", near: metadata.location)
        }
        self.init(node: node, id: ResourceID(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name))
    }

    /// Reads every resource of a parsed stream; empty documents are skipped, and a resource
    /// defined twice is an error naming both.
    public static func load(_ documents: [Node]) throws -> [Resource] {
        var seen: [ResourceID: SourceLocation] = [:]
        var out: [Resource] = []
        for doc in documents where !doc.isNull {
            let r = try Resource(document: doc)
            if let first = seen[r.id] {
                throw Diagnostic.error(at: doc.location, "\(r.id) is defined twice; first at \(first)",
                                       hint: "a resource may be defined once; change it with a patch instead")
            }
            seen[r.id] = doc.location
            out.append(r)
        }
        return out
    }
}
