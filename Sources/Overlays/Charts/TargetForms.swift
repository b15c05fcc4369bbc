import MergeEngine
import YAMLModel

/// The last step of a render: what the environment's sync target can apply.
///
/// - Each `Chart` becomes the target's own objects: an Argo CD `Application` with a Helm
///   source, or Flux's `HelmRepository` (an `OCIRepository` for `oci://`) and `HelmRelease`.
/// - An object of the other tool is an error at its `apiVersion`: a Flux-only cluster cannot
///   apply an `argoproj.io` Application, and Argo CD does not run Flux's controllers.
/// - In a flux environment, a `${` left in the output is a warning: Flux's post-build
///   substitution would replace `${var}` (with an empty string when undefined).
public enum TargetForms {
    /// Argo CD's own namespace, where the Applications of charts live.
    public static let argoNamespace = "argocd"
    public static let fluxReleaseInterval = "10m"
    public static let fluxRepositoryInterval = "1h"
    public static let helmChartMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

    public static func apply(_ resources: [Resource], target: SyncTarget) -> (resources: [Resource], diagnostics: [Diagnostic]) {
        var out: [Resource] = []
        var diagnostics: [Diagnostic] = []
        for r in resources {
            if let problem = foreignObject(r, target: target) {
                diagnostics.append(problem)
                continue
            }
            guard Chart.isChart(r.id) else {
                out.append(r)
                continue
            }
            do {
                let chart = try Chart(r)
                out += target == .argocd ? [application(chart)] : flux(chart)
            } catch let d as Diagnostic {
                diagnostics.append(d)
            } catch {
                diagnostics.append(.error(at: r.node.location, "\(error)"))
            }
        }
        if target == .flux { diagnostics += substitutionWarnings(out) }
        return (out, diagnostics)
    }

    // MARK: The other tool's objects

    static func isArgo(_ id: ResourceID) -> Bool { id.group == "argoproj.io" }
    static func isFlux(_ id: ResourceID) -> Bool { id.group.hasSuffix(".toolkit.fluxcd.io") }

    static func foreignObject(_ r: Resource, target: SyncTarget) -> Diagnostic? {
        let at = r.node["apiVersion"]?.location ?? r.node.location
        let chartHint = "declare the chart as a Chart (apiVersion: \(Chart.apiVersion)) with repository, chart, version and values: "
            + "the argocd target makes it an Application, the flux target a HelmRepository and a HelmRelease"
        switch target {
        case .flux where isArgo(r.id):
            let helm = r.id.kind == "Application" && (r.node.value(at: ["spec", "source", "chart"]) != nil || r.node.value(at: ["spec", "source", "helm"]) != nil)
            return .error(at: at, "\(r.id.kind) \(r.id.name) is an Argo CD object, and this environment's target is flux: a Flux-only cluster cannot apply it",
                          hint: helm ? chartHint : "move it to a layer that only argocd environments use, or set target: argocd in the environment file")
        case .argocd where isFlux(r.id):
            let helm = ["HelmRelease", "HelmRepository", "OCIRepository", "HelmChart"].contains(r.id.kind)
            return .error(at: at, "\(r.id.kind) \(r.id.name) is a Flux object, and this environment's target is argocd: Argo CD does not run Flux's controllers",
                          hint: helm ? chartHint : "move it to a layer that only flux environments use, or set target: flux in the environment file")
        default:
            return nil
        }
    }

    // MARK: Argo CD

    /// An Application in Argo CD's namespace that installs the release into the chart's.
    static func application(_ chart: Chart) -> Resource {
        let b = builder(chart, target: .argocd)
        let repoURL: Node
        switch chart.repository {
        case .http: repoURL = chart.repositoryNode
        // Argo CD names an OCI Helm registry without the scheme.
        case .oci(let path): repoURL = .scalar(.string(path), at: chart.repositoryNode.location)
        }
        let node = b.map([
            ("apiVersion", b.str("argoproj.io/v1alpha1")),
            ("kind", b.str("Application")),
            ("metadata", b.map([("name", b.str(chart.name)), ("namespace", b.str(argoNamespace))])),
            ("spec", b.map([
                ("project", b.str("default")),
                ("source", b.map([
                    ("repoURL", repoURL),
                    ("chart", chart.chartNode),
                    ("targetRevision", chart.versionNode),
                    ("helm", b.map([
                        ("releaseName", chart.releaseNameNode ?? b.str(chart.releaseName)),
                        ("valuesObject", chart.values),
                    ])),
                ])),
                ("destination", b.map([("server", b.str(SyncConfig.inClusterServer)), ("namespace", b.str(chart.namespace))])),
                ("syncPolicy", b.map([
                    ("automated", b.map([("prune", b.bool(true)), ("selfHeal", b.bool(true))])),
                    ("syncOptions", b.list([b.str("ServerSideApply=true")])),
                ])),
            ] as [(String, Node?)])),
        ])
        return Resource(node: node, id: ResourceID(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: argoNamespace, name: chart.name))
    }

    // MARK: Flux

    /// The chart's source and release, both in the release's namespace, so that no object
    /// refers across namespaces (Flux's multi-tenancy lockdown forbids that).
    static func flux(_ chart: Chart) -> [Resource] {
        let b = builder(chart, target: .flux)
        let meta = b.map([("name", b.str(chart.name)), ("namespace", b.str(chart.namespace))])
        let source: Node
        let sourceID: ResourceID
        let chartField: (String, Node)
        switch chart.repository {
        case .http:
            sourceID = ResourceID(apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", namespace: chart.namespace, name: chart.name)
            source = b.map([
                ("apiVersion", b.str(sourceID.apiVersion)), ("kind", b.str(sourceID.kind)), ("metadata", meta),
                ("spec", b.map([("interval", b.str(fluxRepositoryInterval)), ("url", chart.repositoryNode)])),
            ])
            chartField = ("chart", b.map([("spec", b.map([
                ("chart", chart.chartNode),
                ("version", chart.versionNode),
                ("sourceRef", b.map([("kind", b.str("HelmRepository")), ("name", b.str(chart.name))])),
                ("interval", b.str(fluxRepositoryInterval)),
            ]))]))
        case .oci(let path):
            sourceID = ResourceID(apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", namespace: chart.namespace, name: chart.name)
            let isRange = Self.isVersionRange(chart.version)
            source = b.map([
                ("apiVersion", b.str(sourceID.apiVersion)), ("kind", b.str(sourceID.kind)), ("metadata", meta),
                ("spec", b.map([
                    ("interval", b.str(fluxRepositoryInterval)),
                    ("url", .scalar(.string("oci://\(path)/\(chart.chart)"), at: chart.repositoryNode.location)),
                    ("ref", b.map([(isRange ? "semver" : "tag", chart.versionNode)])),
                    ("layerSelector", b.map([("mediaType", b.str(helmChartMediaType)), ("operation", b.str("copy"))])),
                ])),
            ])
            chartField = ("chartRef", b.map([("kind", b.str("OCIRepository")), ("name", b.str(chart.name))]))
        }
        // CRDs are created on install and replaced on upgrade: Helm alone never upgrades a
        // chart's CRDs, and the custom resources of this environment need the new fields.
        let lifecycle = b.map([("crds", b.str("CreateReplace")), ("remediation", b.map([("retries", b.int(3))]))])
        let release = b.map([
            ("apiVersion", b.str("helm.toolkit.fluxcd.io/v2")), ("kind", b.str("HelmRelease")), ("metadata", meta),
            ("spec", b.map([
                ("interval", b.str(fluxReleaseInterval)),
                ("releaseName", chart.releaseNameNode ?? b.str(chart.releaseName)),
                chartField,
                ("install", lifecycle),
                ("upgrade", lifecycle),
                ("values", chart.values),
            ] as [(String, Node?)])),
        ])
        return [
            Resource(node: source, id: sourceID),
            Resource(node: release, id: ResourceID(apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: chart.namespace, name: chart.name)),
        ]
    }

    /// Whether a chart version is a semver range (`1.x`, `~1.2`, `>=1.0 <2`, `^1`, `*`),
    /// matched by an OCIRepository's `ref.semver`, rather than an exact version, which is
    /// its tag. An `x` counts only as a whole part (`1.x`), not inside a tag (`1.2.3-fix`).
    static func isVersionRange(_ version: String) -> Bool {
        if version.contains(where: { "*^~<>=|, ".contains($0) }) { return true }
        return version.split(separator: ".").contains { $0 == "x" || $0 == "X" }
    }

    static func builder(_ chart: Chart, target: SyncTarget) -> NodeBuilder {
        let at = chart.resource.node["kind"]?.location ?? chart.resource.node.location
        return NodeBuilder(generatedBy: "the \(target.rawValue) form of Chart \(chart.namespace)/\(chart.name) at \(at)")
    }

    // MARK: Flux's post-build substitution

    /// One warning per resource that holds `${` in a string (a key or a value), at the first.
    static func substitutionWarnings(_ resources: [Resource]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in resources {
            if r.node.value(at: ["metadata", "annotations", "kustomize.toolkit.fluxcd.io/substitute"])?.stringValue == "disabled" { continue }
            guard let (location, path) = firstSubstitution(r.node, path: "") else { continue }
            let field = path.isEmpty ? "" : " at \(path)"
            out.append(Diagnostic(
                .warning, at: location,
                "\(r.id.kind) \(r.id.name) holds \"${\"\(field): Flux's post-build substitution replaces ${var} in what it applies, and a variable it does not define becomes an empty string",
                hint: "write $${ for a literal ${ when substitution is on, or annotate the resource kustomize.toolkit.fluxcd.io/substitute: disabled; "
                    + "the generated Kustomization enables substitution only when the project file sets output.flux.postBuild"))
        }
        return out
    }

    static func firstSubstitution(_ node: Node, path: String) -> (SourceLocation, String)? {
        switch node.value {
        case .scalar(let s):
            return s.tag == .string && s.text.containsBytes("${") ? (node.location, path) : nil
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                if let found = firstSubstitution(item, path: path + "[\(i)]") { return found }
            }
            return nil
        case .mapping(let m):
            for (key, entry) in m.entries {
                let here = path.isEmpty ? key : path + "." + key
                if key.containsBytes("${") { return (entry.keyLocation, here) }
                if let found = firstSubstitution(entry.value, path: here) { return found }
            }
            return nil
        }
    }
}
