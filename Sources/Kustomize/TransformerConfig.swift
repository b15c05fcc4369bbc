import YAMLModel

/// Which fields the transformers touch: kustomize's built-in configuration, merged with the
/// kustomization's `configurations:` files (and those of the bases it includes).
struct TransformerConfig: Sendable {
    /// A kind that other objects refer to by name, and the fields that refer to it.
    struct NameBackReference: Sendable, Equatable {
        var gvk: FieldSpec   // only group, version and kind are used
        var referrers: [FieldSpec]
    }

    var specs: [String: [FieldSpec]] = [:]
    var nameReferences: [NameBackReference] = []

    static let categories = ["namePrefix", "nameSuffix", "commonLabels", "templateLabels", "labels", "commonAnnotations",
                             "namespace", "varReference", "images", "replicas"]

    subscript(category: String) -> [FieldSpec] { specs[category] ?? [] }

    static let defaults: TransformerConfig = {
        let doc = try! YAMLParser().parseDocument(DefaultFieldSpecs.yaml, file: "<kustomize defaults>")
        return try! TransformerConfig(parsing: doc)
    }()

    init() {}

    init(parsing doc: Node) throws {
        guard let map = doc.mapping else {
            throw Diagnostic.error(at: doc.location, "a transformer configuration must be a mapping, not \(doc.kindWithArticle)")
        }
        for (key, entry) in map.entries {
            if key == "nameReference" {
                guard let items = entry.value.sequence else {
                    throw Diagnostic.error(at: entry.value.location, "nameReference must be a list")
                }
                for item in items {
                    guard let m = item.mapping else { throw Diagnostic.error(at: item.location, "a nameReference entry must be a mapping") }
                    var target = FieldSpec(path: "")
                    target.group = try m["group"].map { try Kustomization.string($0, what: "group") } ?? ""
                    target.version = try m["version"].map { try Kustomization.string($0, what: "version") } ?? ""
                    target.kind = try m["kind"].map { try Kustomization.string($0, what: "kind") } ?? ""
                    nameReferences.append(NameBackReference(gvk: target, referrers: try FieldSpec.list(m["fieldSpecs"], what: "fieldSpecs")))
                }
            } else if Self.categories.contains(key) || key == "volumeClaimTemplateLabels" {
                specs[key, default: []] = specs[key, default: []].merging(try FieldSpec.list(entry.value, what: key))
            } else {
                let hint = Suggestion.closest(to: key, in: Self.categories + ["nameReference"]).map { "did you mean \"\($0)\"?" }
                throw Diagnostic.error(at: entry.keyLocation, "unknown transformer configuration \"\(key)\"", hint: hint)
            }
        }
    }

    /// Name references declared in a CRD file of `crds:` (the `x-kubernetes-object-ref-kind`
    /// annotations of its OpenAPI definitions).
    init(crdReferences doc: Node) {
        func walk(_ node: Node, path: [String], kind: String) {
            guard let map = node.mapping else { return }
            if let refKind = map["x-kubernetes-object-ref-kind"]?.stringValue {
                var target = FieldSpec(path: "")
                target.kind = refKind
                nameReferences.append(NameBackReference(gvk: target, referrers: [FieldSpec(kind: kind, path: path.joined(separator: "/"))]))
            }
            if let props = map["properties"]?.mapping {
                for (k, e) in props.entries { walk(e.value, path: path + [k], kind: kind) }
            }
        }
        for (_, entry) in (doc["definitions"]?.mapping ?? doc.mapping ?? Mapping()).entries {
            let kind = entry.value.value(at: ["x-kubernetes-group-version-kind"])?.sequence?.first?["kind"]?.stringValue
                ?? entry.value["kind"]?.stringValue ?? ""
            if !kind.isEmpty { walk(entry.value, path: [], kind: kind) }
        }
    }

    mutating func merge(_ other: TransformerConfig) {
        // Every level of a build merges the built-in configuration into what its bases
        // brought, which usually holds it already: equal lists are skipped.
        // Lists of a configuration hold no duplicates (parsing and merging drop them), so
        // a missing list takes the other's as it is.
        for (k, v) in other.specs {
            if let mine = specs[k] {
                if mine != v { specs[k] = mine.merging(v) }
            } else {
                specs[k] = v
            }
        }
        if nameReferences.isEmpty, Set(other.nameReferences.map(\.gvk)).count == other.nameReferences.count {
            nameReferences = other.nameReferences
            return
        }
        for (j, ref) in other.nameReferences.enumerated() {
            if j < nameReferences.count, nameReferences[j].gvk == ref.gvk {
                if nameReferences[j].referrers != ref.referrers { nameReferences[j].referrers = nameReferences[j].referrers.merging(ref.referrers) }
            } else if let i = nameReferences.firstIndex(where: { $0.gvk == ref.gvk }) {
                nameReferences[i].referrers = nameReferences[i].referrers.merging(ref.referrers)
            } else {
                nameReferences.append(ref)
            }
        }
    }
}
