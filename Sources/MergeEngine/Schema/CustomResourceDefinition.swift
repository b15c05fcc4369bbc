import YAMLModel

/// A CustomResourceDefinition, read once: its kind, the schema of each version it serves,
/// and the merge metadata of its storage version. Both schema models come from this one
/// reading: `mergeType` for merging, `servedVersions` for validation (each compiled on
/// first use, by `ValidationSchemas`).
public struct CustomResourceDefinition: Sendable {
    public var group: String
    public var kind: String
    /// `spec.names`: what kubectl also calls the kind.
    public var plural: String?
    public var singular: String?
    public var shortNames: [String]
    /// The versions the API server serves, each with its `openAPIV3Schema` (nil: any object).
    public var servedVersions: [(name: String, schema: Node?)]
    /// How the kind merges, from the storage version's schema.
    public var mergeType: MergeType

    public var groupKind: String { "\(group)/\(kind)" }

    /// Every CRD in a stream; other documents are ignored.
    public static func read(_ documents: [Node]) throws -> [CustomResourceDefinition] {
        try documents.filter { $0.mapping?["kind"]?.stringValue == "CustomResourceDefinition" }.map(CustomResourceDefinition.init)
    }

    public init(_ crd: Node) throws {
        let (spec, group, kind) = try CRDSchemaReader.identity(crd)
        self.group = group
        self.kind = kind
        let names = spec["names"]
        plural = names?["plural"]?.stringValue
        singular = names?["singular"]?.stringValue
        shortNames = names?["shortNames"]?.sequence?.compactMap(\.stringValue) ?? []
        // apiextensions.k8s.io/v1beta1 could give one schema for every version.
        let shared = spec["validation"]?["openAPIV3Schema"]
        var versions = spec["versions"]?.sequence ?? []
        let storage = versions.first { $0["storage"]?.scalar?.boolValue == true } ?? versions.first
        mergeType = CRDSchemaReader.mergeType(storage?["schema"]?["openAPIV3Schema"] ?? shared, kind: kind)
        if versions.isEmpty, let v = spec["version"] {
            var m = Mapping()
            m.set("name", v)
            versions = [Node.mapping(m, at: v.location)]
        }
        servedVersions = versions.compactMap { version in
            guard let name = version["name"]?.stringValue, version["served"]?.scalar?.boolValue != false else { return nil }
            return (name, version["schema"]?["openAPIV3Schema"] ?? shared)
        }
    }
}
