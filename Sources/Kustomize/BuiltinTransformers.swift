import YAMLModel

/// `namespace:`: sets metadata.namespace of namespaced objects, renames Namespace objects,
/// and sets the other namespace fields of the configuration (APIService, CRD webhooks);
/// RoleBinding subjects named `default` follow.
struct Namespacing {
    let namespace: Located<String>
    let specs: [FieldSpec]
    var transformer: String { "namespace from \(namespace)" }

    func run(_ resources: inout ResourceMap) throws {
        for i in resources.resources.indices {
            var r = resources.resources[i]
            if r.node.mapping?.isEmpty ?? true { continue }
            r.storePreviousID()
            let gvk = r.gvk
            if !gvk.isClusterScoped {
                r.setString(["metadata", "namespace"], namespace.value, at: namespace.location, by: transformer)
            }
            for spec in specs where spec.matches(gvk) {
                if spec.path == "metadata/namespace" { continue }
                if spec.path == "metadata/name", gvk.apiVersion != "v1" { continue }
                try set(spec, on: &r)
            }
            if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding", var subjects = r.node["subjects"]?.sequence {
                for j in subjects.indices where subjects[j]["name"]?.stringValue == "default" && subjects[j].mapping != nil {
                    var m = subjects[j].mapping!
                    let old = m["namespace"]
                    var value = Node.scalar(.string(namespace.value), at: namespace.location)
                    if let old { value = value.replacing(old, reason: .transformed(by: transformer)) }
                    m.set("namespace", value)
                    subjects[j].value = .mapping(m)
                }
                r.set(["subjects"], Node(.sequence(subjects), at: r.node["subjects"]!.location))
            }
            resources.resources[i] = r
        }
        var seen: [KustomizeID: SourceLocation] = [:]
        for r in resources.resources {
            if let first = seen[r.id] {
                throw Diagnostic.error(at: namespace.location, "setting namespace \(namespace.value) makes two resources \(r.id)",
                                       hint: "they are defined at \(first) and \(r.node.location); rename one")
            }
            seen[r.id] = r.node.location
        }
    }

    func set(_ spec: FieldSpec, on r: inout KustomizeResource) throws {
        try r.node.visit(spec, leaf: .scalar, at: namespace.location) { node in
            guard node.scalar != nil else {
                throw Diagnostic.error(at: node.location, "the namespace field \(spec.path) is \(node.kindWithArticle), not a string")
            }
            node = Node.scalar(.string(namespace.value), at: namespace.location).replacing(node, reason: .transformed(by: transformer))
        }
    }
}

/// `namePrefix` and `nameSuffix` (and the PrefixSuffixTransformer): prefixes and suffixes
/// names, except of CRDs, APIServices and Namespaces, remembering the earlier name so that
/// references follow.
struct Naming {
    let prefix: Located<String>?
    let suffix: Located<String>?
    let specs: [FieldSpec]

    static func skipped(_ gvk: GVK) -> Bool {
        gvk.kind == "CustomResourceDefinition" || gvk.kind == "Namespace" || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
    }

    func run(_ resources: inout ResourceMap) throws {
        let p = prefix?.value ?? "", s = suffix?.value ?? ""
        if p.isEmpty && s.isEmpty { return }
        let location = prefix?.location ?? suffix!.location
        let what = !p.isEmpty && !s.isEmpty ? "name prefix and suffix" : (!p.isEmpty ? "name prefix" : "name suffix")
        let transformer = "\(what) from \((prefix ?? suffix)!)"
        for i in resources.resources.indices {
            var r = resources.resources[i]
            let gvk = r.gvk
            if Self.skipped(gvk) { continue }
            r.storePreviousID()
            if !p.isEmpty { r.prefixes.append(p) }
            if !s.isEmpty { r.suffixes.append(s) }
            var paths: Set<String> = []
            for spec in specs where spec.matches(gvk) && paths.insert(spec.path).inserted {
                try r.node.visit(spec, leaf: nil, at: location) { node in
                    guard let text = node.scalar?.text, !node.isNull else { return }
                    node = Node.scalar(.string(p + text + s), at: location).replacing(node, reason: .transformed(by: transformer))
                }
            }
            resources.resources[i] = r
        }
    }
}

/// Labels and annotations: sets each pair on every map the field specs reach.
struct MapSetter {
    let pairs: [(key: String, value: Located<String>)]
    let specs: [FieldSpec]
    let what: String

    func run(_ resources: inout ResourceMap) throws {
        if pairs.isEmpty { return }
        for i in resources.resources.indices {
            var r = resources.resources[i]
            let gvk = r.gvk
            for spec in specs where spec.matches(gvk) {
                try r.node.visit(spec, leaf: .mapping, at: pairs[0].value.location) { node in
                    guard var map = node.mapping else {
                        throw Diagnostic.error(at: node.location, "\(spec.path) is \(node.kindWithArticle); \(what)s go into a mapping")
                    }
                    for (key, value) in pairs {
                        var new = Node.scalar(.string(value.value), at: value.location)
                        let reason = Overridden.Reason.transformed(by: "\(what) \(key) from \(value)")
                        if let old = map[key] { new = new.replacing(old, reason: reason) }
                        map.set(key, new, keyLocation: map.keyLocation(key) ?? value.location)
                    }
                    node.value = .mapping(map)
                }
            }
            resources.resources[i] = r
        }
    }
}

/// `replicas:`: the count of the named workloads.
struct Replicas {
    let name: Located<String>
    let count: Node
    let specs: [FieldSpec]

    init(entry: Node, specs: [FieldSpec]) throws {
        guard let map = entry.mapping else { throw Diagnostic.error(at: entry.location, "a replicas entry must be a mapping") }
        for (key, e) in map.entries where key != "name" && key != "count" {
            throw Diagnostic.error(at: e.keyLocation, "unknown replicas field \"\(key)\"", hint: "a replicas entry has name and count")
        }
        guard let n = map["name"] else { throw Diagnostic.error(at: entry.location, "a replicas entry has no name") }
        name = Located(try Kustomization.string(n, what: "name"), at: n.location)
        guard let c = map["count"], c.scalar?.intValue != nil else {
            throw Diagnostic.error(at: map["count"]?.location ?? entry.location, "replicas count must be an integer",
                                   hint: "write count: 3")
        }
        count = c
        self.specs = specs
    }

    func run(_ resources: inout ResourceMap) throws {
        var matched = false
        for i in resources.resources.indices {
            var r = resources.resources[i]
            guard r.name == name.value || r.previousIDs.contains(where: { $0.name == name.value }) else { continue }
            let gvk = r.gvk
            for spec in specs where spec.matches(gvk) {
                matched = true
                try r.node.visit(spec, leaf: .scalar, at: count.location) { node in
                    let reason = Overridden.Reason.transformed(by: "replica count from \(count.location)")
                    node = Node.scalar(count.scalar!, at: count.location).replacing(node, reason: reason)
                }
            }
            resources.resources[i] = r
        }
        if !matched, resources.resources.contains(where: { $0.name == name.value }) {
            throw Diagnostic.error(at: name.location, "no resource named \(name.value) has a replica count field",
                                   hint: "replicas applies to Deployments, ReplicaSets, ReplicationControllers and StatefulSets, or the kinds a configuration adds")
        }
    }
}

/// `images:`: new names, tags and digests for container images, in every `containers` and
/// `initContainers` list and the fields the configuration names.
struct Images {
    let name: String
    let newName: Located<String>?
    let newTag: Located<String>?
    let digest: Located<String>?
    let location: SourceLocation
    let specs: [FieldSpec]

    init(entry: Node, specs: [FieldSpec]) throws {
        guard let map = entry.mapping else { throw Diagnostic.error(at: entry.location, "an images entry must be a mapping") }
        let known: Set<String> = ["name", "newName", "newTag", "digest", "tagSuffix"]
        try Kustomization.rejectUnknown(map, known: known, what: "images", fallback: "an images entry has name, newName, newTag and digest")
        guard let n = map["name"] else { throw Diagnostic.error(at: entry.location, "an images entry has no name", hint: "name is the image to change, without tag") }
        name = try Kustomization.string(n, what: "name")
        func located(_ key: String) throws -> Located<String>? {
            guard let v = map[key], !v.isNull else { return nil }
            return Located(try Kustomization.string(v, what: key), of: v)
        }
        newName = try located("newName")
        newTag = try located("newTag")
        digest = try located("digest")
        location = entry.location
        self.specs = specs
    }

    /// Splits `registry:5000/app:1.2@sha256:...` into name, tag and digest.
    static func split(_ image: String) -> (name: String, tag: String?, digest: String?) {
        var rest = Substring(image)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var tag: String?
        let lastSlash = rest.lastIndex(of: "/") ?? rest.startIndex
        if let colon = rest[lastSlash...].lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        return (String(rest), tag, digest)
    }

    func updated(_ image: String) -> String? {
        let parts = Self.split(image)
        guard parts.name == name else { return nil }
        var out = newName?.value ?? parts.name
        var tag = parts.tag, digest = parts.digest
        if let newTag, let d = self.digest { tag = newTag.value; digest = d.value }
        else if let newTag { tag = newTag.value; digest = nil }
        else if let d = self.digest { tag = nil; digest = d.value }
        if let tag { out += ":" + tag }
        if let digest { out += "@" + digest }
        return out
    }

    var transformer: String {
        let value = newTag ?? digest ?? newName
        let what = newTag != nil ? "image tag" : (digest != nil ? "image digest" : "image name")
        return "\(what) from \(value.map(Self.configured) ?? "\(location)")"
    }

    /// Where a value was configured: its kustomization line, and the parameter that filled
    /// it when the line holds a placeholder.
    static func configured(_ value: Located<String>) -> String { value.description }

    func set(_ node: inout Node) {
        guard let text = node.stringValue, let new = updated(text), new != text else { return }
        let at = (newTag ?? digest ?? newName)?.location ?? location
        node = Node.scalar(.string(new), at: at).replacing(node, reason: .transformed(by: transformer))
    }

    func run(_ resources: inout ResourceMap) throws {
        for i in resources.resources.indices {
            var r = resources.resources[i]
            r.node = walkContainers(r.node)
            let gvk = r.gvk
            for spec in specs where spec.matches(gvk) {
                try r.node.visit(spec, leaf: nil, at: location) { set(&$0) }
            }
            resources.resources[i] = r
        }
    }

    /// kustomize's legacy image filter: the `image` of every element of any `containers` or
    /// `initContainers` list, wherever it is (so custom resources that embed pod specs work).
    func walkContainers(_ node: Node) -> Node {
        var out = node
        switch node.value {
        case .scalar: return node
        case .sequence(let items): out.value = .sequence(items.map(walkContainers))
        case .mapping(var map):
            for (key, entry) in map.entries {
                var child = walkContainers(entry.value)
                if key == "containers" || key == "initContainers", var items = child.sequence {
                    for j in items.indices {
                        guard var m = items[j].mapping, var image = m["image"] else { continue }
                        set(&image)
                        m.set("image", image)
                        items[j].value = .mapping(m)
                    }
                    child.value = .sequence(items)
                }
                map.set(key, child)
            }
            out.value = .mapping(map)
        }
        return out
    }
}
