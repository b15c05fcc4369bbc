import YAMLModel
import MergeEngine

/// A kustomization's `openapi: {path: schema.json}`: a swagger-2.0 style document whose
/// `definitions` carry the patch metadata kustomize's kyaml merge reads.
///
/// kyaml's rules, followed here:
/// - each top-level definition with `x-kubernetes-group-version-kind` is the root type of
///   those kinds (the version is not compared: the registry is keyed by group and kind);
/// - a list merges by key when its `x-kubernetes-patch-strategy` contains `merge` and it has
///   `x-kubernetes-list-map-keys` or `x-kubernetes-patch-merge-key` (the former first);
///   with `merge` and no key it is associative without a key (a primitive list is a set);
/// - the elements of a list are known only when it is `type: array` with an `items` schema;
/// - a property that is a `$ref: "#/definitions/X"` is X (kyaml follows a direct `$ref`, not
///   `allOf`); types reached through several paths, or recursively, are built once;
/// - `additionalProperties` (a schema, not a boolean) types every value of a map;
/// - `x-kubernetes-patch-strategy: replace` on a map field replaces the map (apimachinery
///   reads it; kyaml ignores it).
///
/// The custom schema replaces the built-in one, as in kyaml: kinds it does not define merge
/// with no metadata (maps merge, lists are replaced whole), built-in kinds included.
public enum OpenAPISchema {
    /// The root types of the document's kinds, by `group/Kind`.
    public static func kinds(parsing doc: Node) throws -> [String: MergeType] {
        var reader = try Reader(doc)
        return try reader.kinds()
    }

    /// A registry that knows exactly the document's kinds.
    public static func registry(parsing doc: Node) throws -> SchemaRegistry {
        var registry = SchemaRegistry.empty
        for (groupKind, type) in try kinds(parsing: doc).sorted(by: { $0.key < $1.key }) {
            registry.register(type, groupKind: groupKind)
        }
        return registry
    }

    /// Reads a schema file's text (JSON or YAML).
    public static func registry(parsing text: String, file: String) throws -> SchemaRegistry {
        let documents = try YAMLParser().parseStream(text, file: file).filter { !$0.isNull }
        guard let doc = documents.first else {
            throw Diagnostic.error(at: SourceLocation(file: file, line: 1, column: 1), "the openapi schema \(file) is empty",
                                   hint: "give a swagger document with a definitions map, such as the output of `kubectl get --raw /openapi/v2`")
        }
        if documents.count > 1 {
            throw Diagnostic.error(at: documents[1].location, "an openapi schema file holds one document")
        }
        return try registry(parsing: doc)
    }

    static let definitionsPrefix = "#/definitions/"
    static let hint = "kustomize reads a swagger 2.0 document: a definitions map whose entries are schemas, "
        + "kinds named by x-kubernetes-group-version-kind, references written $ref: \"#/definitions/NAME\""

    struct Reader {
        let definitions: Mapping
        /// Types of definitions, created before their fields are filled so that recursive
        /// references resolve to the same object.
        var types: [String: MergeType] = [:]

        init(_ doc: Node) throws {
            guard let map = doc.mapping else {
                throw Diagnostic.error(at: doc.location, "an openapi schema must be a mapping, not \(doc.kindWithArticle)", hint: OpenAPISchema.hint)
            }
            guard let defs = map["definitions"] else {
                let v3 = map["components"]?["schemas"] != nil
                throw Diagnostic.error(at: doc.location, "the openapi schema has no definitions",
                                       hint: v3 ? "this looks like an OpenAPI v3 document (components.schemas), which kustomize does not read; "
                                           + "give the swagger 2.0 form (`kubectl get --raw /openapi/v2`)" : OpenAPISchema.hint)
            }
            if defs.isNull { definitions = Mapping(); return }
            guard let m = defs.mapping else {
                throw Diagnostic.error(at: defs.location, "definitions must be a mapping, not \(defs.kindWithArticle)", hint: OpenAPISchema.hint)
            }
            definitions = m
        }

        mutating func kinds() throws -> [String: MergeType] {
            var out: [String: MergeType] = [:]
            for (name, entry) in definitions.entries {
                let schema = entry.value
                guard let gvks = schema.mapping?["x-kubernetes-group-version-kind"] else { continue }
                let list: [Node]
                switch gvks.value {
                case .sequence(let items): list = items
                case .mapping: list = [gvks]
                case .scalar:
                    throw Diagnostic.error(at: gvks.location, "x-kubernetes-group-version-kind of \(name) must be a list of {group, version, kind}",
                                           hint: OpenAPISchema.hint)
                }
                for gvk in list {
                    guard gvk.mapping != nil, let kind = gvk["kind"]?.stringValue, !kind.isEmpty else {
                        throw Diagnostic.error(at: gvk.location, "an entry of x-kubernetes-group-version-kind of \(name) has no kind",
                                               hint: "write {group: example.com, version: v1, kind: Widget}; the core group is group: \"\"")
                    }
                    let group = gvk["group"].flatMap { $0.isNull ? "" : $0.stringValue } ?? ""
                    let groupKind = "\(group)/\(kind)"
                    if out[groupKind] == nil { out[groupKind] = try definition(name) }
                }
            }
            return out
        }

        /// The type of a named definition.
        mutating func definition(_ name: String) throws -> MergeType {
            if let done = types[name] { return done }
            guard let schema = definitions[name] else {
                throw Diagnostic.error(at: nil, "the openapi schema has no definition \(name)")
            }
            let t = MergeType(name)
            types[name] = t
            try fill(t, from: try self.schema(resolving: schema), name: name)
            return t
        }

        /// The schema a `$ref` stands for (the schema itself when it is not a reference).
        mutating func schema(resolving schema: Node) throws -> Node {
            var current = schema
            var seen: Set<String> = []
            while let ref = current.mapping?["$ref"] {
                let name = try referenced(ref)
                guard seen.insert(name).inserted else {
                    throw Diagnostic.error(at: ref.location, "$ref \(name) refers to itself", hint: OpenAPISchema.hint)
                }
                current = definitions[name]!
            }
            return current
        }

        /// The definition name of a `$ref`, which must exist.
        func referenced(_ ref: Node) throws -> String {
            guard let text = ref.stringValue else {
                throw Diagnostic.error(at: ref.location, "$ref must be a string, not \(ref.kindWithArticle)", hint: OpenAPISchema.hint)
            }
            guard text.hasPrefix(OpenAPISchema.definitionsPrefix) else {
                throw Diagnostic.error(at: ref.location, "$ref \"\(text)\" is not a reference into this document's definitions",
                                       hint: "kustomize follows only references written \"#/definitions/NAME\"")
            }
            let name = String(text.dropFirst(OpenAPISchema.definitionsPrefix.count))
            guard definitions[name] != nil else {
                let suggestion = Suggestion.closest(to: name, in: Array(definitions.keys))
                throw Diagnostic.error(at: ref.location, "$ref \"\(text)\": the openapi schema has no definition \(name)",
                                       hint: suggestion.map { "did you mean \"\(OpenAPISchema.definitionsPrefix)\($0)\"?" } ?? OpenAPISchema.hint)
            }
            return name
        }

        /// The type of an object schema: a definition's (shared) when it is a reference, a new
        /// one otherwise.
        mutating func objectType(_ schema: Node, name: String) throws -> MergeType {
            if let ref = schema.mapping?["$ref"] { return try definition(try referenced(ref)) }
            let t = MergeType(name)
            try fill(t, from: schema, name: name)
            return t
        }

        mutating func fill(_ t: MergeType, from schema: Node, name: String) throws {
            guard let map = schema.mapping else {
                throw Diagnostic.error(at: schema.location, "the schema of \(name) must be a mapping, not \(schema.kindWithArticle)", hint: OpenAPISchema.hint)
            }
            if let properties = map["properties"], !properties.isNull {
                guard let props = properties.mapping else {
                    throw Diagnostic.error(at: properties.location, "properties of \(name) must be a mapping, not \(properties.kindWithArticle)",
                                           hint: OpenAPISchema.hint)
                }
                for (key, entry) in props.entries {
                    t.set(key, try field(entry.value, name: name + "." + key))
                }
            }
            // additionalProperties may be a boolean: then it says nothing about the values.
            if let additional = map["additionalProperties"], additional.mapping != nil {
                t.setAdditionalProperties(try field(additional, name: name + "[*]"))
            }
        }

        /// The merge metadata of a property's schema.
        mutating func field(_ property: Node, name: String) throws -> MergeField {
            guard property.mapping != nil else {
                throw Diagnostic.error(at: property.location, "the schema of \(name) must be a mapping, not \(property.kindWithArticle)",
                                       hint: OpenAPISchema.hint)
            }
            // kyaml reads the referenced definition in place of the property.
            let schema = try self.schema(resolving: property)
            let strategies = Self.strategies(property) + Self.strategies(schema)
            var field = MergeField()
            if Self.isArray(schema) {
                if let items = schema["items"], items.mapping != nil {
                    field.type = try objectType(items, name: name + "[]")
                }
            } else if property.mapping?["$ref"] != nil {
                field.type = try objectType(property, name: name)
            } else if schema["properties"] != nil || schema["additionalProperties"]?.mapping != nil {
                field.type = try objectType(schema, name: name)
            }
            let own = Self.strategies(schema)
            if own.contains("merge") {
                let mapKeys = schema["x-kubernetes-list-map-keys"]?.sequence?.compactMap(\.stringValue) ?? []
                if !mapKeys.isEmpty {
                    field.list = .mergeByKey(MergeKey(mapKeys))
                } else if let key = schema["x-kubernetes-patch-merge-key"] {
                    guard let text = key.stringValue, !text.isEmpty else {
                        throw Diagnostic.error(at: key.location, "x-kubernetes-patch-merge-key of \(name) must be a field name",
                                               hint: "name the field that identifies an element, e.g. x-kubernetes-patch-merge-key: name")
                    }
                    field.list = .mergeByKey(MergeKey(text))
                } else {
                    field.list = .set
                }
            }
            if strategies.contains("replace") && !Self.isArray(schema) { field.replacesMap = true }
            return field
        }

        static func strategies(_ schema: Node) -> [String] {
            guard let text = schema["x-kubernetes-patch-strategy"]?.stringValue else { return [] }
            return text.split(separator: ",").map { String($0).trimmingSpaces }
        }

        /// kyaml knows a list's elements only when its type is exactly `array`.
        static func isArray(_ schema: Node) -> Bool {
            guard let type = schema["type"] else { return false }
            if let s = type.stringValue { return s == "array" }
            if let items = type.sequence { return items.count == 1 && items[0].stringValue == "array" }
            return false
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension BuildContext {
    /// The registry a top kustomization's `openapi` field asks for: its `path` file's kinds
    /// only (kyaml's custom schema replaces the built-in one), or nil to keep the registry
    /// (no field, or `version`: kustomize's built-in schema, which the registry already is).
    mutating func openAPIRegistry(of top: Kustomization) throws -> SchemaRegistry? {
        guard let field = top["openapi"] else { return nil }
        guard let map = field.mapping else {
            throw Diagnostic.error(at: field.location, "openapi must be a mapping, not \(field.kindWithArticle)",
                                   hint: "write openapi: {path: schema.json} for a custom schema, or openapi: {version: v1.21.2}")
        }
        for (key, entry) in map.entries where key != "path" && key != "version" {
            let suggestion = Suggestion.closest(to: key, in: ["path", "version"])
            throw Diagnostic.error(at: entry.keyLocation, "unknown openapi field \"\(key)\"",
                                   hint: (suggestion.map { "did you mean \"\($0)\"? " } ?? "") + "openapi takes path (a schema file) or version (a built-in schema)")
        }
        if map["path"] != nil, let version = map.entries["version"] {
            throw Diagnostic.error(at: version.keyLocation, "openapi gives both a custom schema (path) and a built-in version",
                                   hint: "kustomize uses one schema; keep path or version")
        }
        if let version = map["version"] {
            guard let s = version.scalar, !s.isNull, !s.text.isEmpty else {
                throw Diagnostic.error(at: version.location, "openapi.version must be a string, not \(version.kindWithArticle)")
            }
            return nil
        }
        guard let pathNode = map["path"] else {
            throw Diagnostic.error(at: field.location, "openapi names no schema", hint: "write openapi: {path: schema.json}")
        }
        guard let path = pathNode.scalar, !path.isNull, case let text = path.text, !text.isEmpty else {
            throw Diagnostic.error(at: pathNode.location, "openapi.path must be a file name, not \(pathNode.kindWithArticle)",
                                   hint: "write openapi: {path: schema.json}")
        }
        let (file, contents) = try loadFile(Located(text, at: pathNode.location), of: top, role: "openapi schema")
        return try OpenAPISchema.registry(parsing: contents, file: display(file))
    }
}
