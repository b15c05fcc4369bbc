import Foundation
import Testing

/// Mistakes that used to pass without a word: each is now an error or a warning at its
/// position, and where the command fails, nothing is written.
@Suite("silent mistakes: misplaced layer files, kustomization files, overridden parameters")
struct SilentMistakeTests {
    typealias S = RenderSources

    /// A widget in the base, and a layer `app` the environment uses.
    static func source(_ scratch: Scratch, layer files: [String: String]) throws -> URL {
        let src = try S.small(scratch, spec: "  replicas: ${replicas}\n  bucket: s3://${bucket}/data\n",
                              environment: "layers: [app]\nparameters:\n  bucket: b\n  replicas: 2\n")
        try S.write(src, "layers/app/resources/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: default\n")
        for (path, text) in files { try S.write(src, "layers/app/" + path, text) }
        return src
    }

    /// Widget has no schema: the patch says how it merges.
    static let widgetNote = """
        layers/app/patches/widget.yaml:1:1: note: no merge schema for Widget (example.com); it merges as RFC 7386 JSON merge patch: maps merge, lists are replaced whole
          hint: declare its merge keys (group/Kind:path=key) or point at its CRD to merge lists by key

        """

    /// A render that fails with exactly `stderr`, and writes nothing.
    func expectRefused(_ src: URL, stderr: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(["render"], in: src)
        #expect(r.status == 1, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr == stderr, sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out").path), sourceLocation: sourceLocation)
        let v = try CLI.run(["validate"], in: src)
        #expect(v.status == 1, "validate passes it: \(v)", sourceLocation: sourceLocation)
    }

    @Test("a file in patches/ or resources/ that is not .yaml or .yml is an error at its path")
    func notYAML() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["patches/logger.xml": "<logger/>\n"])
        try expectRefused(src, stderr: """
            layers/app/patches/logger.xml:1:1: error: logger.xml is not a YAML file: patches/ holds .yaml and .yml files only
              hint: to ship a file's contents, put it in the layer's files/ and embed it where it belongs: {$file: files/logger.xml}

            """)
    }

    @Test("an extension in the wrong case: the hint gives the name that works", arguments: [("x.YAML", "x.yaml"), ("y.Yml", "y.yml")])
    func extensionCase(file: String, fixed: String) throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["resources/" + file: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n"])
        try expectRefused(src, stderr: """
            layers/app/resources/\(file):1:1: error: \(file) is not read: the extension must be .yaml or .yml, in lower case
              hint: rename it to \(fixed)

            """)
    }

    @Test("a directory inside resources/ is not read, and says so")
    func nestedDirectory() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["resources/more/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m, namespace: default}\n"])
        try expectRefused(src, stderr: """
            layers/app/resources/more:1:1: error: more/ is a directory, and resources/ is read one level deep
              hint: move its files up into resources/, or make it a layer of its own under layers/

            """)
    }

    @Test("a kustomization.yaml in a layer's resources/ is refused, not published as an object")
    func kustomizationFile() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["resources/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- extra.yaml\n"])
        try expectRefused(src, stderr: """
            layers/app/resources/kustomization.yaml:1:1: error: kustomization.yaml is kustomize's build file, not a Kubernetes object: a layer's resources/ would publish it as one
              hint: to make the layer a kustomize directory, move kustomization.yaml to the layer's top directory; otherwise delete it

            """)
    }

    @Test("a Kustomization document under another name is refused at its kind")
    func kustomizationDocument() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["resources/build.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- extra.yaml\n"])
        try expectRefused(src, stderr: """
            layers/app/resources/build.yaml:2:7: error: a kustomize Kustomization is a build file, not a Kubernetes object to publish
              hint: a layer whose top directory holds kustomization.yaml is a kustomize directory; put this kustomization there, or delete it

            """)
    }

    @Test("a parameter every use of which a patch replaces: a warning at the value, naming the patch's line")
    func overriddenParameter() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["patches/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  replicas: 4\n"])
        let r = try CLI.run(["render"], in: src)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr == Self.widgetNote + """
            environments/test.yaml:4:13: warning: parameter "replicas" is set, but a patch replaces every use of it, so the value changes nothing
              hint: layers/app/patches/widget.yaml:6:13 sets the field instead; remove the value, or the patch's line

            """)
        // The value used in a string stays used: no warning for bucket.
        #expect(try String(contentsOf: src.appendingPathComponent("out/test/widget.example.com_w.yaml"), encoding: .utf8).contains("bucket: s3://b/data\n"))

        // Used somewhere else too: no warning.
        let other = try Scratch()
        let used = try Self.source(other, layer: [
            "patches/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  replicas: 4\n",
            "resources/second.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: second\nspec:\n  replicas: ${replicas}\n",
        ])
        let quiet = try CLI.run(["render"], in: used)
        #expect(quiet.status == 0, "\(quiet)")
        #expect(quiet.stderr == Self.widgetNote, "\(quiet.stderr)")
    }

    // MARK: References to objects nothing creates

    /// A Deployment in namespace shop that refers to three Secrets in three ways.
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
        spec:
          template:
            spec:
              imagePullSecrets:
              - name: regcred
              containers:
              - name: web
                image: web:1
                env:
                - name: DB_PASSWORD
                  valueFrom:
                    secretKeyRef: {name: db, key: password}
              volumes:
              - name: tls
                secret:
                  secretName: web-tls

        """

    static let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"

    func referenceSource(_ dir: Scratch, environment: String = "", extra: [String: String] = [:]) throws -> URL {
        let src = dir.url.appendingPathComponent("src")
        try S.write(src, "gitops-weave.yaml", "parameters: {}\n")
        try S.write(src, "base/web.yaml", Self.deployment)
        try S.write(src, "environments/test.yaml", environment)
        for (path, text) in extra { try S.write(src, path, text) }
        return src
    }

    @Test("a Secret that nothing creates: a warning at each reference; an ExternalSecret, a SealedSecret or external.secrets quiet it")
    func danglingSecrets() throws {
        let dir = try Scratch()
        let src = try referenceSource(dir, extra: ["base/ns.yaml": Self.namespace])
        let r = try CLI.run(["validate"], in: src)
        #expect(r.status == 0, "\(r)")
        func warning(_ at: String, _ path: String, _ name: String) -> String {
            """
            base/web.yaml:\(at): warning: \(path) of Deployment/web refers to Secret "\(name)" in namespace shop, which nothing in this environment creates [dangling-secret-ref]
              hint: create it with an ExternalSecret or a SealedSecret, or declare it under external.secrets: [{name: \(name), namespace: shop, reason: "<what creates it>"}]

            """
        }
        #expect(r.stderr == warning("10:15", "spec.template.spec.imagePullSecrets[name=regcred].name", "regcred")
                + warning("17:34", "spec.template.spec.containers[name=web].env[name=DB_PASSWORD].valueFrom.secretKeyRef.name", "db")
                + warning("21:23", "spec.template.spec.volumes[name=tls].secret.secretName", "web-tls"), "\(r.stderr)")

        // Created in the environment, or declared with a reason.
        try S.write(src, "base/db.yaml", """
            apiVersion: external-secrets.io/v1beta1
            kind: ExternalSecret
            metadata: {name: db-sync, namespace: shop}
            spec:
              target: {name: db}
            ---
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata: {name: regcred, namespace: shop}
            spec:
              encryptedData: {.dockerconfigjson: AgBy3i4OJSWK}

            """)
        try S.write(src, "environments/test.yaml", """
            external:
              secrets:
              - {name: web-tls, namespace: shop, reason: "cert-manager's ingress-shim makes it"}

            """)
        let quiet = try CLI.run(["render"], in: src)
        #expect(quiet.status == 0, "\(quiet)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        let info = try String(contentsOf: src.appendingPathComponent("out/test/render-info.txt"), encoding: .utf8)
        #expect(info.contains("\nexternal:\n  secret shop/web-tls: \"cert-manager's ingress-shim makes it\"\n"), "\(info)")

        // A declaration needs its reason.
        try S.write(src, "environments/test.yaml", "external:\n  secrets:\n  - {name: web-tls, namespace: shop}\n")
        let unexplained = try CLI.run(["render"], in: src)
        #expect(unexplained.status == 1)
        #expect(unexplained.stderr == """
            environments/test.yaml:3:5: error: external.secrets entry "web-tls" needs a written reason
              hint: write reason: "<what creates it, or why it exists>"; render-info.txt records it

            """)
        #expect(try S.entries(src.appendingPathComponent("out")) == ["test"])
    }

    @Test("a namespace that nothing creates: one warning at its first use; a Namespace or external.namespaces quiets it")
    func undeclaredNamespace() throws {
        let dir = try Scratch()
        let src = try referenceSource(dir, environment: "external:\n  secrets:\n  - {name: regcred, reason: r}\n  - {name: db, reason: r}\n  - {name: web-tls, reason: r}\n",
                                      extra: ["base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n"])
        let r = try CLI.run(["validate"], in: src)
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr == """
            base/cm.yaml:5:14: warning: namespace "shop" is used by 2 resources (first ConfigMap/web), but nothing in this environment creates it [undeclared-namespace]
              hint: add a Namespace resource to the base or a layer, or declare it under external.namespaces: [{name: shop, reason: "<what creates it>"}]

            """, "\(r.stderr)")
        try S.write(src, "gitops-weave.yaml", "parameters: {}\nexternal:\n  namespaces:\n  - {name: shop, reason: \"the shop team's namespace, made by the cluster's tenancy controller\"}\n")
        let declared = try CLI.run(["validate"], in: src)
        #expect(declared.stderr.isEmpty, "\(declared.stderr)")
        try S.write(src, "gitops-weave.yaml", "parameters: {}\n")
        try S.write(src, "base/ns.yaml", Self.namespace)
        let created = try CLI.run(["validate"], in: src)
        #expect(created.stderr.isEmpty, "\(created.stderr)")
    }
}
