import YAMLModel

/// kustomize's name-reference step: after prefixes, suffixes, namespaces and hashes changed
/// names, every field that refers to an object by name (a pod's ConfigMap volume, a
/// RoleBinding's subjects, an Ingress backend, ... as the configuration lists) is updated to
/// the referred object's new name, choosing among candidates as kustomize does.
struct NameReferences {
    let config: TransformerConfig

    func fix(_ resources: inout ResourceMap) throws {
        // Only a resource that was renamed can need its references updated; names do not
        // change during this step, so the set is found once.
        let renamed = resources.resources.filter { !$0.previous.isEmpty }
        if renamed.isEmpty { return }
        // Kinds do not change here either: each resource's original kind is read once.
        let renamedGVKs = renamed.map { $0.previousIDs.map(\.gvk) }
        let originalGVKs = resources.resources.map(\.originalID.gvk)
        for back in config.nameReferences {
            let targets = renamed.indices.filter { c in renamedGVKs[c].contains { back.gvk.matches($0) } }.map { renamed[$0] }
            if targets.isEmpty { continue }
            for spec in back.referrers {
                for i in resources.resources.indices where spec.matches(originalGVKs[i]) {
                    var referrer = resources.resources[i]
                    let candidates = couldBeReferenced(by: referrer, in: targets)
                    if candidates.isEmpty { continue }
                    let context = Context(referrer: referrer, target: back.gvk, spec: spec, candidates: candidates)
                    try referrer.node.visit(spec, leaf: nil, at: referrer.node.location) { node in
                        try context.update(&node)
                    }
                    resources.resources[i].node = referrer.node
                }
            }
        }
    }

    func couldBeReferenced(by referrer: KustomizeResource, in all: [KustomizeResource]) -> [KustomizeResource] {
        let id = referrer.id
        if id.gvk.isClusterScoped { return all }
        var bindingNamespaces: Set<String> = []
        if id.gvk.kind == "RoleBinding" || id.gvk.kind == "ClusterRoleBinding" {
            for s in referrer.node["subjects"]?.sequence ?? [] { if let ns = s["namespace"]?.stringValue { bindingNamespaces.insert(ns) } }
        }
        return all.filter { r in
            let rid = r.id
            return rid.gvk.isClusterScoped || rid.effectiveNamespace == id.effectiveNamespace || bindingNamespaces.contains(r.namespace)
        }
    }

    struct Context {
        let referrer: KustomizeResource
        let target: FieldSpec
        let spec: FieldSpec
        let candidates: [KustomizeResource]

        var transformer: String { "name reference to \(target.kind)" }

        func update(_ node: inout Node) throws {
            switch node.value {
            case .scalar:
                guard let old = node.scalar?.text, !node.isNull else { return }
                guard let referral = try select(old, among: candidates, at: node.location, sameNamespaceToo: false) else { return }
                if referral.name != old {
                    node = Node.scalar(.string(referral.name), at: node.location).replacing(node, reason: .transformed(by: transformer))
                }
            case .mapping(var map):
                guard let nameNode = map["name"], let old = nameNode.scalar?.text else {
                    throw Diagnostic.error(at: node.location, "the reference at \(spec.path) has no name field")
                }
                var pool = candidates
                if let ns = map["namespace"]?.stringValue {
                    let byOriginal = candidates.filter { ($0.previousIDs.first?.namespace ?? $0.namespace) == ns || $0.originalNamespace == ns }
                    pool = byOriginal.isEmpty ? candidates.filter { $0.namespace == ns } : byOriginal
                }
                guard let referral = try select(old, among: pool, at: nameNode.location, sameNamespaceToo: true) else { return }
                if referral.name == old && referral.namespace.isEmpty { return }
                if referral.name != old {
                    map.set("name", Node.scalar(.string(referral.name), at: nameNode.location).replacing(nameNode, reason: .transformed(by: transformer)))
                }
                if !referral.namespace.isEmpty {
                    let oldNS = map["namespace"]
                    var ns = Node.scalar(.string(referral.namespace), at: oldNS?.location ?? nameNode.location)
                    if let oldNS { ns = ns.replacing(oldNS, reason: .transformed(by: transformer)) }
                    map.set("namespace", ns)
                }
                node.value = .mapping(map)
            case .sequence(var items):
                for j in items.indices { try update(&items[j]) }
                node.value = .sequence(items)
            }
        }

        func select(_ old: String, among pool: [KustomizeResource], at location: SourceLocation, sameNamespaceToo: Bool) throws -> KustomizeResource? {
            var c = pool.filter { $0.previousIDs.contains { $0.name == old } }
            c = c.filter { $0.previousIDs.contains { target.matches($0.gvk) } }
            if spec.path.hasSuffix("roleRef/name"), let kind = referrer.node.value(at: ["roleRef", "kind"])?.stringValue {
                let group = referrer.node.value(at: ["roleRef", "apiGroup"])?.stringValue ?? ""
                c = c.filter { $0.previousIDs.contains { $0.gvk.kind == kind && (group.isEmpty || $0.gvk.group == group) } }
            }
            let referrerID = referrer.id
            if !referrerID.gvk.isClusterScoped {
                c = c.filter { $0.id.gvk.isClusterScoped || $0.gvk.kind == "ServiceAccount" || $0.id.effectiveNamespace == referrerID.effectiveNamespace }
            }
            if c.count == 1 { return c[0] }
            c = c.filter { Self.sameEnding($0.prefixes, referrer.prefixes, allowEmpty: true) && Self.sameEnding($0.suffixes, referrer.suffixes, allowEmpty: true) }
            if c.count > 1 {
                c = c.filter { Self.sameEnding($0.prefixes, referrer.prefixes, allowEmpty: false) && Self.sameEnding($0.suffixes, referrer.suffixes, allowEmpty: false) }
            }
            if c.count == 1 { return c[0] }
            if c.isEmpty { return nil }
            if c.allSatisfy({ $0.name == c[0].name && (!sameNamespaceToo || $0.namespace == c[0].namespace) }) { return c[0] }
            throw Diagnostic.error(at: location, "\"\(old)\" could refer to \(c.count) resources: " + c.map(\.id.description).joined(separator: ", "),
                                   hint: "the reference from \(referrer.id) is ambiguous after renaming; give the resources distinct names, or build them in separate kustomizations")
        }

        static func sameEnding(_ a: [String], _ b: [String], allowEmpty: Bool) -> Bool {
            if allowEmpty && (a.isEmpty || b.isEmpty) { return true }
            let (short, long) = a.count <= b.count ? (a, b) : (b, a)
            let diff = long.count - short.count
            if short.isEmpty { return diff == 0 }
            for i in short.indices.reversed() where long[i + diff] != short[i] { return false }
            return true
        }
    }
}

extension KustomizeResource {
    var originalNamespace: String { previous.first?.namespace ?? namespace }
}
