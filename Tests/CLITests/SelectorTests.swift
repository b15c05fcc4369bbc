import Foundation
import Testing

/// Environment labels and `--selector`: every command that takes environments selects
/// them by label as kubectl selects resources.
@Suite("environment labels and --selector")
struct SelectorTests {
    typealias V = ValidateSources

    @Test("render, validate and check take --selector; the bundled environments carry tier, storage and platform", arguments: [
        ("tier=prod", ["prod-aws", "prod-openshift-minio"]),
        ("tier!=prod", ["dev-minio", "staging-gcs-flux", "staging-gcs"]),
        ("storage in (gcs,aws)", ["prod-aws", "staging-gcs-flux", "staging-gcs"]),
        ("tier=staging,platform=gke", ["staging-gcs-flux", "staging-gcs"]),
        ("platform notin (gke,eks)", ["dev-minio", "prod-openshift-minio"]),
        ("tier", ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs-flux", "staging-gcs"]),
    ])
    func select(selector: String, expected: [String]) throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let r = try CLI.run(["validate", "--selector", selector], in: src)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.split(separator: "\n").map { String($0.split(separator: " ")[1].dropLast()) } == expected, "\(r.stdout)")
        let out = dir.url.appendingPathComponent("out")
        let render = try CLI.run(["render", "-l", selector, "--out", out.path], in: src)
        #expect(render.status == 0, "\(render)")
        #expect(RenderSources.entries(out).filter { !$0.hasPrefix(".") } == expected.sorted())
    }

    @Test("a selector that matches nothing is an error listing the labels in use; a malformed one is an error; names and a selector do not mix")
    func errors() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let none = try CLI.run(["render", "--selector", "tier=qa"], in: src)
        #expect(none.status == 1)
        #expect(none.stderr == """
            error: no environment matches the selector "tier=qa"
              hint: labels in use: platform=eks, platform=gke, platform=kubernetes, platform=openshift, storage=aws, storage=gcs, storage=minio, tier=dev, tier=prod, tier=staging

            """)
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out").path))

        let malformed = try CLI.run(["validate", "--selector", "tier in prod"], in: src)
        #expect(malformed.status == 1)
        #expect(malformed.stderr.hasPrefix("error: invalid label selector \"tier in prod\": expected ( after in\n"), "\(malformed.stderr)")

        let both = try CLI.run(["render", "dev-minio", "--selector", "tier=dev"], in: src)
        #expect(both.status == 2, "\(both)")
        #expect(both.stderr.contains("name environments or pass --selector, not both"), "\(both.stderr)")
    }

    @Test("labels in an environment file: names and values as Kubernetes allows them, each error at its position", arguments: [
        ("labels: [prod]", "environments/test.yaml:2:9: error: labels must be a mapping of names to values, not a list"),
        ("labels: {Tier Name: prod}", "environments/test.yaml:2:10: error: \"Tier Name\" is not a label name: letters, digits, -, _ and . (at most 63), with an optional DNS prefix and /"),
        ("labels: {tier: [a, b]}", "environments/test.yaml:2:16: error: the label tier takes a value such as prod, not a list"),
        ("labels: {tier: -prod}", "environments/test.yaml:2:16: error: \"-prod\" is not a label value: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit"),
    ])
    func badLabels(line: String, headline: String) throws {
        let dir = try Scratch()
        let src = try RenderSources.small(dir, spec: "  size: 1\n", environment: "parameters: {bucket: b}\n\(line)\n")
        let r = try CLI.run(["validate"], in: src)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix(headline), "\(r.stderr)")
    }

    @Test("label values that YAML reads as numbers or booleans are their text; a DNS prefix is allowed")
    func scalarLabels() throws {
        let dir = try Scratch()
        let src = try RenderSources.small(dir, spec: "  size: 1\n", environment: "parameters: {bucket: b}\nlabels: {example.com/generation: 2, canary: true}\n")
        for (selector, matches) in [("example.com/generation=2", true), ("canary=true", true), ("canary=false", false), ("!canary", false)] {
            let r = try CLI.run(["validate", "-l", selector], in: src)
            #expect(r.status == (matches ? 0 : 1), "\(selector): \(r)")
        }
    }
}

/// `diff` and `affected` select by the labels at each revision.
@Suite("--selector in diff and affected", .enabled(if: ExternalTool.hasGit))
struct SelectorDiffTests {
    @Test("affected -l tier=prod lists only the prod environments a change reaches; a selector matching nothing at either revision is an error")
    func affected() throws {
        let w = try GitWorld()
        let src = try w.bundledSource()
        // A change that reaches every tier: the base's ClickHouse image.
        let base = src.appendingPathComponent("gitops-weave.yaml")
        let text = try String(contentsOf: base, encoding: .utf8)
        try w.write(src, "gitops-weave.yaml", text.replacingOccurrences(of: "default: \"25.10\"", with: "default: \"25.11\""))
        try w.commitAll(src, "ClickHouse 25.11")
        let all = try w.weave(["affected", "HEAD~1", "HEAD"], in: src)
        #expect(all.stdout == "dev-minio\nprod-aws\nprod-openshift-minio\nstaging-gcs\nstaging-gcs-flux\n", "\(all)")
        let prod = try w.weave(["affected", "HEAD~1", "HEAD", "--selector", "tier=prod"], in: src)
        #expect(prod.status == 0, "\(prod)")
        #expect(prod.stdout == "prod-aws\nprod-openshift-minio\n")
        let diff = try w.weave(["diff", "HEAD~1", "HEAD", "-l", "storage=gcs", "--format", "json"], in: src)
        let object = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as! [String: Any]
        #expect((object["environments"] as! [[String: Any]]).map { $0["name"] as! String } == ["staging-gcs", "staging-gcs-flux"])
        let none = try w.weave(["affected", "HEAD~1", "HEAD", "-l", "tier=qa"], in: src)
        #expect(none.status == 1)
        #expect(none.stderr.hasPrefix("error: no environment matches the selector \"tier=qa\" at either revision\n"), "\(none.stderr)")
    }
}
