import Foundation
import YAMLModel
import MergeEngine

/// Which resources a patch or replacement applies to: regular expressions over group,
/// version, kind, name and namespace (matched against the current or the original name and
/// namespace, as kustomize does), and label and annotation selectors.
struct Selector {
    var group, version, kind, name, namespace: Pattern?
    var labels: LabelSelector?
    var annotations: LabelSelector?
    var location: SourceLocation

    static let keys: Set<String> = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"]

    init(parsing node: Node, what: String) throws {
        location = node.location
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "\(what) must be a mapping, not \(node.kindWithArticle)")
        }
        func regex(_ key: String) throws -> Pattern? {
            guard let v = map[key], !v.isNull else { return nil }
            let text = try Kustomization.string(v, what: "\(what).\(key)")
            if text.isEmpty { return nil }
            do {
                return try Pattern(text)
            } catch {
                throw Diagnostic.error(at: v.location, "\(what).\(key) \"\(text)\" is not a regular expression: \(error)")
            }
        }
        try Kustomization.rejectUnknown(map, known: Self.keys, what: what,
                                        fallback: "a selector has group, version, kind, name, namespace, labelSelector and annotationSelector")
        group = try regex("group")
        version = try regex("version")
        kind = try regex("kind")
        name = try regex("name")
        namespace = try regex("namespace")
        if let l = map["labelSelector"], !l.isNull { labels = try LabelSelector(parsing: try Kustomization.string(l, what: "labelSelector"), at: l.location) }
        if let a = map["annotationSelector"], !a.isNull { annotations = try LabelSelector(parsing: try Kustomization.string(a, what: "annotationSelector"), at: a.location) }
    }

    func matches(_ r: KustomizeResource) -> Bool {
        func test(_ pattern: Pattern?, _ values: String...) -> Bool {
            guard let pattern else { return true }
            return values.contains { pattern.matches($0) }
        }
        let current = r.id, original = r.originalID
        guard test(namespace, original.effectiveNamespace, current.effectiveNamespace),
              test(name, original.name, current.name),
              test(group, current.gvk.group), test(version, current.gvk.version), test(kind, current.gvk.kind) else { return false }
        if let labels, !labels.matches(Self.strings(r.node.value(at: ["metadata", "labels"]))) { return false }
        if let annotations, !annotations.matches(Self.strings(r.node.value(at: ["metadata", "annotations"]))) { return false }
        return true
    }

    /// An anchored regular expression, as kustomize matches selector fields. Most are plain
    /// names, compared as strings; the others are compiled once per process.
    enum Pattern {
        case literal(String)
        case regex(Regex<AnyRegexOutput>)

        init(_ text: String) throws {
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }) {
                self = .literal(text)
            } else {
                self = .regex(try Self.cache.regex(text))
            }
        }

        func matches(_ value: String) -> Bool {
            switch self {
            case .literal(let text): return value == text
            case .regex(let re): return (try? re.wholeMatch(in: value)) != nil
            }
        }

        static let cache = RegexCache()
    }

    final class RegexCache: @unchecked Sendable {
        private let lock = NSLock()
        private var compiled: [String: Regex<AnyRegexOutput>] = [:]

        func regex(_ text: String) throws -> Regex<AnyRegexOutput> {
            lock.lock()
            defer { lock.unlock() }
            if let re = compiled[text] { return re }
            let re = try Regex("^(?:" + text + ")$")
            if compiled.count < 4096 { compiled[text] = re }
            return re
        }
    }

    static func strings(_ node: Node?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, e) in node?.mapping?.entries ?? [:] { out[k] = e.value.scalar?.text }
        return out
    }
}

/// Applying strategic merge and JSON 6902 patches to kustomize resources.
struct Patching {
    let registry: SchemaRegistry
    let flavor: MergeFlavor

    /// Merges a strategic patch into one resource; nil when the patch deletes it.
    func merge(_ patch: Node, into r: KustomizeResource, allowNameChange: Bool = false) throws -> KustomizeResource? {
        if let directive = patch.mapping?["$patch"]?.stringValue {
            switch directive {
            case "delete": return nil
            case "replace" where flavor == .kyaml: return r
            default: break
            }
        }
        let id = ResourceID(apiVersion: r.gvk.apiVersion, kind: r.gvk.kind, namespace: r.namespace.isEmpty ? nil : r.namespace, name: r.name)
        var merged: Node
        switch registry.semantics(for: id, flavor: flavor) {
        case .strategic(let type, let options):
            switch try StrategicMerge.apply(patch, to: r.node, type: type, options: options) {
            case .merged(let node): merged = node
            case .deleted: return nil
            }
        case .jsonMerge:
            merged = JSONMergePatch.apply(patch, to: r.node)
        }
        var out = r
        out.node = merged
        // A patch names its target; a value it only repeats keeps the resource's own history.
        for path in [["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"]] {
            if let before = r.node.value(at: path), let after = out.node.value(at: path), before == after {
                out.set(path, before)
            }
        }
        if out.name != r.name {
            if allowNameChange {
                out.recordRename(from: r)
            } else {
                out.set(["metadata", "name"], r.node.value(at: ["metadata", "name"])!)
            }
        }
        return out
    }

    /// The patch's document with the target's identity, so that a selected patch applies to
    /// resources whatever name the patch itself carries.
    static func retargeted(_ patch: Node, to r: KustomizeResource, keepName: Bool = false) -> Node {
        guard var map = patch.mapping else { return patch }
        let at = patch.location
        map.set("apiVersion", r.node["apiVersion"] ?? .scalar(.string(r.gvk.apiVersion), at: at))
        map.set("kind", r.node["kind"] ?? .scalar(.string(r.gvk.kind), at: at))
        var meta = map["metadata"]?.mapping ?? Mapping()
        if !keepName || meta["name"] == nil { meta.set("name", r.node.value(at: ["metadata", "name"]) ?? .scalar(.string(r.name), at: at)) }
        if let ns = r.node.value(at: ["metadata", "namespace"]), !r.namespace.isEmpty { meta.set("namespace", ns) }
        else { meta.remove("namespace") }
        map.set("metadata", .mapping(meta, at: map["metadata"]?.location ?? at))
        return Node(.mapping(map), at: at)
    }

    /// The one resource a patch without a target names by its own identity (current or
    /// earlier name).
    static func target(of patch: Node, in resources: ResourceMap, role: String) throws -> Int {
        guard let map = patch.mapping else {
            throw Diagnostic.error(at: patch.location, "a strategic merge patch must be a mapping, not \(patch.kindWithArticle)")
        }
        let kind = map["kind"]?.stringValue ?? ""
        let name = patch.value(at: ["metadata", "name"])?.scalar?.text ?? ""
        guard !kind.isEmpty, !name.isEmpty else {
            throw Diagnostic.error(at: patch.location, "the \(role) has no \(kind.isEmpty ? "kind" : "metadata.name"), so it names no resource",
                                   hint: "a patch without a target names its resource by apiVersion, kind and metadata.name; or give the patch entry a target")
        }
        let id = KustomizeID(gvk: GVK(apiVersion: map["apiVersion"]?.stringValue ?? "", kind: kind), name: name,
                             namespace: patch.value(at: ["metadata", "namespace"])?.stringValue ?? "")
        let matches = resources.matching(anyID: id)
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty {
            let sameName = resources.resources.filter { $0.name == name || $0.originalID.name == name }.map(\.id.description)
            throw Diagnostic.error(at: patch.location, "the \(role) matches no resource: \(id)",
                                   hint: sameName.isEmpty ? "a patch applies to a resource with the same apiVersion, kind, name and namespace"
                                       : "resources named \"\(name)\": " + sameName.joined(separator: ", "))
        }
        throw Diagnostic.error(at: patch.location, "the \(role) for \(id) matches \(matches.count) resources",
                               hint: "set metadata.namespace in the patch, or give the patch entry a target")
    }
}
