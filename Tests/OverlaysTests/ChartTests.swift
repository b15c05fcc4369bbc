import Foundation
import YAMLModel
import MergeEngine
@testable import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Charts declared once in the source, emitted in each target's form; the other tool's
/// objects refused; Flux's post-build substitution warned about.
@Suite("Charts and sync targets")
struct ChartTests {
    typealias C = RenderCheck

    static let chart = """
        apiVersion: gitops-weave.dev/v1alpha1
        kind: Chart
        metadata:
          name: ingress
          namespace: edge
        spec:
          repository: ${repo}
          chart: ingress-nginx
          version: "4.11.3"
          values:
            controller:
              replicaCount: 1
              service:
                type: LoadBalancer

        """

    /// A plain project (no stack): namespace edge and one Chart in the base, a prod layer
    /// raising one value, environments argo (the project's argocd) and flux (target: flux).
    static func source(repository: String = "https://kubernetes.github.io/ingress-nginx", chart: String = ChartTests.chart) throws -> WeaveSource {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "output:\n  target: argocd\nparameters:\n  repo:\n    type: string\n    default: \(repository)\n")
        try s.write("base/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: edge\n")
        try s.write("base/chart.yaml", chart)
        try s.write("layers/prod/patches/chart.yaml", """
            apiVersion: gitops-weave.dev/v1alpha1
            kind: Chart
            metadata:
              name: ingress
              namespace: edge
            spec:
              values:
                controller:
                  replicaCount: 3

            """)
        try s.write("environments/argo.yaml", "layers: [prod]\n")
        try s.write("environments/flux.yaml", "target: flux\nlayers: [prod]\n")
        return s
    }

    static func rendered(_ s: WeaveSource, _ name: String) throws -> RenderedEnvironment {
        let project = try s.project()
        let outcome = Renderer(project: project).render(named: name)
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))")
        return RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
    }

    static func file(_ env: RenderedEnvironment, _ path: String) throws -> String {
        try #require(env.files.first { $0.path == path }, "\(env.files.map(\.path))").contents
    }

    @Test("argocd: an Application in argocd with a Helm source, values merged from the layer, at sync wave -1")
    func argocd() throws {
        let env = try Self.rendered(try Self.source(), "argo")
        #expect(env.files.map(\.path) == ["namespace_edge.yaml", "application.argoproj.io_argocd_ingress.yaml", "kustomization.yaml", "render-info.txt"])
        #expect(try Self.file(env, "application.argoproj.io_argocd_ingress.yaml") == """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: ingress
              namespace: argocd
              annotations:
                argocd.argoproj.io/sync-wave: "-1"
            spec:
              project: default
              source:
                repoURL: https://kubernetes.github.io/ingress-nginx
                chart: ingress-nginx
                targetRevision: 4.11.3
                helm:
                  releaseName: ingress
                  valuesObject:
                    controller:
                      replicaCount: 3
                      service:
                        type: LoadBalancer
              destination:
                server: https://kubernetes.default.svc
                namespace: edge
              syncPolicy:
                automated:
                  prune: true
                  selfHeal: true
                syncOptions:
                - ServerSideApply=true

            """)
    }

    @Test("flux: a HelmRepository and a HelmRelease in the release's namespace, in prerequisites/ with the namespace")
    func flux() throws {
        let env = try Self.rendered(try Self.source(), "flux")
        #expect(env.files.map(\.path) == [
            "prerequisites/namespace_edge.yaml",
            "prerequisites/helmrepository.source.toolkit.fluxcd.io_edge_ingress.yaml",
            "prerequisites/helmrelease.helm.toolkit.fluxcd.io_edge_ingress.yaml",
            "prerequisites/kustomization.yaml", "kustomization.yaml", "render-info.txt",
        ])
        #expect(try Self.file(env, "prerequisites/helmrepository.source.toolkit.fluxcd.io_edge_ingress.yaml") == """
            apiVersion: source.toolkit.fluxcd.io/v1
            kind: HelmRepository
            metadata:
              name: ingress
              namespace: edge
            spec:
              interval: 1h
              url: https://kubernetes.github.io/ingress-nginx

            """)
        #expect(try Self.file(env, "prerequisites/helmrelease.helm.toolkit.fluxcd.io_edge_ingress.yaml") == """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata:
              name: ingress
              namespace: edge
            spec:
              interval: 10m
              releaseName: ingress
              chart:
                spec:
                  chart: ingress-nginx
                  version: 4.11.3
                  sourceRef:
                    kind: HelmRepository
                    name: ingress
                  interval: 1h
              install:
                crds: CreateReplace
                remediation:
                  retries: 3
              upgrade:
                crds: CreateReplace
                remediation:
                  retries: 3
              values:
                controller:
                  replicaCount: 3
                  service:
                    type: LoadBalancer

            """)
        #expect(!env.files.contains { $0.contents.contains("argoproj.io/v1alpha1") })
        #expect(try Self.file(env, "kustomization.yaml").hasSuffix("kind: Kustomization\nresources: []\n"))
    }

    @Test("oci://: Argo CD names the registry without the scheme; Flux gets an OCIRepository (a tag, or semver for a range) and chartRef")
    func oci() throws {
        let s = try Self.source(repository: "oci://ghcr.io/acme/charts")
        let argo = try Self.rendered(s, "argo")
        let app = try C.resource(argo.resources, "Application")
        C.expect(app, "spec.source.repoURL", "ghcr.io/acme/charts")
        C.expect(app, "spec.source.chart", "ingress-nginx")
        let flux = try Self.rendered(s, "flux")
        let repo = try C.resource(flux.resources, "OCIRepository")
        C.expect(repo, "spec.url", "oci://ghcr.io/acme/charts/ingress-nginx")
        C.expect(repo, "spec.ref.tag", "4.11.3")
        C.expect(repo, "spec.layerSelector.mediaType", "application/vnd.cncf.helm.chart.content.v1.tar+gzip")
        let release = try C.resource(flux.resources, "HelmRelease")
        C.expect(release, "spec.chartRef.kind", "OCIRepository")
        C.expect(release, "spec.chartRef.name", "ingress")
        C.expectMissing(release, "spec.chart")

        let range = try Self.source(repository: "oci://ghcr.io/acme/charts", chart: Self.chart.replacingOccurrences(of: "\"4.11.3\"", with: "\"4.x\""))
        C.expect(try C.resource(try Self.rendered(range, "flux").resources, "OCIRepository"), "spec.ref.semver", "4.x")
    }

    @Test("which chart versions are semver ranges", arguments: [
        ("4.11.3", false), ("1.2.3-fix", false), ("v2.0.0-xray.1", false), ("0.1.0+build.5", false),
        ("4.x", true), ("4.11.X", true), ("x", true), ("*", true), ("~1.2", true), ("^1", true), (">=1.0 <2", true), ("1.2 || 1.4", true), (">=1.0,<2", true),
    ])
    func versionRanges(version: String, range: Bool) {
        #expect(TargetForms.isVersionRange(version) == range)
    }

    @Test("the emitted values keep their provenance: a value points at the layer line that set it")
    func provenance() throws {
        let s = try Self.source()
        for name in ["argo", "flux"] {
            let env = try Self.rendered(s, name)
            let r = try #require(env.resources.first { ["Application", "HelmRelease"].contains($0.id.kind) })
            let values = name == "argo" ? ["spec", "source", "helm", "valuesObject"] : ["spec", "values"]
            let replicas = try #require(r.node.value(at: values + ["controller", "replicaCount"]))
            #expect(replicas.location.description == s.at("layers/prod/patches/chart.yaml", 9, 21), "\(name)")
            #expect(r.node.value(at: values + ["controller", "service", "type"])?.location.description == s.at("base/chart.yaml", 14, 15))
        }
    }

    @Test("a malformed Chart is an error at the field", arguments: [
        ("  namespace: edge\n", "", 4, 3, "Chart ingress has no metadata.namespace"),
        ("  repository: ${repo}\n", "  repository: git@github.com:acme/charts.git\n", 7, 15, "a chart repository is an https:// or oci:// URL, not git@github.com:acme/charts.git"),
        ("  repository: ${repo}\n", "  repository: oci://ghcr.io/acme/charts/ingress-nginx\n", 7, 15, "the OCI repository oci://ghcr.io/acme/charts/ingress-nginx ends with the chart's name"),
        ("  version: \"4.11.3\"\n", "", 7, 3, "Chart ingress needs spec.version, a string"),
        ("  version: \"4.11.3\"\n", "  version: \"4.11.3\"\n  repo: x\n", 10, 3, "unknown key \"repo\" in a Chart's spec"),
    ])
    func malformed(_ find: String, _ replace: String, _ line: Int, _ column: Int, _ message: String) throws {
        let s = try Self.source(chart: Self.chart.replacingOccurrences(of: find, with: replace))
        try s.write("environments/bare.yaml", "layers: []\n")
        let outcome = try s.render("bare")
        let d = try #require(outcome.diagnostics.first { $0.severity == .error }, "\(outcome.diagnostics)")
        #expect(d.location?.description == s.at("base/chart.yaml", line, column))
        #expect(d.message == message)
    }

    @Test("an Argo CD object in a flux environment, or a Flux one in an argocd environment, is an error at its apiVersion, with a hint")
    func otherTool() throws {
        let s = try Self.source()
        try s.write("layers/prod/resources/app.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: legacy
              namespace: argocd
            spec:
              source:
                chart: legacy

            """)
        try s.write("layers/prod/resources/release.yaml", """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata:
              name: legacy
              namespace: edge

            """)
        let flux = try s.render("flux")
        let fluxErrors = flux.diagnostics.filter { $0.severity == .error }
        #expect(fluxErrors.map(\.description) == ["""
            \(s.at("layers/prod/resources/app.yaml", 1, 13)): error: Application legacy is an Argo CD object, and this environment's target is flux: a Flux-only cluster cannot apply it
              hint: declare the chart as a Chart (apiVersion: gitops-weave.dev/v1alpha1) with repository, chart, version and values: the argocd target makes it an Application, the flux target a HelmRepository and a HelmRelease
            """])
        let argo = try s.render("argo")
        #expect(argo.diagnostics.filter { $0.severity == .error }.map(\.description) == ["""
            \(s.at("layers/prod/resources/release.yaml", 1, 13)): error: HelmRelease legacy is a Flux object, and this environment's target is argocd: Argo CD does not run Flux's controllers
              hint: declare the chart as a Chart (apiVersion: gitops-weave.dev/v1alpha1) with repository, chart, version and values: the argocd target makes it an Application, the flux target a HelmRepository and a HelmRelease
            """])
    }

    @Test("${ in a flux environment's output is a warning at its position; not in argocd, nor with substitution disabled on the resource")
    func substitution() throws {
        let s = try Self.source()
        try s.write("layers/prod/resources/config.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: greeting
              namespace: edge
            data:
              hello: "Hello, $${USER}"

            """)
        let flux = try s.render("flux")
        #expect(!flux.failed)
        let warnings = flux.diagnostics.filter { $0.severity == .warning }
        #expect(warnings.map(\.description) == ["""
            \(s.at("layers/prod/resources/config.yaml", 7, 10)): warning: ConfigMap greeting holds "${" at data.hello: Flux's post-build substitution replaces ${var} in what it applies, and a variable it does not define becomes an empty string
              hint: write $${ for a literal ${ when substitution is on, or annotate the resource kustomize.toolkit.fluxcd.io/substitute: disabled; the generated Kustomization enables substitution only when the project file sets output.flux.postBuild
            """])
        #expect(try s.render("argo").diagnostics.filter { $0.severity == .warning }.isEmpty)
        try s.write("layers/prod/resources/config.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: greeting
              namespace: edge
              annotations:
                kustomize.toolkit.fluxcd.io/substitute: disabled
            data:
              hello: "Hello, $${USER}"

            """)
        #expect(try s.render("flux").diagnostics.filter { $0.severity == .warning }.isEmpty)
    }

    @Test("target: in an environment file overrides the project's; an unknown one is an error at the value")
    func environmentTarget() throws {
        let s = try Self.source()
        let project = try s.project()
        #expect(try project.environment(named: "argo").target == .argocd)
        #expect(try project.environment(named: "argo").targetLocation == nil)
        #expect(try project.environment(named: "flux").target == .flux)
        try s.write("environments/flux.yaml", "target: spinnaker\n")
        let outcome = try s.render("flux")
        #expect(outcome.diagnostics.map(\.description) == ["""
            \(s.at("environments/flux.yaml", 1, 9)): error: unknown sync target \"spinnaker\"
              hint: target is argocd (Applications and sync waves) or flux (HelmReleases, and Kustomizations ordered by dependsOn)
            """])
    }

    @Test("the bundled flux environment: the operator charts as HelmReleases, the OpenShift-free values of the seeds, no Argo CD object")
    func bundledFlux() throws {
        let env = try Bundled.render("staging-gcs-flux")
        #expect(!env.resources.contains { $0.id.group == "argoproj.io" })
        let releases = env.resources.filter { $0.id.kind == "HelmRelease" }
        #expect(releases.map(\.id.description) == ["HelmRelease/clickhouse-operator (namespace clickhouse)", "HelmRelease/wandb-operator (namespace wandb-cr)"])
        let clickhouse = try #require(releases.first { $0.id.name == "clickhouse-operator" })
        C.expect(clickhouse.node, "spec.releaseName", "ch-operator")
        C.expect(clickhouse.node, "spec.values.operator.containerSecurityContext.runAsUser", "10001")
        C.expect(clickhouse.node, "spec.values.nameOverride", "wandb")
        let wandb = try #require(releases.first { $0.id.name == "wandb-operator" })
        C.expect(wandb.node, "spec.releaseName", "operator")
        C.expect(wandb.node, "spec.chart.spec.chart", "operator")
        C.expect(try C.resource(env.resources.filter { $0.id.name == "wandb-operator" }, "HelmRepository"), "spec.url", "https://charts.wandb.ai")
        #expect(env.paths[wandb.id] == "prerequisites/helmrelease.helm.toolkit.fluxcd.io_wandb-cr_wandb-operator.yaml")
        // The custom resources the charts' CRDs define wait in the main folder.
        #expect(env.paths[try #require(env.resources.first { $0.id.kind == "WeightsAndBiases" }).id] == "weightsandbiases.apps.wandb.com_wandb_wandb.yaml")
    }

    @Test("the OpenShift UID rule reads the operator chart's values")
    func openShiftChartValues() throws {
        let env = try Bundled.render("prod-openshift-minio")
        let app = try C.resource(env.resources, "Application")
        C.expect(app, "spec.source.helm.valuesObject.operator.containerSecurityContext.runAsUser", "1000680000")
        C.expect(app, "spec.source.helm.valuesObject.podSecurityContext.fsGroup", "1000680000")
        // A UID outside the project's range in the chart's values is an error at the layer line.
        let s = try WeaveSource()
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: Paths.repository.appendingPathComponent(item), to: s.url.appendingPathComponent(item))
        }
        let patch = try String(contentsOf: s.url.appendingPathComponent("layers/openshift/patches/clickhouse-operator.yaml"), encoding: .utf8)
        try s.write("layers/openshift/patches/clickhouse-operator.yaml", patch.replacingOccurrences(of: "      runAsUser: ${openshiftUid}\n      runAsGroup: 0\n      fsGroup", with: "      runAsUser: 10001\n      runAsGroup: 0\n      fsGroup"))
        let outcome = try s.render("prod-openshift-minio")
        let errors = outcome.diagnostics.filter { $0.rule == "openshift-uid-range" }
        #expect(errors.count == 1, "\(outcome.diagnostics.map(\.description))")
        #expect(errors.first?.message.hasPrefix("spec.values.podSecurityContext.runAsUser of Chart/clickhouse-operator is 10001, outside the OpenShift UID range") == true, "\(errors)")
        #expect(errors.first?.location?.description == s.at("layers/openshift/patches/clickhouse-operator.yaml", 11, 18))
    }
}
