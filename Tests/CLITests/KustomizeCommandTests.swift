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

    @Test("build of several directories writes OUT/DIR.yaml for each, the same stream as a build of one")
    func buildSeveral() throws {
        let scratch = try Scratch(prefix: "kustomize-several")
        let out = scratch.url.appendingPathComponent("out")
        let r = try CLI.run(["build", "overlays/staging", "overlays/prod", "base", "-o", out.path], in: Self.example)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.isEmpty, "\(r.stdout)\(r.stderr)")
        let listed = try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted()
        #expect(listed == [".gitops-weave-build", "base.yaml", "overlays", "overlays/prod.yaml", "overlays/staging.yaml"])
        for dir in ["overlays/staging", "overlays/prod", "base"] {
            let one = try CLI.run(["build", dir], in: Self.example)
            #expect(try String(contentsOf: out.appendingPathComponent(dir + ".yaml"), encoding: .utf8) == one.stdout, "\(dir)")
        }
        // A second build replaces the directory whole: a build no longer asked for is gone.
        let again = try CLI.run(["build", "overlays/prod", "base", "-o", out.path], in: Self.example)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted() == [".gitops-weave-build", "base.yaml", "overlays", "overlays/prod.yaml"])
        // Several directories need --output.
        let noOutput = try CLI.run(["build", "overlays/prod", "base"], in: Self.example)
        #expect(noOutput.status != 0 && noOutput.stdout.isEmpty)
        #expect(noOutput.stderr.hasPrefix("error: building 2 directories needs --output DIR"), "\(noOutput.stderr)")
    }

    @Test("a failing directory among several: every failure reported with its directory, exit 1, nothing written")
    func buildSeveralFailing() throws {
        let scratch = try Scratch(prefix: "kustomize-several-fail")
        _ = try scratch.write("good/kustomization.yaml", "resources:\n- cm.yaml\n")
        _ = try scratch.write("good/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        _ = try scratch.write("bad1/kustomization.yaml", "resources:\n- missing.yaml\n")
        _ = try scratch.write("bad2/kustomization.yaml", "namePrefix: [x\n")
        _ = try scratch.write("out/previous.yaml", "kept\n")
        _ = try scratch.write("out/.gitops-weave-build", "")
        let r = try CLI.run(["build", "good", "bad1", "bad2", "-o", "out"], in: scratch.url)
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad1/kustomization.yaml:2:3: error: "), "\(r.stderr)")
        #expect(r.stderr.contains("bad2/kustomization.yaml:2:1: error: invalid YAML: "), "\(r.stderr)")
        #expect(r.stderr.contains("  in: bad1\n") && r.stderr.contains("  in: bad2\n"), "\(r.stderr)")
        #expect(!r.stderr.contains("in: good"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("out").path).sorted() == [".gitops-weave-build", "previous.yaml"])
    }

    @Test("build -o FILE writes the stream atomically; -o DIR writes one file per resource under kustomize's names; a directory of one's own files is refused")
    func buildOutput() throws {
        let scratch = try Scratch(prefix: "kustomize-output")
        let file = scratch.url.appendingPathComponent("prod.yaml")
        let stream = try CLI.run(["build", "overlays/prod"], in: Self.example)
        let toFile = try CLI.run(["build", "overlays/prod", "-o", file.path], in: Self.example)
        #expect(toFile.status == 0 && toFile.stdout.isEmpty, "\(toFile.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == stream.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["prod.yaml"], "no temporary file is left")

        let dir = scratch.url.appendingPathComponent("resources")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        let toDir = try CLI.run(["build", "overlays/prod", "-o", dir.path], in: Self.example)
        #expect(toDir.status == 0, "\(toDir.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names.count == 4 && names.contains("apps_v1_deployment_prod-shop.yaml") && names.contains("v1_service_prod-shop.yaml"), "\(names)")
        #expect(names.contains { $0.hasPrefix("v1_configmap_prod-shop-settings-") })
        // Each file is one document of the stream, in kustomize's names.
        let documents = stream.stdout.components(separatedBy: "---\n")
        let deployment = try String(contentsOf: dir.appendingPathComponent("apps_v1_deployment_prod-shop.yaml"), encoding: .utf8)
        #expect(documents.contains(deployment))
        if ExternalTool.exists("kubectl") {
            let theirs = scratch.url.appendingPathComponent("kubectl")
            try FileManager.default.createDirectory(at: theirs, withIntermediateDirectories: false)
            let k = try ExternalTool.run("kubectl", ["kustomize", "overlays/prod", "-o", theirs.path], in: Self.example, mergingStandardError: true)
            #expect(k.status == 0, "\(k.stdout)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: theirs.path).sorted() == names.filter { $0 != ".gitops-weave-build" })
        }

        let own = scratch.url.appendingPathComponent("own")
        _ = try scratch.write("own/notes.txt", "mine\n")
        let refused = try CLI.run(["build", "overlays/prod", "-o", own.path], in: Self.example)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: cannot replace \(own.path): it holds files that gitops-weave did not write\n  hint: "), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: own.path) == ["notes.txt"])
    }

    @Test("build -o refuses what it cannot write: two builds to one file, a file where the directory goes, a missing parent; nothing is written")
    func buildOutputRefusals() throws {
        let scratch = try Scratch(prefix: "kustomize-output-refused")
        let out = scratch.url.appendingPathComponent("out").path
        let twice = try CLI.run(["build", "overlays/prod", "./overlays/prod", "-o", out], in: Self.example)
        #expect(twice.status == 1)
        #expect(twice.stderr.hasPrefix("error: overlays/prod and ./overlays/prod would both be written to \(out)/overlays/prod.yaml\n  hint: "), "\(twice.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        _ = try scratch.write("plain", "mine\n")
        let file = scratch.url.appendingPathComponent("plain").path
        let notDirectory = try CLI.run(["build", "overlays/prod", "base", "-o", file], in: Self.example)
        #expect(notDirectory.status == 1)
        #expect(notDirectory.stderr == "error: cannot write to \(file): it is not a directory\n", "\(notDirectory.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine\n")

        let orphan = scratch.url.appendingPathComponent("missing/out").path
        let noParent = try CLI.run(["build", "overlays/prod", "base", "-o", orphan], in: Self.example)
        #expect(noParent.status == 1)
        #expect(noParent.stderr == "error: cannot write to \(orphan): \(scratch.url.appendingPathComponent("missing").standardizedFileURL.path) does not exist\n", "\(noParent.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["plain"])

        // One file per resource: names that differ only in case would share a file.
        _ = try scratch.write("k/kustomization.yaml", "resources:\n- cms.yaml\n")
        _ = try scratch.write("k/cms.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Web\n")
        _ = try scratch.write("k-out/.gitops-weave-build", "")
        let caseOnly = try CLI.run(["build", "k", "-o", "k-out"], in: scratch.url)
        #expect(caseOnly.status == 1)
        #expect(caseOnly.stderr.hasPrefix("k/cms.yaml:1:1: error: ConfigMap Web (v1) and ConfigMap web (v1) would both be written to v1_configmap_web.yaml\n  hint: their names differ only in case"), "\(caseOnly.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("k-out").path) == [".gitops-weave-build"])
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
