import Crypto
import YAMLModel

/// The steps kustomize runs once, at the top of a build: content-hash suffixes, sorting, and
/// the build metadata annotations.
enum Finishing {
    // MARK: Hash suffixes

    static func addHashes(_ resources: inout ResourceMap) throws {
        for i in resources.resources.indices where resources.resources[i].needsHash {
            var r = resources.resources[i]
            let suffix = hash(r.node)
            r.storePreviousID()
            let old = r.node.value(at: ["metadata", "name"])!
            r.set(["metadata", "name"], Node.scalar(.string(r.name + "-" + suffix), at: old.location)
                .replacing(old, reason: .transformed(by: "content hash suffix")))
            resources.resources[i] = r
        }
    }

    /// kustomize's content hash: SHA-256 of a JSON encoding of the kind, type and data (the
    /// name is looked up as a field literally called `metadata/name`, so it is always
    /// empty), its first ten hex digits with `0 1 3 a e` replaced so it reads as no word.
    static func hash(_ node: Node) -> String {
        var fields: [(String, GoJSON)] = []
        let kind = node["kind"]?.stringValue ?? ""
        func value(_ key: String) -> GoJSON {
            guard let v = node[key] else { return .string("") }
            return v.scalar != nil ? .string(v.scalar!.isNull ? "" : v.scalar!.text) : GoJSON(v)
        }
        switch kind {
        case "ConfigMap":
            fields = [("kind", .string("ConfigMap")), ("name", .string("")), ("data", value("data"))]
            if node["binaryData"]?.mapping != nil { fields.append(("binaryData", value("binaryData"))) }
        case "Secret":
            fields = [("kind", .string("Secret")), ("type", value("type")), ("name", .string("")), ("data", value("data"))]
            if node["stringData"]?.mapping != nil { fields.append(("stringData", value("stringData"))) }
        default:
            return encode(GoJSON(node).marshal(sortingKeys: true))
        }
        return encode(GoJSON.object(fields).marshal(sortingKeys: true))
    }

    static func encode(_ json: String) -> String {
        let digest = SHA256.hash(data: Array(json.utf8))
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        return String(hex.prefix(10).map { c -> Character in
            switch c {
            case "0": return "g"
            case "1": return "h"
            case "3": return "k"
            case "a": return "m"
            case "e": return "t"
            default: return c
            }
        })
    }

    // MARK: Sorting

    static let legacyFirst = [
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
        "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet",
        "CronJob", "PodDisruptionBudget",
    ]
    static let legacyLast = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]

    /// kustomize's legacy order: kinds in the two priority lists first and last, then by
    /// group, version and kind, then by namespace and name.
    static func legacySort(_ resources: [KustomizeResource], first: [String], last: [String]) -> [KustomizeResource] {
        var rank: [String: Int] = [:]
        for (i, k) in first.enumerated() { rank[k] = -first.count + i }
        for (i, k) in last.enumerated() { rank[k] = 1 + i }
        func gvkString(_ g: GVK) -> String {
            [g.group.isEmpty ? "~G" : g.group, g.version.isEmpty ? "~V" : g.version, g.kind.isEmpty ? "~K" : g.kind].joined(separator: "_")
        }
        func idString(_ id: KustomizeID) -> String {
            let g = id.gvk
            let gvk = [g.kind.isEmpty ? "~K" : g.kind, g.version.isEmpty ? "~V" : g.version, g.group.isEmpty ? "~G" : g.group].joined(separator: ".")
            return [gvk, id.namespace.isEmpty ? "~X" : id.namespace, id.name.isEmpty ? "~N" : id.name].joined(separator: "|")
        }
        let keyed = resources.enumerated().map { (offset: $0.offset, r: $0.element, id: $0.element.id) }
        return keyed.sorted { a, b in
            let ga = a.id.gvk, gb = b.id.gvk
            if ga != gb {
                let ra = rank[ga.kind] ?? 0, rb = rank[gb.kind] ?? 0
                if ra != rb { return ra < rb }
                if ga.kind == "Namespace" && gb.kind == "Namespace" && (ga.group.isEmpty || gb.group.isEmpty) {
                    return gvkString(ga) > gvkString(gb)
                }
                let sa = gvkString(ga), sb = gvkString(gb)
                if sa != sb { return sa < sb }
            }
            let ia = idString(a.id), ib = idString(b.id)
            if ia != ib { return ia < ib }
            return a.offset < b.offset
        }.map(\.r)
    }

    static func sort(_ resources: [KustomizeResource], options: Node) throws -> [KustomizeResource] {
        guard let map = options.mapping else {
            throw Diagnostic.error(at: options.location, "sortOptions must be a mapping", hint: "sortOptions: {order: legacy} or {order: fifo}")
        }
        switch map["order"]?.stringValue {
        case "fifo"?:
            if let l = map["legacySortOptions"] {
                throw Diagnostic.error(at: l.location, "legacySortOptions apply only to order: legacy")
            }
            return resources
        case "legacy"?:
            let legacy = map["legacySortOptions"]
            let first = try legacy?["orderFirst"].map { try Kustomization.strings($0, what: "orderFirst").map(\.value) } ?? legacyFirst
            let last = try legacy?["orderLast"].map { try Kustomization.strings($0, what: "orderLast").map(\.value) } ?? legacyLast
            return legacySort(resources, first: first, last: last)
        default:
            throw Diagnostic.error(at: map["order"]?.location ?? options.location, "sortOptions.order must be legacy or fifo")
        }
    }

    // MARK: Build metadata

    static let managedByVersion = "kustomize-v5.5.0"

    static func buildMetadata(_ resources: [KustomizeResource], kustomization k: Kustomization) throws -> [KustomizeResource] {
        let options = try k.strings("buildMetadata")
        var origin = false, transformers = false, managedBy = false
        for o in options {
            switch o.value {
            case "originAnnotations": origin = true
            case "transformerAnnotations": transformers = true
            case "managedByLabel": managedBy = true
            default:
                throw Diagnostic.error(at: o.location, "unknown buildMetadata option \"\(o.value)\"",
                                       hint: "the options are originAnnotations, transformerAnnotations and managedByLabel")
            }
        }
        guard origin || transformers || managedBy else { return resources }
        let at = k.keyLocation("buildMetadata")
        return resources.map { r in
            var r = r
            if managedBy {
                r.setString(["metadata", "labels", "app.kubernetes.io/managed-by"], managedByVersion, at: at, by: "managedByLabel")
            }
            if origin, let o = r.origin {
                r.setString(["metadata", "annotations", "config.kubernetes.io/origin"], text(o), at: at, by: "originAnnotations")
            }
            if transformers, !r.transformedBy.isEmpty {
                let list = r.transformedBy.map { "- " + text($0).split(separator: "\n").joined(separator: "\n  ") }.joined(separator: "\n") + "\n"
                r.setString(["metadata", "annotations", "alpha.config.kubernetes.io/transformations"], list, at: at, by: "transformerAnnotations")
            }
            return r
        }
    }

    static func text(_ o: KustomizeResource.Origin) -> String {
        var out = ""
        if let path = o.path { out += "path: \(path)\n" }
        if let c = o.configuredIn { out += "configuredIn: \(c)\n" }
        if let by = o.configuredBy { out += "configuredBy:\n  apiVersion: builtin\n  kind: \(by)\n" }
        if let name = o.configuredByName { out += "  name: \(name)\n" }
        return out
    }
}

