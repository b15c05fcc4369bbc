import MergeEngine
import Overlays
import YAMLModel

/// The rules about the ClickHouse and Keeper installations themselves: storage
/// configuration, versions, cluster names and the CRDs' string-typed fields.
enum ClickHouseRules {
    typealias S = RuleSupport

    // MARK: Storage configuration files

    /// One `config.d/*.xml` file of a ClickHouseInstallation, parsed.
    struct ConfigFile: Sendable {
        var key: String
        var node: Node
        var xml: ConfigXMLElement
    }

    /// One `.xml` file of an installation's `spec.configuration.files`, read once for every
    /// rule that looks at it.
    struct XMLFile: Sendable {
        var key: String
        var node: Node
        var reading: ConfigXMLElement.Reading
    }

    static func xmlFiles(_ resource: Resource, _ context: RuleContext) -> [XMLFile] {
        context.memoized("xml-files \(resource.id)") {
            guard let files = resource.node["spec"]?["configuration"]?["files"]?.mapping else { return [] }
            return files.entries.compactMap { key, entry in
                guard key.hasSuffix(".xml"), let text = entry.value.stringValue else { return nil }
                return XMLFile(key: key, node: entry.value, reading: ConfigXMLElement.read(text))
            }
        }
    }

    /// The installation's `spec.configuration.files` under `config.d/` ending in `.xml`, that
    /// parse. A malformed file is `xmlWellFormed`'s finding, and the other rules skip it.
    static func configFiles(_ chi: Resource, _ context: RuleContext) -> [ConfigFile] {
        xmlFiles(chi, context).compactMap { file in
            guard file.key.containsBytes("config.d/"), case .element(let xml) = file.reading else { return nil }
            return ConfigFile(key: file.key, node: file.node, xml: xml)
        }
    }

    /// Where line `line`, column `column` of a file's text is: in the `.xml` file itself
    /// when the layer embeds one (`$file`); otherwise at the YAML string, with the line named.
    /// The note names the line (and the column, with `namingColumn`) in the second case.
    static func position(_ value: Node, line: Int, column: Int, namingColumn: Bool = false) -> (location: SourceLocation, note: String) {
        if let exact = value.location.inText(line: line, column: column) { return (exact, "") }
        return (value.location, namingColumn ? " (line \(line), column \(column) of the file)" : " (line \(line) of the file)")
    }

    /// Every `.xml` file of an installation's `spec.configuration.files` (ClickHouse's and
    /// Keeper's) is well-formed: ClickHouse refuses to start on one that is not.
    static func xmlWellFormed(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for resource in context.resources(S.clickHouseGroupKind) + context.resources(S.keeperGroupKind) {
            for file in xmlFiles(resource, context) {
                guard case .malformed(let error) = file.reading else { continue }
                let (location, note) = position(file.node, line: error.line, column: error.column, namingColumn: true)
                out.append(.error(
                    at: location,
                    "\(file.key) of \(S.name(resource)) is not well-formed XML\(note): \(error.message)",
                    hint: "ClickHouse refuses to start on a configuration file it cannot parse; fix the XML"))
            }
        }
        return out
    }

    /// The disks of a file: the children of every `<disks>` element.
    static func disks(_ file: ConfigFile) -> [ConfigXMLElement] {
        var out: [ConfigXMLElement] = []
        file.xml.descendants { element, _ in
            if element.name == "disks" { out += element.children }
        }
        return out
    }

    static func replicaPlaceholder(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for chi in context.resources(S.clickHouseGroupKind) {
            for file in configFiles(chi, context) {
                for disk in disks(file) {
                    guard let endpoint = disk.child("endpoint"), endpoint.attributes.isEmpty else { continue } // from_env: not ours to read
                    let url = S.trim(endpoint.text)
                    guard !url.containsBytes("{replica}") else { continue }
                    let example = (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/{replica}"
                    let (location, note) = position(file.node, line: endpoint.line, column: endpoint.column)
                    out.append(.error(
                        at: location,
                        "the endpoint of S3 disk \"\(disk.name)\" in \(file.key)\(note) has no {replica}, so every replica of \(S.name(chi)) writes the same objects",
                        hint: "end the endpoint's path with {replica}: <endpoint>\(example)</endpoint>"))
                }
            }
        }
        return out
    }

    /// The data volume claim templates a ClickHouseInstallation's clusters use: each cluster's
    /// `templates.dataVolumeClaimTemplate`, else the defaults', else the only one there is.
    static func dataVolumes(_ chi: Resource) -> [Node] {
        let spec = chi.node["spec"]
        let claims = spec?["templates"]?["volumeClaimTemplates"]?.sequence ?? []
        var names: [String] = []
        let fallback = spec?["defaults"]?["templates"]?["dataVolumeClaimTemplate"]?.stringValue
        for cluster in spec?["configuration"]?["clusters"]?.sequence ?? [] {
            if let n = cluster["templates"]?["dataVolumeClaimTemplate"]?.stringValue ?? fallback, !names.contains(n) { names.append(n) }
        }
        if names.isEmpty, let n = fallback { names = [n] }
        if names.isEmpty { return claims.count == 1 ? claims : [] }
        return names.compactMap { n in claims.first { $0["name"]?.stringValue == n } }
    }

    static func cacheBelowVolume(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for chi in context.resources(S.clickHouseGroupKind) {
            let volumes = dataVolumes(chi).compactMap { claim -> (name: String, size: String, bytes: Double, node: Node)? in
                guard let storage = claim.value(at: ["spec", "resources", "requests", "storage"]), let text = storage.scalar?.text,
                      let bytes = S.bytes(text) else { return nil }
                return (claim["name"]?.stringValue ?? "?", text, bytes, storage)
            }
            guard !volumes.isEmpty else { continue }
            for file in configFiles(chi, context) {
                for disk in disks(file) where disk.childText("type") == "cache" {
                    guard let element = disk.child("max_size"), let maxSize = disk.childText("max_size"), let cache = S.bytes(maxSize) else { continue }
                    for volume in volumes where cache >= volume.bytes {
                        // A parameter's value is reported where it was set; a size written in
                        // the file, at its element.
                        var (location, parameter) = S.origin(of: maxSize, in: file.node)
                        if parameter == nil { location = position(file.node, line: element.line, column: element.column).location }
                        out.append(.error(
                            at: location,
                            "cache disk \"\(disk.name)\" in \(file.key) has max_size \(maxSize)\(S.parameterNote(parameter)), which is not below the \(volume.size) data volume of \(S.name(chi)) (volumeClaimTemplates[name=\(volume.name)] at \(volume.node.location))",
                            hint: "the cache lives on the data volume: make max_size smaller than it (the seeds use 40Gi on 50Gi), or raise the volume's resources.requests.storage"))
                    }
                }
            }
        }
        return out
    }

    // MARK: Versions

    /// The containers of an installation's pod templates that run `image` names matching
    /// `matches`, with the image node.
    static func images(_ r: Resource, where matches: (String) -> Bool) -> [(image: String, node: Node)] {
        var out: [(String, Node)] = []
        for template in r.node["spec"]?["templates"]?["podTemplates"]?.sequence ?? [] {
            for key in ["containers", "initContainers"] {
                for container in template["spec"]?[key]?.sequence ?? [] {
                    guard let node = container["image"], let image = node.stringValue else { continue }
                    let last = S.repository(of: image).split(separator: "/").last.map(String.init) ?? image
                    if matches(last) { out.append((image, node)) }
                }
            }
        }
        return out
    }

    static func keeperVersion(_ context: RuleContext) -> [Diagnostic] {
        let servers = context.resources(S.clickHouseGroupKind).flatMap { images($0, where: { $0.hasPrefix("clickhouse-server") }) }
        let known = servers.compactMap { s in S.tag(of: s.image).flatMap(S.version).map { (s, $0) } }
        guard let newest = known.max(by: { S.compare($0.1, $1.1) < 0 }) else { return [] }
        var out: [Diagnostic] = []
        for keeper in context.resources(S.keeperGroupKind) {
            for k in images(keeper, where: { $0.containsBytes("keeper") }) {
                guard let tag = S.tag(of: k.image), let version = S.version(tag), S.compare(version, newest.1) < 0 else { continue }
                let (location, parameter) = S.origin(of: tag, in: k.node)
                let server = newest.0
                let serverAt = S.origin(of: S.tag(of: server.image) ?? "", in: server.node)
                out.append(.error(
                    at: location,
                    "the Keeper image \(k.image)\(S.parameterNote(parameter)) is older than the ClickHouse server image \(server.image) (\(serverAt.location))",
                    hint: "run Keeper at the server's version or newer, e.g. \(S.repository(of: k.image)):\(S.tag(of: server.image) ?? "")"))
            }
        }
        return out
    }

    // MARK: Cluster names

    static let clusterNameLimit = 15

    static func validClusterName(_ name: String) -> Bool {
        name.count <= clusterNameLimit && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
    }

    /// A name that matches: other characters become `-`, then at most 15 characters.
    static func suggestedClusterName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) ? Character(s) : "-"
        })
        var out = String(cleaned.prefix(clusterNameLimit))
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "cluster" : out
    }

    /// Raft needs a majority: 2 replicas survive no failure, as 1 does, and 4 survive one,
    /// as 3 do, with more pods to run.
    static func keeperOddReplicas(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in context.resources(S.keeperGroupKind) {
            for cluster in r.node["spec"]?["configuration"]?["clusters"]?.sequence ?? [] {
                guard let node = cluster["layout"]?["replicasCount"], let count = node.scalar?.intValue, count > 0, count % 2 == 0 else { continue }
                let name = cluster["name"]?.stringValue ?? "?"
                out.append(Diagnostic(
                    .warning, at: node.location,
                    "Keeper cluster \"\(name)\" of \(S.name(r)) has \(count) replicas: a Raft ensemble of \(count) tolerates \(count / 2 - 1) failure\(count / 2 - 1 == 1 ? "" : "s"), no more than one of \(count - 1)",
                    hint: "use an odd count; the seeds' ch-keeper.yaml runs three: clusters: [{name: keeper, layout: {replicasCount: 3}}]"))
            }
        }
        return out
    }

    static func clusterNames(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in context.resources.filter({ [S.clickHouseGroupKind, S.keeperGroupKind].contains($0.id.groupKind) }) {
            for cluster in r.node["spec"]?["configuration"]?["clusters"]?.sequence ?? [] {
                guard let node = cluster["name"], let name = node.stringValue, !validClusterName(name) else { continue }
                let follows = r.id.groupKind == S.clickHouseGroupKind
                    ? "WF_CLICKHOUSE_REPLICATED_CLUSTER is derived from it"
                    : "the Keeper hosts in zookeeper.nodes are derived from it"
                out.append(.error(
                    at: node.location,
                    "the cluster name \"\(name)\" of \(S.name(r)) does not match ^[a-zA-Z0-9-]{0,15}$ (letters, digits and -, at most 15 characters)",
                    hint: "rename it, e.g. \"\(suggestedClusterName(name))\"; \(follows)"))
            }
        }
        return out
    }

    // MARK: String-typed fields

    /// Fields the Altinity CRDs type as strings that read like booleans (`"true"`, `"1"`), by
    /// path; `[]` steps into every element of a list.
    static let stringFields: [String: [String]] = {
        let reconcile = ["wait.exclude", "wait.queries", "wait.include", "wait.replicas.all", "wait.replicas.new", "wait.probes.startup",
                         "wait.probes.readiness", "drop.replicas.onDelete", "drop.replicas.onLostVolume", "drop.replicas.active"]
        let macros = ["users", "profiles", "quotas", "settings", "files"].map { "macros.sections.\($0).enabled" }
        var chi = ["spec.stop", "spec.suspend", "spec.troubleshoot", "spec.defaults.replicasUseFQDN",
                   "spec.configuration.zookeeper.nodes[].secure", "spec.configuration.zookeeper.use_compression",
                   "spec.configuration.clusters[].zookeeper.nodes[].secure", "spec.configuration.clusters[].zookeeper.use_compression",
                   "spec.configuration.clusters[].secure", "spec.configuration.clusters[].insecure",
                   "spec.configuration.clusters[].secret.auto", "spec.configuration.clusters[].pdbManaged",
                   "spec.configuration.clusters[].layout.shards[].internalReplication",
                   "spec.configuration.clusters[].layout.shards[].replicas[].secure", "spec.configuration.clusters[].layout.shards[].replicas[].insecure",
                   "spec.configuration.clusters[].layout.replicas[].shards[].secure", "spec.configuration.clusters[].layout.replicas[].shards[].insecure",
                   "spec.templates.hostTemplates[].spec.secure", "spec.templates.hostTemplates[].spec.insecure"]
        for prefix in ["spec.reconcile", "spec.reconciling"] {
            chi += reconcile.map { "\(prefix).host.\($0)" } + macros.map { "\(prefix).\($0)" }
        }
        chi += reconcile.map { "spec.configuration.clusters[].reconcile.host.\($0)" }
        return [
            S.clickHouseGroupKind: chi,
            S.keeperGroupKind: ["spec.stop", "spec.suspend", "spec.defaults.replicasUseFQDN", "spec.configuration.clusters[].pdbManaged"],
        ]
    }()

    /// `stringFields` as a tree of steps, built once: patterns that share a prefix
    /// (`spec.configuration.clusters[]...`) look it up once per resource, not once each.
    final class PatternTree: Sendable {
        let key: String
        /// `[]` follows the key: the step enters every element of the list.
        let eachItem: Bool
        let isEnd: Bool
        let children: [PatternTree]

        init(key: String, eachItem: Bool, patterns: [[Substring]]) {
            self.key = key
            self.eachItem = eachItem
            isEnd = patterns.contains { $0.isEmpty }
            var order: [Substring] = []
            var rest: [Substring: [[Substring]]] = [:]
            for p in patterns where !p.isEmpty {
                if rest[p[0]] == nil { order.append(p[0]) }
                rest[p[0], default: []].append(Array(p.dropFirst()))
            }
            children = order.map { part in
                PatternTree(key: String(part.hasSuffix("[]") ? part.dropLast(2) : part), eachItem: part.hasSuffix("[]"), patterns: rest[part]!)
            }
        }

        /// Visits the nodes at the patterns' paths under `node`, with their paths.
        func visit(_ node: Node, path: inout [S.Step], _ found: (Node, [S.Step]) -> Void) {
            for child in children {
                guard let value = node[child.key] else { continue }
                path.append(.key(child.key))
                if child.eachItem {
                    for (i, item) in (value.sequence ?? []).enumerated() {
                        path.append(.element(i, of: item))
                        if child.isEnd { found(item, path) }
                        child.visit(item, path: &path, found)
                        path.removeLast()
                    }
                } else {
                    if child.isEnd { found(value, path) }
                    child.visit(value, path: &path, found)
                }
                path.removeLast()
            }
        }
    }

    static let stringFieldTrees: [String: PatternTree] = stringFields.mapValues { patterns in
        PatternTree(key: "", eachItem: false, patterns: patterns.map { $0.split(separator: ".") })
    }

    static func describe(_ s: Scalar) -> String {
        switch s.tag {
        case .bool: return "the boolean \(s.text)"
        case .int: return "the integer \(s.text)"
        case .float: return "the number \(s.text)"
        default: return s.display
        }
    }

    static func stringBooleans(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in context.resources {
            guard let tree = stringFieldTrees[r.id.groupKind] else { continue }
            var path: [S.Step] = []
            tree.visit(r.node, path: &path) { node, path in
                guard let s = node.scalar, [.bool, .int, .float].contains(s.tag) else { return }
                out.append(.error(
                    at: node.location,
                    "\(S.display(path)) of \(S.name(r)) is \(describe(s)), but the CRD types it as a string",
                    hint: "quote it: \(S.lastKey(path) ?? "value"): \"\(s.text)\""))
            }
            guard r.id.groupKind == S.clickHouseGroupKind, let files = r.node["spec"]?["configuration"]?["files"]?.mapping else { continue }
            for (key, entry) in files.entries {
                guard let s = entry.value.scalar, [.bool, .int, .float].contains(s.tag) else { continue }
                out.append(.error(
                    at: entry.value.location,
                    "\(S.display([.key("spec"), .key("configuration"), .key("files"), .key(key)])) of \(S.name(r)) is \(describe(s)), but a file's contents are a string",
                    hint: "write the contents as a string: quote it, or use a | block"))
            }
        }
        return out
    }
}
