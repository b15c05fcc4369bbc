import YAMLModel

/// Reads list merge metadata from CustomResourceDefinition documents: the OpenAPI v3
/// extensions `x-kubernetes-list-type` (`map`, `set`, `atomic`), `x-kubernetes-list-map-keys`,
/// `x-kubernetes-patch-merge-key` and `x-kubernetes-patch-strategy`.
public enum CRDSchemaReader {
    public struct KindSchema {
        public var groupKind: String
        public var type: MergeType
    }

    /// Every CRD in a stream (other documents are ignored).
    public static func read(_ documents: [Node]) throws -> [KindSchema] {
        try CustomResourceDefinition.read(documents).map { KindSchema(groupKind: $0.groupKind, type: $0.mergeType) }
    }

    /// A CRD's spec, API group and kind; an error names what is missing.
    static func identity(_ crd: Node) throws -> (spec: Node, group: String, kind: String) {
        guard let spec = crd["spec"], spec.mapping != nil else {
            throw Diagnostic.error(at: crd.location, "the CustomResourceDefinition has no spec")
        }
        guard let group = spec["group"]?.stringValue else {
            throw Diagnostic.error(at: spec.location, "the CustomResourceDefinition has no spec.group")
        }
        guard let kind = spec["names"]?["kind"]?.stringValue else {
            throw Diagnostic.error(at: spec.location, "the CustomResourceDefinition has no spec.names.kind")
        }
        return (spec, group, kind)
    }

    /// One CRD's merge metadata.
    public static func read(crd: Node) throws -> KindSchema {
        let c = try CustomResourceDefinition(crd)
        return KindSchema(groupKind: c.groupKind, type: c.mergeType)
    }

    /// The merge metadata of a CRD's storage version's schema (`schema`, or nil when it has none).
    static func mergeType(_ schema: Node?, kind: String) -> MergeType {
        let root = schema.flatMap { objectType($0, name: kind) } ?? MergeType(kind)
        if root.field("metadata")?.type == nil {
            root.set("metadata", .object(CoreSchemas.objectMeta))
        }
        return root
    }

    static func objectType(_ schema: Node, name: String) -> MergeType? {
        let t = MergeType(name)
        if let properties = schema["properties"]?.mapping {
            for (key, entry) in properties.entries {
                if let field = field(entry.value, name: key) { t.set(key, field) }
            }
        }
        if let additional = schema["additionalProperties"], additional.mapping != nil,
           let field = field(additional, name: name + "[*]") {
            t.setAdditionalProperties(field)
        }
        return t.isOpaque ? nil : t
    }

    /// The merge field a property schema describes, or nil when it says nothing useful.
    static func field(_ schema: Node, name: String) -> MergeField? {
        let type = schema["type"]?.stringValue
        if type == "array" || schema["items"] != nil {
            let items = schema["items"]
            let elementIsObject = items?["type"]?.stringValue == "object" || items?["properties"] != nil
            let element = items.flatMap { objectType($0, name: name) }
            var strategy = ListStrategy.atomic
            let patchStrategy = schema["x-kubernetes-patch-strategy"]?.stringValue ?? ""
            if patchStrategy.split(separator: ",").contains("merge") {
                if let key = schema["x-kubernetes-patch-merge-key"]?.stringValue {
                    strategy = .mergeByKey(MergeKey(key))
                } else if !elementIsObject {
                    strategy = .set
                }
            } else {
                switch schema["x-kubernetes-list-type"]?.stringValue {
                case "map":
                    let keys = schema["x-kubernetes-list-map-keys"]?.sequence?.compactMap(\.stringValue) ?? []
                    if !keys.isEmpty { strategy = .mergeByKey(MergeKey(keys)) }
                case "set":
                    strategy = .set
                default:
                    break
                }
            }
            if strategy == .atomic && element == nil { return nil }
            return MergeField(element, list: strategy)
        }
        let patchStrategy = schema["x-kubernetes-patch-strategy"]?.stringValue ?? ""
        let replaces = patchStrategy.split(separator: ",").contains("replace")
        guard let object = objectType(schema, name: name) else {
            return replaces ? MergeField(nil, replacesMap: true) : nil
        }
        return MergeField(object, replacesMap: replaces)
    }
}
