import Foundation
import Kustomize
import LocalFiles
import TestSupport
import Testing
import YAMLModel

/// One `crd-keyed` case of `../shared/conformance`: custom resources patched by
/// `kubectl kustomize` with `openapi: {path: schema.json}`, the corpus's own schema.
struct OpenAPICase: CustomTestStringConvertible, Sendable {
    let name: String
    let directory: URL
    var testDescription: String { name }

    static var corpus: URL { RepositoryPaths.shared.appendingPathComponent("conformance") }
    static var root: URL { corpus.appendingPathComponent("cases/crd-keyed") }
    static var schema: URL { corpus.appendingPathComponent("openapi/crd-keyed-schema.json") }

    static var all: [OpenAPICase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { OpenAPICase(name: $0, directory: root.appendingPathComponent($0)) }
    }

    static let defaultKustomization = """
        resources: [base.yaml]
        patches: [{path: patch.yaml}]
        sortOptions: {order: fifo}
        openapi: {path: schema.json}

        """

    /// Cases listed in kustomize-openapi-differences.txt, with their reasons.
    static let differences: [String: String] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("kustomize-openapi-differences.txt")
        var out: [String: String] = [:]
        for line in ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }()

    func read(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    /// Nil when the build agrees with kustomize, else what differs.
    func difference() throws -> String? {
        let meta = try YAMLParser().parseDocument(try read("case.yaml"), file: "case.yaml")
        let expectError = meta["expected_error"]?.scalar?.boolValue == true
        let scratch = try Scratch(prefix: "kustomize-openapi")
        try scratch.write("kustomization.yaml", meta["kustomization_yaml"]?.stringValue ?? Self.defaultKustomization)
        try scratch.write("base.yaml", try read("base.yaml"))
        try scratch.write("patch.yaml", try read("patch.yaml"))
        try scratch.write("schema.json", try String(contentsOf: Self.schema, encoding: .utf8))
        let output: KustomizeBuild.Output
        do {
            output = try KustomizeBuild(tree: FileSystemSource(root: scratch.path)).build("")
        } catch let d as Diagnostic {
            return expectError ? nil : "failed: \(d)"
        }
        if expectError { return "kustomize rejects this input; the build accepted it" }
        let expected = try YAMLParser().parseStream(try read("expected.yaml"), file: "expected.yaml").filter { !$0.isNull }
        let got = output.nodes
        guard got.count == expected.count else { return "\(got.count) documents, expected \(expected.count)" }
        for (i, (g, e)) in zip(got, expected).enumerated() where g != e {
            return "document \(i + 1) differs:\n" + YAMLEmitter().emit(g) + "--- expected:\n" + YAMLEmitter().emit(e)
        }
        return nil
    }
}

@Suite("kustomize's openapi field: crd-keyed cases against kubectl kustomize with a custom schema")
struct KustomizeOpenAPITests {
    @Test("the crd-keyed corpus is present, or the shared directory is absent")
    func corpus() throws {
        try #require(FileManager.default.fileExists(atPath: RepositoryPaths.shared.path), "../shared is absent: skipped")
        #expect(OpenAPICase.all.count >= 70, "../shared/conformance/cases/crd-keyed is missing or small")
        #expect(OpenAPICase.differences.keys.allSatisfy { name in OpenAPICase.all.contains { $0.name == name } },
                "kustomize-openapi-differences.txt lists a case that does not exist")
    }

    @Test("each case agrees with kustomize, or is listed with its reason", arguments: OpenAPICase.all)
    func agrees(_ c: OpenAPICase) throws {
        let difference = try c.difference()
        if let reason = OpenAPICase.differences[c.name] {
            #expect(difference != nil, "\(c.name) now agrees with kustomize: remove it from kustomize-openapi-differences.txt (\(reason))")
        } else {
            #expect(difference == nil, "\(c.name): \(difference ?? "")")
        }
    }

    static let widgetSchema = """
        {"swagger": "2.0", "definitions": {
          "example.v1.Widget": {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Widget"}],
            "properties": {"spec": {"type": "object", "properties": {
              "items": {"type": "array", "items": {"$ref": "#/definitions/example.v1.Item"},
                        "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"}}}}},
          "example.v1.Item": {"type": "object", "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}}
        }}

        """

    static let files: [String: String] = [
        "schema.json": widgetSchema,
        "resources.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                  - {name: web, image: nginx:1.25}
                  - {name: sidecar, image: envoy:1}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              items:
              - {name: a, size: 1}
              - {name: b, size: 2}

            """,
        "patch.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                  - {name: web, image: nginx:1.26}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            spec:
              items:
              - {name: b, size: 3}

            """,
    ]

    static func containers(_ out: KustomizeBuild.Output) -> [Node] {
        out.nodes.first { $0["kind"]?.stringValue == "Deployment" }?.value(at: ["spec", "template", "spec", "containers"])?.sequence ?? []
    }

    static func items(_ out: KustomizeBuild.Output) -> [Node] {
        out.nodes.first { $0["kind"]?.stringValue == "Widget" }?.value(at: ["spec", "items"])?.sequence ?? []
    }

    @Test("a custom schema replaces the built-in one: a Deployment's containers are replaced, the schema's keyed list merges")
    func customSchemaReplacesBuiltins() throws {
        var files = Self.files
        files["kustomization.yaml"] = "resources: [resources.yaml]\npatches: [{path: patch.yaml}]\nopenapi: {path: schema.json}\n"
        let out = try build(files).get()
        let containers = Self.containers(out)
        #expect(containers.count == 1, "the patch's containers list replaces the base's when the schema lacks PodSpec")
        #expect(containers.first?["image"]?.stringValue == "nginx:1.26")
        let items = Self.items(out)
        // kyaml merges by key and lists the patch's elements first (its prepend order).
        #expect(items.map { $0["name"]?.stringValue ?? "" } == ["b", "a"], "items merge by name")
        #expect(items.map { $0["size"]?.scalar?.text ?? "" } == ["3", "1"])
        #expect(out.files.contains("schema.json"))
    }

    @Test("without openapi, or with openapi.version, the built-in schema merges containers by name")
    func builtinSchema() throws {
        for extra in ["", "openapi: {version: v1.21.2}\n"] {
            var files = Self.files
            files["kustomization.yaml"] = "resources: [resources.yaml]\npatches: [{path: patch.yaml}]\n" + extra
            let out = try build(files).get()
            #expect(Self.containers(out).map { $0["name"]?.stringValue ?? "" } == ["web", "sidecar"])
            #expect(Self.items(out).count == 1, "Widget is unknown to the built-ins: its list is replaced")
        }
    }

    @Test("a bad openapi key is an error at the key")
    func badKey() throws {
        var files = Self.files
        files["kustomization.yaml"] = "resources: [resources.yaml]\nopenapi:\n  paht: schema.json\n"
        let d = try refusal(files)
        #expect(d.message.contains("unknown openapi field \"paht\""), "\(d)")
        #expect(d.location?.line == 3)
        #expect(d.location?.column == 3)
        #expect(d.hint?.contains("did you mean \"path\"") == true)
    }

    @Test("openapi errors are positioned: both path and version, a missing file, a dangling $ref, a file outside the directory")
    func otherErrors() throws {
        var files = Self.files
        files["kustomization.yaml"] = "resources: [resources.yaml]\nopenapi: {path: schema.json, version: v1.21.2}\n"
        #expect(try refusal(files).location?.line == 2)

        files["kustomization.yaml"] = "resources: [resources.yaml]\nopenapi: {path: nothere.json}\n"
        let missing = try refusal(files)
        #expect(missing.message.contains("not found"), "\(missing)")
        #expect(missing.location?.line == 2)

        files["kustomization.yaml"] = "resources: [resources.yaml]\nopenapi: {path: schema.json}\n"
        files["schema.json"] = Self.widgetSchema.replacingOccurrences(of: "#/definitions/example.v1.Item", with: "#/definitions/example.v1.Itme")
        let dangling = try refusal(files)
        #expect(dangling.message.contains("no definition example.v1.Itme"), "\(dangling)")
        #expect(dangling.location?.file.hasSuffix("schema.json") == true)
        #expect(dangling.hint?.contains("example.v1.Item") == true)

        files["overlay/kustomization.yaml"] = "resources: [../resources.yaml]\nopenapi: {path: ../schema.json}\n"
        let outside = try refusal(files, dir: "overlay")
        #expect(outside.message.contains("outside"), "\(outside)")
    }
}
