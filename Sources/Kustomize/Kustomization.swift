import YAMLModel

/// A value as written in a kustomization file, with where.
public struct Located<Value: Sendable>: Sendable, CustomStringConvertible {
    public var value: Value
    /// The kustomization line that holds it.
    public var location: SourceLocation
    /// When a project parameter filled the line's placeholder: which, and where its value was set.
    public var parameter: (name: String, location: SourceLocation)?

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// Reads where a node was written: a parameter's value node links to the placeholder it
    /// filled, which is the kustomization line.
    init(_ value: Value, of node: Node) {
        self.value = value
        if let link = node.overrode, case .parameter(let name)? = link.reason {
            location = link.node.location
            parameter = (name, node.location)
        } else {
            location = node.location
        }
    }

    /// `overlays/prod/kustomization.yaml:12:11`, with `(parameter shopTag, set at …)` when one filled it.
    public var description: String {
        "\(location)" + (parameter.map { " (parameter \($0.name), set at \($0.location))" } ?? "")
    }
}

/// One `kustomization.yaml` (or `Component`), checked field by field when it is read.
///
/// Fields are kept as the YAML nodes they were written as, so every transformer reads its own
/// part with positions; the fields kustomize supports and the ones this build refuses are
/// known here, and anything else is an error with a suggestion.
public struct Kustomization: Sendable {
    public enum Kind: String, Sendable { case kustomization = "Kustomization", component = "Component" }

    /// The directory, as a path of the source tree (`overlays/prod`).
    public var directory: String
    /// The file, as a path of the source tree (`overlays/prod/kustomization.yaml`).
    public var path: String
    public var kind: Kind
    public var node: Node
    public var fields: Mapping
    /// The file's text, to place YAML written inside its strings (inline patches).
    public var text = ""
    /// Fields kustomize accepts but that are spelt unusually (`nameprefix`).
    public var warnings: [Diagnostic] = []

    /// The names kustomize looks for, in its order.
    public static let fileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    static let supported: Set<String> = [
        "apiVersion", "kind", "metadata", "resources", "bases", "components", "patches", "patchesStrategicMerge",
        "patchesJson6902", "namespace", "namePrefix", "nameSuffix", "commonLabels", "labels", "commonAnnotations",
        "images", "replicas", "configMapGenerator", "secretGenerator", "generatorOptions", "replacements", "crds",
        "openapi", "sortOptions", "buildMetadata", "configurations", "vars", "transformers", "generators", "validators",
    ]
    /// Fields kustomize knows that this build refuses, each with the reason and what to do.
    static let refused: [String: (String, String)] = [
        "helmCharts": ("helmCharts are not supported by gitops-weave build: it never runs helm",
                       "render the chart with `helm template` and list its output under resources, or declare the chart in a gitops-weave project"),
        "helmGlobals": ("helmGlobals are not supported by gitops-weave build: it never runs helm",
                        "render the chart with `helm template` and list its output under resources"),
        "helmChartInflationGenerator": ("helmChartInflationGenerator is not supported by gitops-weave build: it never runs helm",
                                        "render the chart with `helm template` and list its output under resources"),
        "imageTags": ("imageTags was removed from kustomize; it is now images", "rename the field to images"),
    ]

    public init(directory: String, path: String, node: Node) throws {
        self.directory = directory
        self.path = path
        self.node = node
        if node.isNull {
            fields = Mapping()
            kind = .kustomization
            return
        }
        guard let written = node.mapping else {
            throw Diagnostic.error(at: node.location, "a kustomization must be a mapping, not \(node.kindWithArticle)")
        }
        var fields = Mapping()
        var warnings: [Diagnostic] = []
        for (key, entry) in written.entries {
            // kustomize reads the file through encoding/json, which matches field names
            // regardless of case.
            if !Self.supported.contains(key), let known = Self.supported.first(where: { $0.lowercased() == key.lowercased() }) {
                warnings.append(Diagnostic(.warning, at: entry.keyLocation, "\"\(key)\" is read as \"\(known)\"",
                                           hint: "kustomize matches field names regardless of case; write \(known)"))
                fields.set(known, entry.value, keyLocation: entry.keyLocation)
            } else {
                fields.set(key, entry.value, keyLocation: entry.keyLocation)
            }
        }
        self.fields = fields
        self.warnings = warnings
        let map = fields
        switch map["kind"]?.stringValue {
        case nil, "Kustomization"?: kind = .kustomization
        case "Component"?: kind = .component
        case let other?:
            throw Diagnostic.error(at: map["kind"]!.location, "kind \"\(other)\" is not a kustomization",
                                   hint: "a kustomization file has kind Kustomization, or Component for a component")
        }
        for (key, entry) in map.entries {
            if Self.supported.contains(key) { continue }
            let at = entry.keyLocation
            if let (message, hint) = Self.refused[key] { throw Diagnostic.error(at: at, message, hint: hint) }
            let suggestion = Suggestion.closest(to: key, in: Self.supported.sorted())
            throw Diagnostic.error(at: at, "unknown kustomization field \"\(key)\"",
                                   hint: suggestion.map { "did you mean \"\($0)\"?" } ?? "see the kustomization reference for the fields it takes")
        }
    }

    public subscript(key: String) -> Node? {
        guard let value = fields[key], !value.isNull else { return nil }
        return value
    }

    public func keyLocation(_ key: String) -> SourceLocation { fields.keyLocation(key) ?? node.location }

    /// A string field (`namespace: prod`); numbers and booleans are refused, as kustomize does.
    public func string(_ key: String) throws -> Located<String>? {
        guard let value = self[key] else { return nil }
        return Located(try Self.string(value, what: key), of: value)
    }

    /// A list of strings (`resources`, `components`, `crds`).
    public func strings(_ key: String) throws -> [Located<String>] {
        guard let value = self[key] else { return [] }
        return try Self.strings(value, what: key)
    }

    /// A map of strings (`commonLabels`); scalar values are read as their text.
    public func stringMap(_ key: String) throws -> [(key: String, value: Located<String>)] {
        guard let value = self[key] else { return [] }
        return try Self.stringMap(value, what: key)
    }

    /// Entries of a list field that must be mappings.
    public func mappings(_ key: String) throws -> [Node] {
        guard let value = self[key] else { return [] }
        guard let items = value.sequence else {
            throw Diagnostic.error(at: value.location, "\(key) must be a list, not \(value.kindWithArticle)")
        }
        for item in items where item.mapping == nil {
            throw Diagnostic.error(at: item.location, "an entry of \(key) must be a mapping, not \(item.kindWithArticle)")
        }
        return items
    }

    /// The first key of `map` outside `known` is an error, "unknown WHAT field", suggesting the
    /// nearest known key, else `fallback`.
    static func rejectUnknown(_ map: Mapping, known: Set<String>, what: String, fallback: String? = nil) throws {
        for (key, entry) in map.entries where !known.contains(key) {
            throw Diagnostic.error(at: entry.keyLocation, "unknown \(what) field \"\(key)\"",
                                   hint: Suggestion.closest(to: key, in: known.sorted()).map { "did you mean \"\($0)\"?" } ?? fallback)
        }
    }

    static func string(_ value: Node, what: String) throws -> String {
        guard let s = value.scalar, !s.isNull else {
            throw Diagnostic.error(at: value.location, "\(what) must be a string, not \(value.kindWithArticle)")
        }
        return s.text
    }

    static func strings(_ value: Node, what: String) throws -> [Located<String>] {
        guard let items = value.sequence else {
            throw Diagnostic.error(at: value.location, "\(what) must be a list of strings, not \(value.kindWithArticle)")
        }
        return try items.map { Located(try string($0, what: "an entry of \(what)"), at: $0.location) }
    }

    static func stringMap(_ value: Node, what: String) throws -> [(key: String, value: Located<String>)] {
        guard let map = value.mapping else {
            throw Diagnostic.error(at: value.location, "\(what) must be a mapping of strings, not \(value.kindWithArticle)")
        }
        return try map.entries.map { key, entry in
            if entry.value.isNull { return (key, Located("", at: entry.value.location)) }
            return (key, Located(try string(entry.value, what: "\(what).\(key)"), of: entry.value))
        }
    }

    static func bool(_ value: Node?, what: String) throws -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let b = value.scalar?.boolValue else {
            throw Diagnostic.error(at: value.location, "\(what) must be true or false, not \(value.scalar?.display ?? value.kindWithArticle)")
        }
        return b
    }
}
