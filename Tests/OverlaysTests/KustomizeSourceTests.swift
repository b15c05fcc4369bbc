import Foundation
import YAMLModel
import MergeEngine
import Overlays
import LocalFiles
import Testing

/// Environments whose source is a kustomize overlay, and layers that are kustomize
/// directories or components: the same engine, with parameters, rules and the secret policy.
@Suite("kustomize overlays and components in a project")
struct KustomizeSourceTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
        spec:
          template:
            spec:
              containers:
              - name: web
                image: nginx:1.25

        """

    func source() throws -> WeaveSource {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "parameters:\n  tag:\n    type: string\n    default: \"1.25\"\nexternal:\n  namespaces: [{name: shop, reason: the cluster's}]\n")
        try s.write("base/kustomization.yaml", "resources: [deployment.yaml]\n")
        try s.write("base/deployment.yaml", Self.deployment)
        try s.write("overlays/prod/kustomization.yaml", "resources: [../../base]\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: ${tag}\n")
        try s.write("layers/hardened/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1alpha1
            kind: Component
            patches:
            - target: {kind: Deployment}
              patch: |-
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: any}
                spec:
                  template:
                    spec:
                      securityContext: {runAsNonRoot: true}

            """)
        try s.write("environments/prod.yaml", "kustomize: overlays/prod\nlayers: [hardened]\nparameters:\n  tag: \"1.27\"\n")
        return s
    }

    func render(_ s: WeaveSource, _ env: String) throws -> Renderer.Outcome {
        Renderer(project: try Project.load(from: FileSystemSource(root: s.root), stacks: .none)).render(named: env)
    }

    @Test("the overlay's build, parameters filled in, then the component layer")
    func overlayAndComponent() throws {
        let s = try source()
        let o = try render(s, "prod")
        #expect(o.diagnostics.isEmpty, "\(o.diagnostics.map(\.description))")
        let d = try #require(o.resources.first)
        #expect(d.id.name == "prod-web")
        let pod = try #require(d.node.value(at: ["spec", "template", "spec"]))
        #expect(pod["containers"]?.sequence?.first?["image"]?.stringValue == "nginx:1.27")
        #expect(pod.value(at: ["securityContext", "runAsNonRoot"])?.scalar == .bool(true))
        // The prefix is the overlay's line, and the layer is named as the one that set the context.
        #expect(d.node.value(at: ["metadata", "name"])?.location == s.location("overlays/prod/kustomization.yaml", 2, 13))
        #expect(pod["securityContext"]?.location.file == s.display("layers/hardened/kustomization.yaml"))
    }

    @Test("a secretGenerator literal is a plaintext secret, at the literal's line")
    func secretGeneratorLiteral() throws {
        let s = try source()
        try s.write("overlays/prod/kustomization.yaml", "resources: [../../base]\nsecretGenerator:\n- name: creds\n  namespace: shop\n  literals:\n  - password=hunter2\n")
        let o = try render(s, "prod")
        let secret = try #require(o.diagnostics.first { $0.rule == SecretPolicy.ruleID }, "\(o.diagnostics.map(\.description))")
        #expect(secret.severity == .error)
        #expect(secret.location == s.location("overlays/prod/kustomization.yaml", 6, 5))
        #expect(!o.diagnostics.map(\.description).joined().contains("hunter2"))
    }

    @Test("an overlay that does not exist is an error at the environment's kustomize line")
    func missingOverlay() throws {
        let s = try source()
        try s.write("environments/prod.yaml", "kustomize: overlays/prd\n")
        let o = try render(s, "prod")
        #expect(o.diagnostics.map(\.headline) == ["\(s.at("environments/prod.yaml", 1, 12)): error: \(s.display("overlays/prd")) is not a directory"])
    }

    @Test("an error in a component layer is at its line")
    func layerError() throws {
        let s = try source()
        try s.write("layers/hardened/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefx: x-\n")
        let o = try render(s, "prod")
        #expect(o.diagnostics.first?.headline == "\(s.at("layers/hardened/kustomization.yaml", 3, 1)): error: unknown kustomization field \"namePrefx\"")
        #expect(o.diagnostics.first?.hint == "did you mean \"namePrefix\"?")
    }

    @Test("kustomize directories merge as kyaml does, or as apimachinery does when the project says so")
    func mergeFlavor() throws {
        let s = try source()
        try s.write("base/deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              template:
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    env: [{name: A, value: a}, {name: B, value: b}, {name: C, value: c}]

            """)
        try s.write("overlays/prod/kustomization.yaml", "resources: [../../base]\npatches:\n- path: env.yaml\n")
        try s.write("overlays/prod/env.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env: [{name: B, value: b2}]\n")
        func order() throws -> [String] {
            let o = try render(s, "prod")
            #expect(!o.failed, "\(o.diagnostics.map(\.description))")
            let env = o.resources.first?.node.value(at: ["spec", "template", "spec"])?["containers"]?.sequence?.first?["env"]?.sequence ?? []
            return env.map { ($0["name"]?.stringValue ?? "") + "=" + ($0["value"]?.stringValue ?? "") }
        }
        #expect(try order() == ["B=b2", "A=a", "C=c"])
        try s.write("gitops-weave.yaml", "kustomize: {merge: apimachinery}\nparameters:\n  tag: {type: string, default: \"1\"}\nexternal:\n  namespaces: [{name: shop, reason: the cluster's}]\n")
        #expect(try order() == ["A=a", "B=b2", "C=c"])
        try s.write("gitops-weave.yaml", "kustomize: {merge: strategic}\n")
        let bad = diagnostic { _ = try Project.load(from: FileSystemSource(root: s.root), stacks: .none) }
        #expect(bad?.headline == "\(s.at("gitops-weave.yaml", 1, 20)): error: kustomize.merge is kyaml or apimachinery, not \"strategic\"")
    }
}
