import Foundation
import Testing

/// Sources and expected output for `gitops-weave validate`, and for the validation that
/// `render`, `publish` and `diff` do by default.
enum ValidateSources {
    static var sharedCRDs: String {
        RepositoryPaths.shared.appendingPathComponent("crds").path
    }

    static var hasSharedCRDs: Bool { FileManager.default.fileExists(atPath: sharedCRDs) }

    /// A copy of the bundled project at `<dir>/src`.
    static func bundled(_ dir: URL) throws -> URL {
        let src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: CLI.repository.appendingPathComponent(item), to: src.appendingPathComponent(item))
        }
        return src
    }

    /// A patch of the prod layer that gives the ClickHouse data volume a reclaim policy the
    /// CRD does not allow (line 10, column 22); no stack rule checks it. prod-aws and
    /// prod-openshift-minio use the layer.
    static let brokenPatchPath = "layers/prod/patches/zz-broken.yaml"
    static let brokenPatch = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: wandb
          namespace: clickhouse
        spec:
          templates:
            volumeClaimTemplates:
            - name: data
              reclaimPolicy: Keep

        """

    static let brokenError = """
        layers/prod/patches/zz-broken.yaml:10:22: error: ClickHouseInstallation/wandb spec.templates.volumeClaimTemplates[0].reclaimPolicy: unsupported value "Keep"
          hint: allowed values: "", "Retain", "Delete"

        """

    /// brokenError, reported once for the two environments that use the prod layer.
    static let brokenErrorInBoth = brokenError + "  in: prod-aws, prod-openshift-minio\n"

    static let note = """
        note: full schema validation was skipped for kinds without a CRD (checked against built-in rules only: \
        ClickHouseInstallation (clickhouse.altinity.com/v1), ClickHouseKeeperInstallation (clickhouse-keeper.altinity.com/v1), \
        WeightsAndBiases (apps.wandb.com/v1); not validated: Application (argoproj.io/v1alpha1), ExternalSecret (external-secrets.io/v1beta1), \
        HelmRelease (helm.toolkit.fluxcd.io/v2), HelmRepository (source.toolkit.fluxcd.io/v1))
          hint: pass --crds DIR (a directory of CustomResourceDefinition files), or list the CRD files under crds: in gitops-weave.yaml

        """

    static let noteWithCRDs = """
        note: full schema validation was skipped for kinds without a CRD (not validated: ExternalSecret (external-secrets.io/v1beta1))
          hint: pass --crds DIR (a directory of CustomResourceDefinition files), or list the CRD files under crds: in gitops-weave.yaml

        """

    static let allValid = "valid dev-minio: 10 resources\nvalid prod-aws: 10 resources\nvalid prod-openshift-minio: 10 resources\nvalid staging-gcs-flux: 14 resources\nvalid staging-gcs: 10 resources\n"
}

@Suite("gitops-weave validate")
struct ValidateCommandTests {
    typealias V = ValidateSources

    @Test("the bundled environments are valid; one note names the kinds without a CRD")
    func bundled() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let r = try CLI.run(["validate"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == V.allValid)
        #expect(r.stderr == V.note)
        // Nothing is written.
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("out").path))
    }

    @Test("--crds DIR: the real CRDs validate the bundled environments too", .enabled(if: ValidateSources.hasSharedCRDs))
    func withCRDs() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let r = try CLI.run(["validate", "--all", "--crds", V.sharedCRDs], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == V.allValid)
        #expect(r.stderr == V.noteWithCRDs)
    }

    @Test("an invalid value: exit 1, the error at the patch line that set it, for each environment using the layer")
    func invalid() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        try RenderSources.write(src, V.brokenPatchPath, V.brokenPatch)
        let r = try CLI.run(["validate"], in: src)
        #expect(r.status == 1)
        #expect(r.stdout == "valid dev-minio: 10 resources\nvalid staging-gcs-flux: 14 resources\nvalid staging-gcs: 10 resources\n")
        #expect(r.stderr == V.brokenErrorInBoth + V.note)

        let one = try CLI.run(["validate", "prod-aws", "--source", src.path], in: dir.url)
        #expect(one.status == 1)
        #expect(one.stdout.isEmpty)
        #expect(one.stderr.hasPrefix(src.path + "/" + V.brokenError), "\(one.stderr)")
    }

    @Test("--format json: valid, invalid, diagnostics with positions and environments, errors")
    func json() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        try RenderSources.write(src, V.brokenPatchPath, V.brokenPatch)
        let r = try CLI.run(["validate", "prod-aws", "dev-minio", "--format", "json"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["valid", "invalid", "diagnostics", "errors"])
        #expect(object["errors"] as? Int == 1)
        #expect(object["invalid"] as? [String] == ["prod-aws"])
        let valid = try #require(object["valid"] as? [[String: Any]])
        #expect(valid.map { $0["environment"] as? String } == ["dev-minio"])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        try #require(diagnostics.count == 2)
        let d = diagnostics[0]
        #expect(d["severity"] as? String == "error")
        #expect(d["file"] as? String == V.brokenPatchPath)
        #expect(d["line"] as? Int == 10)
        #expect(d["column"] as? Int == 22)
        #expect(d["message"] as? String == "ClickHouseInstallation/wandb spec.templates.volumeClaimTemplates[0].reclaimPolicy: unsupported value \"Keep\"")
        #expect(d["hint"] as? String == "allowed values: \"\", \"Retain\", \"Delete\"")
        #expect(d["environments"] as? [String] == ["prod-aws"])
        #expect(diagnostics[1]["severity"] as? String == "note")
    }

    @Test("usage: names with --all, a --crds directory that does not exist, a render error")
    func usage() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let both = try CLI.run(["validate", "dev-minio", "--all"], in: src)
        #expect(both.status == 2)
        #expect(both.stderr.contains("name environments or pass --all, not both"))
        let missing = try CLI.run(["validate", "--crds", "nope"], in: src)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--crds nope: no such directory"))
        let unknown = try CLI.run(["validate", "qa"], in: src)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: no environment named \"qa\" in environments/\n  hint: environments: dev-minio, prod-aws, prod-openshift-minio, staging-gcs-flux, staging-gcs\n")
        let help = try CLI.run(["--help"])
        #expect(help.stdout.contains("  validate "))
    }
}

@Suite("Schema validation in render, publish and diff")
struct CommandValidationTests {
    typealias V = ValidateSources

    @Test("render: an environment that fails validation is not written, the others are; exit 1")
    func render() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        try RenderSources.write(src, V.brokenPatchPath, V.brokenPatch)
        let r = try CLI.run(["render", "--all"], in: src)
        #expect(r.status == 1)
        // No note: stderr is not a terminal.
        #expect(r.stderr == V.brokenErrorInBoth)
        #expect(r.stdout == "rendered dev-minio: 10 resources in ./out/dev-minio\nrendered staging-gcs-flux: 14 resources in ./out/staging-gcs-flux\n"
                + "rendered staging-gcs: 10 resources in ./out/staging-gcs\n")
        #expect(RenderSources.entries(src.appendingPathComponent("out")) == ["dev-minio", "staging-gcs", "staging-gcs-flux"])
    }

    @Test("render --no-validate writes it anyway; a valid source renders with nothing on stderr")
    func renderNoValidate() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        let clean = try CLI.run(["render", "--all"], in: src)
        #expect(clean.status == 0)
        #expect(clean.stderr.isEmpty, "\(clean.stderr)")
        try RenderSources.write(src, V.brokenPatchPath, V.brokenPatch)
        let r = try CLI.run(["render", "prod-aws", "--no-validate"], in: src)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let chi = try String(contentsOf: src.appendingPathComponent("out/prod-aws/clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"), encoding: .utf8)
        #expect(chi.contains("\n      reclaimPolicy: Keep\n"))
    }

    @Test("render --crds DIR validates against the real CRDs: an unknown field the built-in rules leave open",
          .enabled(if: ValidateSources.hasSharedCRDs))
    func renderWithCRDs() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        try RenderSources.write(src, "layers/prod/patches/zz-typo.yaml", """
            apiVersion: clickhouse.altinity.com/v1
            kind: ClickHouseInstallation
            metadata:
              name: wandb
              namespace: clickhouse
            spec:
              configuration:
                clusters:
                - name: weavecluster
                  template:
                    podTemplate: clickhouse

            """)
        let builtin = try CLI.run(["render", "prod-aws"], in: src)
        #expect(builtin.status == 0, "\(builtin.stderr)")
        let r = try CLI.run(["render", "prod-aws", "--crds", V.sharedCRDs, "--out", "checked"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("""
            layers/prod/patches/zz-typo.yaml:10:7: error: ClickHouseInstallation/wandb spec.configuration.clusters[0]: unknown field "template"
              hint: did you mean "templates"? fields here: name, zookeeper,
            """), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: src.appendingPathComponent("checked/prod-aws").path))
    }

    @Test("render --format json: validation errors are diagnostics of their environment")
    func renderJSON() throws {
        let dir = try Scratch()
        let src = try V.bundled(dir.url)
        try RenderSources.write(src, V.brokenPatchPath, V.brokenPatch)
        let r = try CLI.run(["render", "prod-aws", "--format", "json"], in: src)
        #expect(r.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 1)
        #expect((object["rendered"] as? [Any])?.isEmpty == true)
        let d = try #require((object["diagnostics"] as? [[String: Any]])?.first)
        #expect(d["file"] as? String == V.brokenPatchPath)
        #expect(d["line"] as? Int == 10)
        // JSON names the environment even when the run has one.
        #expect(d["environments"] as? [String] == ["prod-aws"])
    }

    @Test("publish: nothing is committed when an environment fails validation; --no-validate publishes", .enabled(if: ExternalTool.hasGit))
    func publish() throws {
        let w = try GitWorld()
        let src = try w.bundledSource()
        try w.write(src, V.brokenPatchPath, V.brokenPatch)
        try w.commitAll(src, "prod: reclaim policy Keep")
        let r = try w.weave(["publish"], in: src)
        #expect(r.status == 1)
        #expect(r.stderr == V.brokenErrorInBoth + "error: nothing was published: fix the errors above and publish again\n")
        #expect(try w.gitOutput(["rev-parse", "--verify", "-q", "refs/heads/rendered"], in: src).status != 0)
        let forced = try w.weave(["publish", "--no-validate"], in: src)
        #expect(forced.status == 0, "\(forced)")
        #expect(try w.gitOutput(["rev-parse", "--verify", "-q", "refs/heads/rendered"], in: src).status == 0)
    }

    @Test("diff: a HEAD that fails validation is an error (exit 1); --no-validate shows the diff", .enabled(if: ExternalTool.hasGit))
    func diff() throws {
        let w = try GitWorld()
        let src = try w.bundledSource()
        try w.git("checkout", "-q", "-b", "feature", in: src)
        try w.write(src, V.brokenPatchPath, V.brokenPatch)
        try w.commitAll(src, "prod: reclaim policy Keep")
        let r = try w.weave(["diff", "main", "HEAD"], in: src, environment: ["NO_COLOR": "1"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        // Files of a revision are named REV:path, as in diff's render errors.
        #expect(r.stderr == "HEAD:" + V.brokenErrorInBoth + """
            error: cannot compare: HEAD does not pass schema validation
              hint: fix the errors above, or pass --no-validate

            """)
        let forced = try w.weave(["diff", "main", "HEAD", "--no-validate"], in: src, environment: ["NO_COLOR": "1"])
        // A diff that shows changes exits 1, as git diff --exit-code does.
        #expect(forced.status == 1, "\(forced)")
        #expect(forced.stdout.contains("+      reclaimPolicy: Keep"), "\(forced.stdout)")
        // The base is not validated: a fix on HEAD compares cleanly against a broken base.
        try w.git("checkout", "-q", "-b", "fix", in: src)
        try FileManager.default.removeItem(at: src.appendingPathComponent(V.brokenPatchPath))
        try w.commitAll(src, "prod: no reclaim policy")
        let fixed = try w.weave(["diff", "feature", "HEAD"], in: src, environment: ["NO_COLOR": "1"])
        #expect(fixed.status == 1, "\(fixed)")
        #expect(fixed.stdout.contains("-      reclaimPolicy: Keep"))
    }
}
