import YAMLModel
import MergeEngine

/// Group, version and kind of an object.
public struct GVK: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
        self.kind = kind
    }

    public var apiVersion: String { group.isEmpty ? version : group + "/" + version }
    public var description: String { (group.isEmpty ? "" : group + "/") + version + ", Kind=" + kind }

    /// Kinds the API server keeps outside namespaces (kustomize's built-in list; custom kinds
    /// are namespaced unless a CRD in the build says otherwise).
    static let clusterScopedKinds: Set<String> = [
        "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
        "ComponentStatus", "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration",
        "Namespace", "Node", "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
        "RuntimeClass", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "StorageClass", "SubjectAccessReview",
        "TokenReview", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration",
        "VolumeAttachment", "StorageVersionMigration", "ClusterTrustBundle", "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding", "VolumeAttributesClass", "IPAddress", "ServiceCIDR", "DeviceClass",
    ]

    /// Built-in kinds only: a custom `Namespace` kind of another API group is namespaced.
    public var isClusterScoped: Bool {
        Self.clusterScopedKinds.contains(kind) && (group.isEmpty || group.hasSuffix("k8s.io") || group == "policy")
    }
}

/// kustomize's resource identity: kind, name and namespace, with an empty namespace of a
/// namespaced kind meaning `default`.
public struct KustomizeID: Hashable, Sendable, CustomStringConvertible {
    public var gvk: GVK
    public var name: String
    public var namespace: String

    public init(gvk: GVK, name: String, namespace: String) {
        self.gvk = gvk
        self.name = name
        self.namespace = namespace
    }

    public var effectiveNamespace: String {
        if gvk.isClusterScoped { return "_non_namespaceable_" }
        return namespace.isEmpty ? "default" : namespace
    }

    public static func == (a: KustomizeID, b: KustomizeID) -> Bool {
        a.gvk == b.gvk && a.name == b.name && a.effectiveNamespace == b.effectiveNamespace
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(gvk)
        hasher.combine(name)
        hasher.combine(effectiveNamespace)
    }

    public var description: String {
        "\(gvk.kind) \(namespace.isEmpty || gvk.isClusterScoped ? "" : namespace + "/")\(name) (\(gvk.apiVersion))"
    }
}

/// A resource in a build, with what kustomize remembers about it: the names and namespaces
/// it had before transformers changed them (so references follow), the prefixes and
/// suffixes it was given, whether a generator made it, and the file it came from.
public struct KustomizeResource: Sendable {
    public struct PreviousID: Sendable, Hashable {
        var kind: String
        var name: String
        var namespace: String
    }

    public enum Behavior: String, Sendable { case create, merge, replace }

    public var node: Node
    /// Which resource this is, whatever its name becomes: vars bind to it.
    var serial = 0
    var previous: [PreviousID] = []
    var prefixes: [String] = []
    var suffixes: [String] = []
    /// Set on resources a generator made that get a content-hash suffix at the end of the build.
    var needsHash = false
    var behavior: Behavior?
    /// The file it was read from, relative to the top kustomization; or the generator.
    var origin: Origin?
    /// Transformers that changed it, for `buildMetadata: [transformerAnnotations]`.
    var transformedBy: [Origin] = []

    struct Origin: Sendable, Hashable {
        var path: String?
        var configuredIn: String?
        var configuredBy: String?
        var configuredByName: String?
    }

    init(node: Node) {
        self.node = node
    }

    func string(_ path: String...) -> String {
        node.value(at: path)?.scalar.map { $0.isNull ? "" : $0.text } ?? ""
    }

    public var gvk: GVK { GVK(apiVersion: string("apiVersion"), kind: string("kind")) }
    public var name: String { string("metadata", "name") }
    public var namespace: String { string("metadata", "namespace") }
    public var id: KustomizeID { KustomizeID(gvk: gvk, name: name, namespace: namespace) }

    /// Ids it had before, oldest first, with the current group and version.
    var previousIDs: [KustomizeID] {
        let gvk = self.gvk
        return previous.map { KustomizeID(gvk: GVK(group: gvk.group, version: gvk.version, kind: $0.kind), name: $0.name, namespace: $0.namespace) }
    }

    /// The id it was first given: its original name, before any prefix.
    var originalID: KustomizeID { previousIDs.first ?? id }

    /// Whether `id` names it, now or before.
    func answers(to id: KustomizeID) -> Bool {
        self.id == id || previousIDs.contains(id)
    }

    /// After a patch renamed it: the old id joins its history, so references follow.
    mutating func recordRename(from old: KustomizeResource) {
        guard old.id != id || old.id.namespace != id.namespace else { return }
        let o = old.id
        previous.append(PreviousID(kind: o.gvk.kind, name: o.name, namespace: o.effectiveNamespace))
    }

    mutating func storePreviousID() {
        let id = self.id
        previous.append(PreviousID(kind: id.gvk.kind, name: id.name, namespace: id.effectiveNamespace))
    }

    var annotations: Mapping { node.value(at: ["metadata", "annotations"])?.mapping ?? Mapping() }

    var isLocalConfig: Bool {
        annotations["config.kubernetes.io/local-config"]?.scalar?.text == "true"
    }

    mutating func set(_ path: [String], _ value: Node) {
        node = node.setting(path, to: value)
    }

    /// Sets a string field, recording the transformer that set it.
    mutating func setString(_ path: [String], _ text: String, at location: SourceLocation, by transformer: String) {
        let old = node.value(at: path)
        var new = Node.scalar(.string(text), at: location)
        if let old { new = new.replacing(old, reason: .transformed(by: transformer)) }
        set(path, new)
    }
}

/// A set of resources in build order, looked up by current or earlier id.
struct ResourceMap: Sendable {
    var resources: [KustomizeResource] = []

    mutating func append(_ r: KustomizeResource, at location: SourceLocation?) throws {
        try append(contentsOf: [r], at: location)
    }

    mutating func append(contentsOf other: ResourceMap, at location: SourceLocation?) throws {
        try append(contentsOf: other.resources, at: location)
    }

    /// Appends in order, refusing an id that is there already. The ids are hashed once per
    /// call, so a file of thousands of documents is not a quadratic scan.
    mutating func append(contentsOf more: [KustomizeResource], at location: SourceLocation?) throws {
        var ids = Set<KustomizeID>(minimumCapacity: resources.count + more.count)
        for r in resources { ids.insert(r.id) }
        for r in more {
            if !ids.insert(r.id).inserted {
                let existing = resources.first { $0.id == r.id }!
                throw Diagnostic.error(at: location ?? r.node.location,
                                       "may not add resource with an already registered id: \(r.id)",
                                       hint: "it is already defined at \(existing.node.location); a kustomization lists each resource once, and changes one with a patch")
            }
            resources.append(r)
        }
    }

    /// Indices of the resources that `id` names, now or before (kustomize's `GetMatchingResourcesByAnyId`).
    func matching(anyID id: KustomizeID) -> [Int] {
        resources.indices.filter { resources[$0].answers(to: id) }
    }
}
