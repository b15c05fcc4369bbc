import Foundation
@testable import GitSync
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// The pure parts behind `check` and `history`.
@Suite("Audit: trailers, file names, selectors, redaction, values, freshness")
struct AuditTests {
    @Test("trailers: the last paragraph when every line is one; folded lines; none in a subject alone")
    func trailers() {
        let message = """
            Render prod-aws from 1a2b3c4

            prod-aws: 1 changed
              ~ ClickHouseInstallation/wandb (namespace clickhouse)

            Source-Commit: 1a2b3c4d5e
            Source-Repository: https://github.com/acme/weave-source.git
            Environments: prod-aws,
              prod-openshift-minio
            Co-authored-by: Jane Doe <jane@example.com>

            """
        let t = CommitTrailers(message: message)
        #expect(t.first("Source-Commit") == "1a2b3c4d5e")
        #expect(t.first("source-repository") == "https://github.com/acme/weave-source.git")
        #expect(t.first("Environments") == "prod-aws, prod-openshift-minio")
        #expect(t.values("Co-authored-by") == ["Jane Doe <jane@example.com>"])
        #expect(CommitTrailers(message: "Source-Commit: abc\n").entries.isEmpty)
        #expect(CommitTrailers(message: "Subject\n\nJust prose: with a colon\nand another line\n").entries.isEmpty)
        #expect(CommitTrailers(message: "Subject\r\n\r\nKey: value\r\n").first("Key") == "value")
    }

    @Test("rendered file names: kind, group, namespace, name")
    func fileNames() {
        let chi = RenderedFileName("clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml")
        #expect(chi?.kind == "clickhouseinstallation" && chi?.group == "clickhouse.altinity.com")
        #expect(chi?.namespace == "clickhouse" && chi?.name == "wandb")
        let ns = RenderedFileName("namespace_wandb.yaml")
        #expect(ns?.kind == "namespace" && ns?.group == "" && ns?.namespace == nil && ns?.name == "wandb")
        #expect(RenderedFileName("configmap_default_app.v2.yaml")?.name == "app.v2")
        #expect(RenderedFileName("kustomization.yaml") == nil)
        #expect(RenderedFileName("render-info.txt") == nil)
        #expect(RenderedFileName("a_b_c_d.yaml") == nil)
        #expect(chi?.display == "clickhouseinstallation/wandb (namespace clickhouse)")
    }

    @Test("resource selectors: Kind/name, Kind/namespace/name, Kind.group/name; kinds case-insensitive, names exact")
    func selectors() throws {
        let file = "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"
        #expect(try ResourceSelector(parsing: "ClickHouseInstallation/wandb").matches(file: file))
        #expect(try ResourceSelector(parsing: "clickhouseinstallation/wandb").matches(file: file))
        #expect(try ResourceSelector(parsing: "ClickHouseInstallation/clickhouse/wandb").matches(file: file))
        #expect(try ResourceSelector(parsing: "ClickHouseInstallation.clickhouse.altinity.com/wandb").matches(file: file))
        #expect(try !ResourceSelector(parsing: "ClickHouseInstallation.other.io/wandb").matches(file: file))
        #expect(try !ResourceSelector(parsing: "ClickHouseInstallation/default/wandb").matches(file: file))
        #expect(try !ResourceSelector(parsing: "ClickHouseInstallation/Wandb").matches(file: file))
        #expect(try !ResourceSelector(parsing: "ClickHouseKeeperInstallation/wandb").matches(file: file))
        #expect(try !ResourceSelector(parsing: "Namespace/wandb").matches(file: "kustomization.yaml"))
        for bad in ["wandb", "Kind/", "/name", "a/b/c/d", "Kind/na me"] {
            #expect(throws: Diagnostic.self) { try ResourceSelector(parsing: bad) }
        }
    }

    @Test("redaction: secret-looking keys, but not references to secrets")
    func redaction() throws {
        for key in ["password", "PASSWORD", "adminPassword", "db_passwd", "apiToken", "api-key", "apikey", "clientSecret",
                    "credentials", "private_key", "aws_access_key_id", "weave/password", "secretKey"] {
            #expect(Redaction.isSensitive(key: key), "\(key)")
        }
        for key in ["replicasCount", "name", "secretKeyRef", "secretName", "passwordSecretRef", "tokenName", "host", "user"] {
            #expect(!Redaction.isSensitive(key: key), "\(key)")
        }
        #expect(Redaction.standing(of: try FieldPath(parsing: "data.key"), kind: "Secret") == .secret)
        #expect(Redaction.standing(of: try FieldPath(parsing: "metadata.name"), kind: "Secret") == .plain)
        #expect(Redaction.standing(of: try FieldPath(parsing: "spec.data[0].secretKey"), kind: "ExternalSecret") == .reference)
        #expect(Redaction.isSensitive(path: try FieldPath(parsing: "spec.users[name=x].password")))
        #expect(!Redaction.isSensitive(path: try FieldPath(parsing: "spec.users[name=password].host")))
    }

    func node(_ yaml: String) throws -> Node {
        try YAMLParser().parseDocument(yaml, file: "test.yaml")
    }

    @Test("values print compactly: scalars as YAML, collections in flow style; display redacts secrets inside maps")
    func compactValues() throws {
        #expect(CompactYAML.format(try node("3")) == "3")
        #expect(CompactYAML.format(try node("\"5\"")) == "\"5\"")
        // A string YAML 1.1 would read as a boolean stays quoted; a real boolean is not.
        #expect(CompactYAML.format(try node("yes")) == "\"yes\"")
        #expect(CompactYAML.format(try node("true")) == "true")
        #expect(CompactYAML.format(try node("8Gi")) == "8Gi")
        #expect(CompactYAML.format(try node("null")) == "null")
        #expect(CompactYAML.format(try node("[a, 1, [b], {c: d}]")) == "[a, 1, [b], {c: d}]")
        #expect(CompactYAML.format(try node("{cpu: \"1\", memory: 8Gi}")) == "{cpu: \"1\", memory: 8Gi}")
        #expect(CompactYAML.format(try node("[\"a, b\"]")) == "[\"a, b\"]")
        #expect(CompactYAML.format(try node("x: |\n  line one\n  line two\n")["x"]!) == "\"line one\\nline two\\n\"")
        let spec = try FieldPath(parsing: "spec")
        #expect(FieldValue.display(try node("{user: admin, password: hunter2, nested: {apiToken: t}}"), path: spec, kind: "X")
                == "{user: admin, password: <redacted>, nested: {apiToken: <redacted>}}")
        // References to secrets are shown, even under a credential's key.
        #expect(FieldValue.display(try node("{weave/password: {valueFrom: {secretKeyRef: {name: pw, key: password}}}}"), path: spec, kind: "X")
                == "{weave/password: {valueFrom: {secretKeyRef: {name: pw, key: password}}}}")
        #expect(FieldValue.display(try node("{a: x}"), path: try FieldPath(parsing: "spec.password"), kind: "X") == "{a: <redacted>}")

        let path = try FieldPath(parsing: "spec.layout.replicasCount")
        let doc = "kind: X\nspec:\n  layout:\n    replicasCount: 5\n"
        let value = try FieldValue.resolve(path, inFile: doc, named: "x.yaml")
        #expect(FieldValue.display(value, path: path, kind: "ClickHouseInstallation") == "5")
        #expect(FieldValue.display(value, path: path, kind: "Secret") == "<redacted>")
        #expect(try FieldValue.resolve(path, inFile: nil, named: "x.yaml") == nil)
        #expect(try FieldValue.resolve(try FieldPath(parsing: "spec.other"), inFile: doc, named: "x.yaml") == nil)
        #expect(FieldValue.display(nil, path: path, kind: "X") == nil)
    }

    @Test("freshness compares blob ids, ignoring render-info.txt")
    func freshness() throws {
        let a = try #require(ObjectID(hex: String(repeating: "a", count: 40)))
        let b = try #require(ObjectID(hex: String(repeating: "b", count: 40)))
        let c = try #require(ObjectID(hex: String(repeating: "c", count: 40)))
        #expect(Freshness.compare(environment: "e", rendered: ["x.yaml": a, "render-info.txt": b],
                                  committed: ["x.yaml": a, "render-info.txt": c]) == nil)
        let stale = Freshness.compare(environment: "e", rendered: ["x.yaml": a, "new.yaml": b, "same.yaml": c],
                                      committed: ["x.yaml": b, "gone.yaml": a, "same.yaml": c, "sub/": a])
        #expect(stale == StaleEnvironment(environment: "e", reason: .differs, added: ["new.yaml"], changed: ["x.yaml"], removed: ["gone.yaml", "sub/"]))
    }
}
