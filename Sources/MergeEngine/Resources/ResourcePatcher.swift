import YAMLModel

/// Applies patches to a set of resources: strategic merge patches matched by group, kind,
/// namespace and name, and targeted JSON patches.
public struct ResourcePatcher {
    public var registry: SchemaRegistry
    /// Whose strategic merge the patches follow: `kubectl patch` or `kubectl kustomize`.
    public var flavor: MergeFlavor
    public private(set) var resources: [Resource]
    /// Notes for the user, such as "this kind merges as JSON merge patch", once per kind.
    public private(set) var notes: [Diagnostic] = []
    private var notedKinds: Set<String> = []
    /// Positions in `resources` by name, so that matching a patch does not scan them all.
    private var positionsByName: [String: [Int]] = [:]

    public init(resources: [Resource], registry: SchemaRegistry, flavor: MergeFlavor = .apimachinery) {
        self.resources = resources
        self.registry = registry
        self.flavor = flavor
        indexByName()
    }

    private mutating func indexByName() {
        positionsByName.removeAll(keepingCapacity: true)
        for (i, r) in resources.enumerated() { positionsByName[r.id.name, default: []].append(i) }
    }

    private mutating func removeResource(at i: Int) {
        resources.remove(at: i)
        indexByName()
    }

    /// Adds a resource a layer brings; one that exists already is an error naming both.
    public mutating func add(_ resource: Resource) throws {
        if let existing = (positionsByName[resource.id.name] ?? []).first(where: { resources[$0].id == resource.id }) {
            throw Diagnostic.error(at: resource.node.location, "\(resource.id) is defined twice; first at \(resources[existing].node.location)",
                                   hint: "a layer adds new resources under resources/; to change one, write a patch under patches/")
        }
        resources.append(resource)
        positionsByName[resource.id.name, default: []].append(resources.count - 1)
    }

    /// Finds the one resource a patch targets.
    public func target(of patchID: ResourceID, at location: SourceLocation, role: String = "patch") throws -> Int {
        let candidates = (positionsByName[patchID.name] ?? []).filter {
            let r = resources[$0].id
            return r.group == patchID.group && r.kind == patchID.kind && r.name == patchID.name
                && (patchID.namespace == nil || r.namespace == patchID.namespace)
        }
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty {
            let sameName = resources.filter { $0.id.name == patchID.name }.map { "\($0.id) (\($0.id.apiVersion))" }
            var hint = "a \(role) applies to a resource with the same API group, kind, name and namespace"
            if !sameName.isEmpty { hint += "; resources named \"\(patchID.name)\": " + sameName.joined(separator: ", ") }
            let group = patchID.group.isEmpty ? "the core API group" : "group \"\(patchID.group)\""
            throw Diagnostic.error(at: location, "\(role) matches no resource: \(patchID) in \(group)", hint: hint)
        }
        let namespaces = candidates.map { resources[$0].id.namespace ?? "(none)" }.joined(separator: ", ")
        throw Diagnostic.error(at: location, "\(role) for \(patchID) matches \(candidates.count) resources, in namespaces \(namespaces)",
                               hint: "set metadata.namespace in the \(role) to choose one")
    }

    /// Applies one strategic merge patch document.
    public mutating func applyStrategic(_ patch: Node) throws {
        let patchID = try Resource(document: patch, role: "patch").id
        let i = try target(of: patchID, at: patch.location)
        let target = resources[i]
        // Root directives act on the resource itself, whatever its kind's merge semantics.
        if let directive = patch.mapping?["$patch"], let map = patch.mapping {
            switch directive.scalar {
            case .string("delete")?:
                removeResource(at: i)
                return
            case .string("replace")? where flavor == .kyaml:
                // kustomize ignores such a patch: the resource stays as it is.
                return
            case .string("replace")?:
                var replaced = map
                replaced.remove("$patch")
                let node = Node(.mapping(replaced), at: patch.location).replacing(target.node)
                resources[i] = try checkIdentity(node, was: target.id, at: patch.location)
                return
            default:
                break
            }
        }
        let merged: Node
        switch registry.semantics(for: target.id, flavor: flavor) {
        case .strategic(let type, let options):
            if flavor == .kyaml && !registry.knows(target.id) { noteFallback(target.id, at: patch.location) }
            switch try StrategicMerge.apply(patch, to: target.node, type: type, options: options) {
            case .merged(let node): merged = node
            case .deleted:
                removeResource(at: i)
                return
            }
        case .jsonMerge:
            noteFallback(target.id, at: patch.location)
            merged = JSONMergePatch.apply(patch, to: target.node)
        }
        // Only a patch that keeps the identity changes anything.
        resources[i] = try checkIdentity(merged, was: target.id, at: patch.location)
    }

    /// Applies a JSON patch to the resource it targets.
    public mutating func applyJSONPatch(_ patch: JSONPatch, target targetID: ResourceID, at location: SourceLocation) throws {
        let i = try target(of: targetID, at: location, role: "JSON patch")
        let patched = try patch.apply(to: resources[i].node)
        resources[i] = try checkIdentity(patched, was: resources[i].id, at: location)
    }

    /// A patch may not rename or move the resource it patches, nor leave it without an
    /// identity. Returns the patched resource (its apiVersion may have changed).
    private func checkIdentity(_ node: Node, was id: ResourceID, at location: SourceLocation) throws -> Resource {
        let now: Resource
        do {
            now = try Resource(document: node)
        } catch let d as Diagnostic {
            throw Diagnostic.error(at: location, "the patch leaves \(id) without a valid identity: \(d.message)",
                                   hint: "a patch may change a resource's fields, but it must keep its apiVersion, kind and metadata.name")
        }
        if now.id != id {
            throw Diagnostic.error(at: location, "the patch changes the identity of \(id) to \(now.id)",
                                   hint: "a patch changes a resource; to replace it, delete it and add the new one")
        }
        return now
    }

    private mutating func noteFallback(_ id: ResourceID, at location: SourceLocation) {
        guard notedKinds.insert(id.groupKind).inserted else { return }
        let how = flavor == .kyaml ? "as kustomize merges a kind it has no schema for" : "as RFC 7386 JSON merge patch"
        notes.append(Diagnostic(
            .note, at: location,
            "no merge schema for \(id.kind) (\(id.group.isEmpty ? "core" : id.group)); it merges \(how): maps merge, lists are replaced whole",
            hint: "declare its merge keys (group/Kind:path=key) or point at its CRD to merge lists by key"))
    }
}

/// A JSON patch and the resource it targets, as written in a patch file:
///
///     target: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: prod}
///     patch:
///     - {op: replace, path: /spec/replicas, value: 3}
public struct TargetedJSONPatch: Sendable {
    public var target: ResourceID
    public var patch: JSONPatch
    public var location: SourceLocation

    public init(parsing node: Node) throws {
        guard let m = node.mapping else {
            throw Diagnostic.error(at: node.location, "a JSON patch file holds mappings with \"target\" and \"patch\", not \(node.kindWithArticle)")
        }
        guard let t = m["target"], let tm = t.mapping else {
            throw Diagnostic.error(at: m["target"]?.location ?? node.location, "the JSON patch has no \"target\" mapping",
                                   hint: "target names the resource: apiVersion (or group), kind, name and, when needed, namespace")
        }
        guard let ops = m["patch"] else {
            throw Diagnostic.error(at: node.location, "the JSON patch has no \"patch\" list of operations")
        }
        func string(_ key: String) throws -> String? {
            guard let v = tm[key] else { return nil }
            guard let s = v.stringValue else {
                throw Diagnostic.error(at: v.location, "target.\(key) must be a string, not \(v.scalar?.display ?? v.kindWithArticle)")
            }
            return s
        }
        let apiVersion = try string("apiVersion") ?? (try string("group")).map { $0.isEmpty ? "v1" : "\($0)/v1" } ?? "v1"
        guard let kind = try string("kind") else { throw Diagnostic.error(at: t.location, "target has no kind") }
        guard let name = try string("name") else { throw Diagnostic.error(at: t.location, "target has no name") }
        target = ResourceID(apiVersion: apiVersion, kind: kind, namespace: try string("namespace"), name: name)
        patch = try JSONPatch(parsing: ops)
        location = node.location
    }
}
