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
              hint: to ship a file's contents, put them in a resource (a ConfigMap's data, or the custom resource's files:) in a .yaml file

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
              hint: a layer is not a kustomize directory: put its resources in resources/ and its patches in patches/, and delete kustomization.yaml

            """)
    }

    @Test("a Kustomization document under another name is refused at its kind")
    func kustomizationDocument() throws {
        let dir = try Scratch()
        let src = try Self.source(dir, layer: ["resources/build.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- extra.yaml\n"])
        try expectRefused(src, stderr: """
            layers/app/resources/build.yaml:2:7: error: a kustomize Kustomization is a build file, not a Kubernetes object to publish
              hint: a layer is not a kustomize directory: put its resources in resources/ and its patches in patches/, and delete this file

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
}
