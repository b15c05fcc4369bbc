import MergeEngine
import Overlays
import YAMLModel

/// The rules about how pods run and where: W&B's GID 0, OpenShift's UID range, and required
/// anti-affinity against the nodes there are.
enum SecurityRules {
    typealias S = RuleSupport

    static let securityContextKeys = ["securityContext", "podSecurityContext", "containerSecurityContext"]

    // MARK: runAsGroup

    /// Security contexts under `root` of `r` (mappings under a security-context key).
    static func securityContexts(_ r: Resource, under root: [String]) -> [(Node, [S.Step])] {
        var start: Node? = r.node
        for k in root { start = start?[k] }
        guard let start else { return [] }
        var out: [(Node, [S.Step])] = []
        FieldPath.walk(start, from: root.map { .key($0) }, values: securityContextKeys) { node, path in
            if node.mapping != nil { out.append((node, path)) }
        }
        return out
    }

    static func runAsGroup(_ context: RuleContext) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in context.resources {
            let root: [String]
            switch r.id.groupKind {
            case S.wandbGroupKind: root = ["spec", "values"]
            case S.clickHouseGroupKind, S.keeperGroupKind: root = ["spec", "templates", "podTemplates"]
            default: continue
            }
            for (sc, path) in securityContexts(r, under: root) {
                guard let group = sc["runAsGroup"], !group.isNull, group.scalar != .int(0) else { continue }
                out.append(.error(
                    at: group.location,
                    "\(S.display(path + [.key("runAsGroup")])) of \(S.name(r)) is \(group.scalar?.display ?? group.kindWithArticle), but W&B components run with GID 0",
                    hint: "write runAsGroup: 0; W&B needs the root group for its file permissions (on OpenShift too: a UID from the project's range, GID 0)"))
            }
        }
        return out
    }

    // MARK: OpenShift UID range

    static let idKeys = ["runAsUser", "fsGroup"]

    static func uidRange(_ context: RuleContext) -> [Diagnostic] {
        guard let openShift = context.environment.settings(WeaveSettings.self)?.openShift else { return [] }
        var out: [Diagnostic] = []
        let range = "the OpenShift UID range \(openShift.uidRange) (\(openShift.uidStart) to \(openShift.uidEnd)) declared at \(openShift.location)"
        func check(_ r: Resource, _ node: Node, _ path: [S.Step], at location: SourceLocation, prefix: String = "") {
            // The walk visits only the values of `idKeys`.
            guard let key = S.lastKey(path), !node.isNull else { return }
            if let uid = node.scalar?.intValue, openShift.contains(uid) { return }
            let shown = node.scalar?.intValue.map(String.init) ?? (node.scalar?.display ?? node.kindWithArticle)
            out.append(.error(
                at: location,
                "\(prefix)\(S.display(path)) of \(S.name(r)) is \(shown), outside \(range)",
                hint: "use an ID from the project's range (its openshift.io/sa.scc.uid-range annotation), e.g. \(openShift.uidStart), or leave \(key) out and let the restricted SCC assign one"))
        }
        for r in context.resources {
            FieldPath.walk(r.node, values: idKeys) { node, path in check(r, node, path, at: node.location) }
            // An Argo CD Application's Helm values written as YAML text.
            guard r.id.groupKind == "argoproj.io/Application" else { continue }
            var sources: [(Node, String)] = []
            if let s = r.node["spec"]?["source"] { sources.append((s, "spec.source")) }
            for (i, s) in (r.node["spec"]?["sources"]?.sequence ?? []).enumerated() { sources.append((s, "spec.sources[\(i)]")) }
            for (source, name) in sources {
                guard let values = source["helm"]?["values"], let text = values.stringValue,
                      let tree = try? YAMLParser().parseDocument(text, file: "<helm values>") else { continue }
                FieldPath.walk(tree, values: idKeys) { node, path in check(r, node, path, at: values.location, prefix: "\(name).helm.values: ") }
            }
        }
        return out
    }

    // MARK: Anti-affinity and nodes

    /// Whether a pod spec requires its pods on different nodes.
    static func requiredHostAntiAffinity(_ podSpec: Node?) -> Node? {
        guard let required = podSpec?.value(at: ["affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]),
              let terms = required.sequence,
              terms.contains(where: { $0["topologyKey"]?.stringValue == "kubernetes.io/hostname" }) else { return nil }
        return required
    }

    /// Pods per pod template of a Keeper or ClickHouse installation: the replicas (times the
    /// shards) of every cluster that uses it.
    static func podsPerTemplate(_ r: Resource) -> [String: Int] {
        let spec = r.node["spec"]
        let templates = spec?["templates"]?["podTemplates"]?.sequence ?? []
        let fallback = spec?["defaults"]?["templates"]?["podTemplate"]?.stringValue
            ?? (templates.count == 1 ? templates[0]["name"]?.stringValue : nil)
        var pods: [String: Int] = [:]
        for cluster in spec?["configuration"]?["clusters"]?.sequence ?? [] {
            guard let name = cluster["templates"]?["podTemplate"]?.stringValue ?? fallback else { continue }
            let layout = cluster["layout"]
            let replicas = layout?["replicasCount"]?.scalar?.intValue ?? 1
            let shards = r.id.groupKind == S.clickHouseGroupKind ? (layout?["shardsCount"]?.scalar?.intValue ?? 1) : 1
            pods[name, default: 0] += max(1, replicas) * max(1, shards)
        }
        return pods
    }

    static func antiAffinity(_ context: RuleContext) -> [Diagnostic] {
        guard let nodes = context.environment.settings(WeaveSettings.self)?.nodes else { return [] }
        var out: [Diagnostic] = []
        func check(_ r: Resource, what: String, pods: Int, required: Node) {
            guard pods > nodes.value else { return }
            let pending = pods - nodes.value
            out.append(Diagnostic(
                .warning, at: required.location,
                "required pod anti-affinity on kubernetes.io/hostname puts each of the \(pods) pods of \(S.name(r))\(what) on its own node, but the environment declares \(nodes.value) node\(nodes.value == 1 ? "" : "s") (\(nodes.location))",
                hint: "\(pending) pod\(pending == 1 ? "" : "s") would stay Pending: add nodes, lower the replicas, or use preferredDuringSchedulingIgnoredDuringExecution"))
        }
        for r in context.resources {
            switch r.id.groupKind {
            case S.clickHouseGroupKind, S.keeperGroupKind:
                let pods = podsPerTemplate(r)
                for template in r.node["spec"]?["templates"]?["podTemplates"]?.sequence ?? [] {
                    guard let name = template["name"]?.stringValue, let count = pods[name],
                          let required = requiredHostAntiAffinity(template["spec"]) else { continue }
                    check(r, what: " (pod template \(name))", pods: count, required: required)
                }
            case "apps/Deployment", "apps/StatefulSet":
                guard let required = requiredHostAntiAffinity(r.node.value(at: ["spec", "template", "spec"])) else { continue }
                check(r, what: "", pods: r.node["spec"]?["replicas"]?.scalar?.intValue ?? 1, required: required)
            default:
                continue
            }
        }
        return out
    }
}
