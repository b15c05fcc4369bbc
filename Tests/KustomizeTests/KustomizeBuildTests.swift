import Foundation
import Kustomize
import LocalFiles
import TestSupport
import Testing
import YAMLModel

/// Builds `files` (path → text) written into a scratch directory; returns the output or the error.
func build(_ files: [String: String], dir: String = ".") throws -> Result<KustomizeBuild.Output, Diagnostic> {
    let scratch = try Scratch(prefix: "kustomize-build")
    for (path, text) in files { _ = try scratch.write(path, text) }
    do {
        return .success(try KustomizeBuild(tree: Rooted(base: FileSystemSource(root: scratch.path))).build(dir))
    } catch let d as Diagnostic {
        return .failure(d)
    }
}

/// A scratch tree whose paths print relative to its root, as they do from a build run there.
struct Rooted: SourceTree {
    let base: FileSystemSource
    func displayPath(_ path: String) -> String { path.isEmpty ? "." : path }
    func readFile(_ path: String) throws -> String? { try base.readFile(path) }
    func list(_ path: String) throws -> [SourceEntry]? { try base.list(path) }
}

func refusal(_ files: [String: String], dir: String = ".") throws -> Diagnostic {
    switch try build(files, dir: dir) {
    case .success(let out): throw Diagnostic.error(at: nil, "expected an error, got \(out.nodes.count) documents")
    case .failure(let d): return d
    }
}

let service = """
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector: {app: web}

    """

let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: web
            image: nginx:1.25
            envFrom:
            - configMapRef: {name: settings}

    """

@Suite("gitops-weave build refuses what it does not support, at the line")
struct KustomizeRefusalTests {
    @Test("a remote resource")
    func remote() throws {
        let d = try refusal(["kustomization.yaml": "resources:\n- service.yaml\n- https://github.com/example/app//base?ref=v1\n", "service.yaml": service])
        #expect(d.description == """
            kustomization.yaml:3:3: error: remote resource "https://github.com/example/app//base?ref=v1" is not supported
              hint: gitops-weave build reads local files only; vendor the files into the repository and list their local path
            """)
    }

    @Test("a git resource without a scheme")
    func gitResource() throws {
        let d = try refusal(["kustomization.yaml": "resources:\n  - github.com/example/app/base?ref=main\n"])
        #expect(d.headline == "kustomization.yaml:2:5: error: remote resource \"github.com/example/app/base?ref=main\" is not supported")
    }

    @Test("helmCharts")
    func helmCharts() throws {
        let d = try refusal(["kustomization.yaml": "resources: []\nhelmCharts:\n- name: minecraft\n  repo: https://example.com\n"])
        #expect(d.headline == "kustomization.yaml:2:1: error: helmCharts are not supported by gitops-weave build: it never runs helm")
        #expect(d.hint?.contains("helm template") == true)
    }

    @Test("a generator plugin")
    func generatorPlugin() throws {
        let d = try refusal(["kustomization.yaml": "generators:\n- gen.yaml\n",
                             "gen.yaml": "apiVersion: someteam.example.com/v1\nkind: SecretsFromVault\nmetadata:\n  name: x\n"])
        #expect(d.headline == "gen.yaml:1:1: error: generator plugin someteam.example.com/v1 SecretsFromVault is not supported")
    }

    @Test("a transformer plugin")
    func transformerPlugin() throws {
        let d = try refusal(["kustomization.yaml": "resources: [service.yaml]\ntransformers:\n- t.yaml\n", "service.yaml": service,
                             "t.yaml": "apiVersion: example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n"])
        #expect(d.headline == "t.yaml:1:1: error: transformer plugin example.com/v1 ChartInflator is not supported")
    }

    @Test("a validator plugin")
    func validator() throws {
        let d = try refusal(["kustomization.yaml": "resources: [service.yaml]\nvalidators:\n- v.yaml\n", "service.yaml": service])
        #expect(d.headline == "kustomization.yaml:3:1: error: validator plugins are not supported by gitops-weave build")
    }

    @Test("a file outside the kustomization's directory")
    func loadRestrictor() throws {
        let d = try refusal(["overlay/kustomization.yaml": "resources:\n- ../base\npatches:\n- path: ../patch.yaml\n",
                             "base/kustomization.yaml": "resources: [service.yaml]\n", "base/service.yaml": service,
                             "patch.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"], dir: "overlay")
        #expect(d.headline == "overlay/kustomization.yaml:4:9: error: patch \"../patch.yaml\" is outside the kustomization's directory overlay")
        #expect(d.hint?.contains("load restrictor") == true)
    }

    @Test("an unknown field, with a suggestion")
    func unknownField() throws {
        let d = try refusal(["kustomization.yaml": "resources: [service.yaml]\ncommonLabel:\n  app: web\n", "service.yaml": service])
        #expect(d.description == "kustomization.yaml:2:1: error: unknown kustomization field \"commonLabel\"\n  hint: did you mean \"commonLabels\"?")
    }

    @Test("a component listed as a resource")
    func componentAsResource() throws {
        let d = try refusal(["kustomization.yaml": "resources:\n- comp\n",
                             "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"])
        #expect(d.headline == "kustomization.yaml:2:3: error: comp/kustomization.yaml is a Component; list it under components, not resources")
    }

    @Test("a missing resource file, with a suggestion")
    func missingFile() throws {
        let d = try refusal(["kustomization.yaml": "resources:\n- servce.yaml\n", "service.yaml": service])
        #expect(d.description == "kustomization.yaml:2:3: error: resource \"servce.yaml\" not found: no file servce.yaml\n  hint: did you mean \"service.yaml\"?")
    }

    @Test("a malformed secretGenerator literal or env line is refused at its position, without its text")
    func secretLiteral() throws {
        let d = try refusal(["kustomization.yaml": "secretGenerator:\n- name: creds\n  literals:\n  - hunter2-is-the-password\n"])
        #expect(d.description == "kustomization.yaml:4:5: error: the literal is not key=value\n  hint: write each literal as key=value")
        let e = try refusal(["kustomization.yaml": "secretGenerator:\n- name: creds\n  envs: [creds.env]\n", "creds.env": "USER=x\nmy secret pass\n"])
        #expect(e.headline == "creds.env:2:1: error: the line does not start with a valid environment variable name")
        #expect(!e.description.contains("secret pass"))
        let c = try refusal(["kustomization.yaml": "configMapGenerator:\n- name: settings\n  literals: [no-equals]\n"])
        #expect(c.headline == "kustomization.yaml:3:14: error: literal \"no-equals\" is not key=value")
    }

    @Test("an error inside an inline patch points into the kustomization")
    func inlinePatchError() throws {
        let d = try refusal(["kustomization.yaml": "resources: [service.yaml]\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: nope\n",
                             "service.yaml": service])
        #expect(d.headline.hasPrefix("kustomization.yaml:4:5: error: the patch matches no resource"))
    }
}

@Suite("gitops-weave build: transformers and provenance")
struct KustomizeTransformerTests {
    func output(_ files: [String: String], dir: String = ".") throws -> KustomizeBuild.Output {
        switch try build(files, dir: dir) {
        case .success(let out): return out
        case .failure(let d): throw d
        }
    }

    @Test("a prefixed name says which kustomization line set it")
    func prefixProvenance() throws {
        let out = try output([
            "base/kustomization.yaml": "resources: [service.yaml]\n", "base/service.yaml": service,
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamePrefix: prod-\n",
        ], dir: "overlays/prod")
        let name = try #require(out.nodes.first?.value(at: ["metadata", "name"]))
        #expect(name.stringValue == "prod-web")
        #expect(name.location.description == "overlays/prod/kustomization.yaml:3:13")
        #expect(name.overrode?.reason?.description == "name prefix from overlays/prod/kustomization.yaml:3:13")
        #expect(name.overrode?.node.location.description == "base/service.yaml:4:9")
    }

    @Test("an image tag says which kustomization line set it")
    func imageProvenance() throws {
        let out = try output([
            "kustomization.yaml": "resources: [deployment.yaml]\nimages:\n- name: nginx\n  newTag: \"1.27\"\n", "deployment.yaml": deployment,
        ])
        let image = try #require(out.nodes.first?.value(at: ["spec", "template", "spec"])?["containers"]?.sequence?.first?["image"])
        #expect(image.stringValue == "nginx:1.27")
        #expect(image.overrode?.reason?.description == "image tag from kustomization.yaml:4:11")
    }

    @Test("a generated ConfigMap gets kustomize's hash, and references follow it")
    func generatorHash() throws {
        let out = try output([
            "kustomization.yaml": "resources: [deployment.yaml]\nnamePrefix: p-\nconfigMapGenerator:\n- name: settings\n  literals: [a=b<c]\n",
            "deployment.yaml": deployment,
        ])
        // The same input gives kubectl kustomize 5.5 p-settings-7fh8db662m (checked by hand with the oracle).
        #expect(out.nodes.map { $0.value(at: ["metadata", "name"])?.stringValue } == ["p-settings-7fh8db662m", "p-web"])
        let ref = out.nodes[1].value(at: ["spec", "template", "spec"])?["containers"]?.sequence?.first?["envFrom"]?.sequence?.first?.value(at: ["configMapRef", "name"])
        #expect(ref?.stringValue == "p-settings-7fh8db662m")
    }

    @Test("vars are substituted after names are final")
    func vars() throws {
        let out = try output([
            "kustomization.yaml": "resources: [service.yaml, pod.yaml]\nnamePrefix: x-\nvars:\n- name: SVC\n  objref: {kind: Service, name: web, apiVersion: v1}\n",
            "service.yaml": service,
            "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: [wget, \"http://$(SVC)/\"]\n",
        ])
        let pod = try #require(out.nodes.first { $0["kind"]?.stringValue == "Pod" })
        #expect(pod["spec"]?["containers"]?.sequence?.first?["command"]?.sequence?.last?.stringValue == "http://x-web/")
    }

    @Test("a secretGenerator literal is base64 in data, and the output is sorted in kustomize's legacy order")
    func secretAndOrder() throws {
        let out = try output([
            "kustomization.yaml": "resources: [deployment.yaml, service.yaml]\nsecretGenerator:\n- name: creds\n  literals: [x=y]\n",
            "deployment.yaml": deployment, "service.yaml": service,
        ])
        #expect(out.nodes.map { $0["kind"]?.stringValue } == ["Secret", "Service", "Deployment"])
        #expect(out.nodes[0]["data"]?["x"]?.stringValue == "eQ==")
        #expect(out.nodes[0].value(at: ["metadata", "name"])?.stringValue == "creds-t86b282gdf")
    }
}

@Suite("gitops-weave build: the paths its speed work touched")
struct KustomizeFastPathTests {
    @Test("a resource listed twice, in one file or in two, is refused at the second, naming the first")
    func duplicateIDs() throws {
        let twice = try refusal(["kustomization.yaml": "resources:\n- a.yaml\n", "a.yaml": service + "---\n" + service])
        #expect(twice.message.hasPrefix("may not add resource with an already registered id: Service web (v1)"), "\(twice)")
        #expect(twice.hint?.contains("a.yaml:1:1") == true, "\(twice)")
        let files = try refusal(["kustomization.yaml": "resources:\n- a.yaml\n- b.yaml\n", "a.yaml": service, "b.yaml": service])
        #expect(files.message.contains("already registered id: Service web"), "\(files)")
        #expect(files.location?.file == "b.yaml", "\(files)")
    }

    @Test("patch targets: a plain name matches only itself, anchored; a regular expression matches as kustomize's does")
    func selectorPatterns() throws {
        func web(_ name: String) -> String { service.replacingOccurrences(of: "name: web", with: "name: \(name)") }
        let patch = "- target: {kind: Service, name: NAME}\n  patch: |\n    - op: add\n      path: /metadata/labels\n      value: {hit: \"yes\"}\n"
        for (name, hits) in [("web", ["web"]), ("we", []), ("web-.*", ["web-a", "web-b"]), ("web|api", ["web", "api"]), ("w.b", ["web"])] {
            let files = ["kustomization.yaml": "resources:\n- s.yaml\npatches:\n" + patch.replacingOccurrences(of: "NAME", with: name),
                         "s.yaml": [web("web"), web("web-a"), web("web-b"), web("api")].joined(separator: "---\n")]
            let out = try build(files).get()
            let labelled = out.nodes.filter { $0.value(at: ["metadata", "labels", "hit"]) != nil }.compactMap { $0.value(at: ["metadata", "name"])?.stringValue }
            #expect(labelled.sorted() == hits.sorted(), "name: \(name)")
        }
    }

    @Test("a field spec path with / inside brackets is one step; empty steps are dropped")
    func bracketedPaths() throws {
        let files = ["kustomization.yaml": "resources:\n- c.yaml\nconfigurations:\n- conf.yaml\ncommonAnnotations:\n  team: a\n",
                     "conf.yaml": "commonAnnotations:\n- path: spec//notes[a/b]\n  kind: Thing\n  create: true\n",
                     "c.yaml": "apiVersion: x.io/v1\nkind: Thing\nmetadata:\n  name: t\nspec: {}\n"]
        let out = try build(files).get()
        #expect(out.nodes[0].value(at: ["spec", "notes[a/b]", "team"])?.stringValue == "a", "\(out.yaml)")
    }
}
