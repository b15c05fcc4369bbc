import Foundation
import TestSupport
import Testing

/// `gitops-weave build`, and kustomize overlays as the source of a project's environments,
/// on examples/kustomize-migration as a user migrating would run them.
@Suite("kustomize overlays: build, and the migration example")
struct KustomizeCommandTests {
    static let example = CLI.repository.appendingPathComponent("examples/kustomize-migration")

    @Test("build prints the overlay as kustomize does: prefixed, namespaced, hashed, in kustomize's order")
    func buildStaging() throws {
        let r = try CLI.run(["build", "overlays/staging"], in: Self.example)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout.components(separatedBy: "\n---\n").count == 3)
        #expect(r.stdout.hasPrefix("apiVersion: v1\ndata:\n  LOG_LEVEL: info\nkind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/name: shop\n  name: staging-shop-settings-"))
        #expect(r.stdout.contains("        image: ghcr.io/example/shop:1.5.0-rc.1\n"))
        #expect(r.stdout.contains("  namespace: shop-staging\n"))
    }

    @Test("build agrees with kubectl kustomize on the example's overlays (skipped without kubectl)")
    func agreesWithKubectl() throws {
        guard ExternalTool.exists("kubectl") else { return }
        for overlay in ["overlays/staging", "overlays/prod", "base"] {
            let ours = try CLI.run(["build", overlay], in: Self.example)
            let theirs = try ExternalTool.run("kubectl", ["kustomize", overlay], in: Self.example, mergingStandardError: false)
            #expect(ours.status == 0 && theirs.status == 0, "\(ours.stderr)\(theirs.stderr)")
            // Both print sorted keys; only the quoting of scalars may differ.
            let normalize = { (s: String) in s.replacingOccurrences(of: "\"", with: "") }
            #expect(normalize(ours.stdout) == normalize(theirs.stdout), "\(overlay):\n\(ours.stdout)\n--- kubectl:\n\(theirs.stdout)")
        }
    }

    @Test("an error in a kustomization is file:line:col, exit 1")
    func buildError() throws {
        let scratch = try Scratch(prefix: "kustomize-cli")
        _ = try scratch.write("kustomization.yaml", "resources:\n- deployment.yaml\nhelmCharts:\n- name: x\n")
        let r = try CLI.run(["build", "."], in: scratch.url)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("kustomization.yaml:3:1: error: helmCharts are not supported by gitops-weave build: it never runs helm\n  hint: "), "\(r.stderr)")
    }

    @Test("explain names the kustomization line of a prefixed name and of an image tag, and the parameter that filled it")
    func explain() throws {
        let name = try CLI.run(["explain", "--source", Self.example.path, "prod", "deployment/prod-shop", "metadata.name"], in: Self.example)
        #expect(name.status == 0, "\(name.stderr)")
        let root = Self.example.path
        #expect(name.stdout == """
            Deployment/prod-shop (namespace shop-prod) metadata.name in prod:

              prod-shop

            name prefix from \(root)/overlays/prod/kustomization.yaml:4:13
              set by \(root)/base/deployment.yaml:4:9 (base): shop

            """)
        let image = try CLI.run(["explain", "--source", root, "prod", "deploy/prod-shop", "spec.template.spec.containers[name=shop].image"], in: Self.example)
        #expect(image.status == 0, "\(image.stderr)")
        #expect(image.stdout.contains("image tag from \(root)/overlays/prod/kustomization.yaml:9:11 (parameter shopTag, set at \(root)/environments/prod.yaml:5:12)\n"), "\(image.stdout)")
        #expect(image.stdout.contains("  ghcr.io/example/shop:1.4.2\n"))
    }

    @Test("the migration example publishes: one commit on the rendered branch, the component layer applied")
    func publish() throws {
        let w = try GitWorld()
        let src = try w.initRepository("src")
        for item in try FileManager.default.contentsOfDirectory(atPath: Self.example.path) where item != "rendered-out" {
            try FileManager.default.copyItem(at: Self.example.appendingPathComponent(item), to: src.appendingPathComponent(item))
        }
        try w.commitAll(src, "An overlay repository, with a project file")
        let r = try w.weave(["publish"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try w.gitLines("ls-tree", "-r", "--name-only", "rendered", in: src)
        #expect(files.contains("prod/deployment.apps_shop-prod_prod-shop.yaml"), "\(files)")
        let prod = try w.git("show", "rendered:prod/deployment.apps_shop-prod_prod-shop.yaml", in: src)
        #expect(prod.contains("runAsNonRoot: true"))
        #expect(prod.contains("image: ghcr.io/example/shop:1.4.2"))
        #expect(prod.contains("name: prod-shop-settings-"))
        let again = try w.weave(["publish"], in: src)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try w.gitLines("rev-list", "rendered", in: src).count == 1, "a second publish of the same source adds no commit")
    }

    @Test("a change to the base overlay's file: affected, diff and history see it through the kustomize build")
    func affectedAndDiff() throws {
        let w = try GitWorld()
        let src = try w.initRepository("src")
        for item in try FileManager.default.contentsOfDirectory(atPath: Self.example.path) where item != "rendered-out" {
            try FileManager.default.copyItem(at: Self.example.appendingPathComponent(item), to: src.appendingPathComponent(item))
        }
        try w.commitAll(src, "An overlay repository, with a project file")
        #expect(try w.weave(["publish"], in: src).status == 0)
        // Only prod names the tag; staging's overlay sets its own.
        try w.write(src, "overlays/prod/kustomization.yaml",
                    try String(contentsOf: src.appendingPathComponent("overlays/prod/kustomization.yaml"), encoding: .utf8)
                        .replacingOccurrences(of: "count: 3", with: "count: 5"))
        try w.commitAll(src, "prod: five replicas")
        let affected = try w.weave(["affected", "HEAD~1", "HEAD"], in: src)
        #expect(affected.status == 0, "\(affected.stderr)")
        #expect(affected.stdout == "prod\n")
        let diff = try w.weave(["diff", "HEAD~1", "HEAD"], in: src)
        #expect(diff.status == 1, "\(diff.stderr)")
        #expect(diff.stdout.contains("-  replicas: 3\n+  replicas: 5\n"), "\(diff.stdout)")
        #expect(try w.weave(["publish"], in: src).status == 0)
        let history = try w.weave(["history", "prod"], in: src)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("  ~ Deployment/prod-shop (namespace shop-prod)\n"), "\(history.stdout)")
        #expect(history.stdout.contains("  new environment\n"), "\(history.stdout)")
    }

    @Test("explain --build names the transformer and the kustomization line, in paths relative to the current directory")
    func explainBuild() throws {
        let r = try CLI.run(["explain", "--build", "overlays/staging", "deploy/staging-shop", "spec.template.spec.containers[name=shop].image"], in: Self.example)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            Deployment/staging-shop (namespace shop-staging) spec.template.spec.containers[name=shop].image in overlays/staging:

              ghcr.io/example/shop:1.5.0-rc.1

            image tag from overlays/staging/kustomization.yaml:9:11
              set by base/deployment.yaml:11:16: ghcr.io/example/shop:1.4.0

            """)
        let usage = try CLI.run(["explain", "--build", "overlays/staging", "deploy/staging-shop"], in: Self.example)
        #expect(usage.status == 2)
        #expect(usage.stderr.hasPrefix("error: with --build, give RESOURCE FIELD-PATH"), "\(usage.stderr)")
    }
}
