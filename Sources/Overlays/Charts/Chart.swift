import MergeEngine
import YAMLModel

/// A Helm chart the source installs, declared once for every sync target:
///
/// ```yaml
/// apiVersion: gitops-weave.dev/v1alpha1
/// kind: Chart
/// metadata:
///   name: ingress-nginx
///   namespace: ingress-nginx       # the release's namespace
/// spec:
///   repository: https://kubernetes.github.io/ingress-nginx   # or oci://registry/path
///   chart: ingress-nginx
///   version: ${ingressChartVersion}
///   releaseName: ingress                      # default: metadata.name
///   values: {...}                             # Helm values; layers patch them
/// ```
///
/// It lives in the base or a layer's `resources/` like any resource, so layers patch its
/// values by strategic merge and parameters fill them in. At the end of a render each
/// Chart becomes its target's objects (`ChartForms`); no Chart is ever published.
public struct Chart: Sendable {
    public static let group = "gitops-weave.dev"
    public static let apiVersion = group + "/v1alpha1"
    public static let groupKind = group + "/Chart"

    public enum Repository: Sendable, Equatable {
        /// A classic Helm repository, served over HTTP(S): its index.yaml lists the charts.
        case http(String)
        /// An OCI registry path holding the chart as `<path>/<chart>`, without `oci://`.
        case oci(String)
    }

    public var resource: Resource
    public var name: String
    public var namespace: String
    public var repository: Repository
    public var chart: String
    public var version: String
    public var releaseName: String
    /// The Helm values, a mapping; nil when the chart's defaults are used as they are.
    public var values: Node?

    /// The source node of each emitted field, so that provenance points at the Chart.
    var repositoryNode: Node
    var chartNode: Node
    var versionNode: Node
    var releaseNameNode: Node?

    static let specKeys: Set<String> = ["repository", "chart", "version", "releaseName", "values"]

    public init(_ resource: Resource) throws {
        self.resource = resource
        let node = resource.node
        let name = resource.id.name
        self.name = name
        guard let namespace = resource.id.namespace else {
            throw Diagnostic.error(at: node["metadata"]?.location ?? node.location, "Chart \(name) has no metadata.namespace",
                                   hint: "the namespace is the release's: write the namespace the chart installs into, e.g. namespace: ingress-nginx")
        }
        self.namespace = namespace
        guard let spec = node["spec"], let specMap = spec.mapping else {
            throw Diagnostic.error(at: node["spec"]?.location ?? node.location, "Chart \(name) needs a spec mapping with repository, chart and version")
        }
        try ProjectFileReader.rejectUnknownKeys(specMap, allowed: Self.specKeys, in: "a Chart's spec")
        func text(_ key: String, example: String) throws -> Node {
            guard let v = specMap[key], let s = v.stringValue, !s.isEmpty else {
                throw Diagnostic.error(at: specMap[key]?.location ?? spec.location,
                                       "Chart \(name) needs spec.\(key), a string", hint: "for example \(key): \(example)")
            }
            return v
        }
        repositoryNode = try text("repository", example: "https://charts.example.com, or oci://registry.example.com/charts")
        chartNode = try text("chart", example: "ingress-nginx")
        versionNode = try text("version", example: "\"4.11.3\"")
        chart = chartNode.stringValue!
        version = versionNode.stringValue!
        let url = repositoryNode.stringValue!
        let lower = url.lowercased()
        if lower.hasPrefix("oci://") {
            var path = String(url.dropFirst("oci://".count))
            while path.hasSuffix("/") { path.removeLast() }
            guard !path.isEmpty, !path.hasPrefix("/") else {
                throw Diagnostic.error(at: repositoryNode.location, "the OCI repository \(url) names no registry",
                                       hint: "write oci://<registry>/<path>, the chart being <path>/\(chart)")
            }
            if path.hasSuffix("/" + chart) {
                throw Diagnostic.error(at: repositoryNode.location, "the OCI repository \(url) ends with the chart's name",
                                       hint: "write the repository without the chart, oci://\(path.dropLast(chart.count + 1)); the chart is spec.chart")
            }
            repository = .oci(path)
        } else if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            repository = .http(url)
        } else {
            throw Diagnostic.error(at: repositoryNode.location, "a chart repository is an https:// or oci:// URL, not \(url)",
                                   hint: "helm repo add's URL, e.g. https://kubernetes.github.io/ingress-nginx, or an OCI registry, e.g. oci://ghcr.io/acme/charts")
        }
        releaseNameNode = specMap["releaseName"]
        if let r = releaseNameNode, r.stringValue?.isEmpty != false {
            throw Diagnostic.error(at: r.location, "spec.releaseName of Chart \(name) must be a non-empty string")
        }
        releaseName = releaseNameNode?.stringValue ?? name
        if let v = specMap["values"], !v.isNull {
            guard v.mapping != nil else {
                throw Diagnostic.error(at: v.location, "spec.values of Chart \(name) must be a mapping of Helm values, not \(v.kindWithArticle)")
            }
            values = v
        }
    }

    /// How layers patch a Chart: metadata as any object's; the values are free-form Helm
    /// values, whose maps merge and whose lists are replaced, as `helm -f` does.
    public static let mergeTypes: [String: MergeType] = {
        let t = MergeType("Chart")
        t.set("metadata", .object(CoreSchemas.objectMeta))
        return [groupKind: t]
    }()

    /// Whether `id` is a Chart.
    public static func isChart(_ id: ResourceID) -> Bool { id.groupKind == groupKind }
}
