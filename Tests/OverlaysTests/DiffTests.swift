import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

@Suite("Semantic diff, unified text and redaction")
struct DiffTests {
    @Test("a unified diff with three lines of context, two hunks when changes are far apart")
    func hunks() {
        let old = (1...20).map { "line \($0)" }
        var new = old
        new[1] = "line 2 changed"
        new.remove(at: 15)
        new.append("line 21")
        let diff = UnifiedDiff(old: old, new: new)
        #expect(diff.hunks.count == 2)
        #expect(diff.text() == """
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +line 2 changed
             line 3
             line 4
             line 5
            @@ -13,8 +13,8 @@
             line 13
             line 14
             line 15
            -line 16
             line 17
             line 18
             line 19
             line 20
            +line 21

            """)
    }

    @Test("added and removed files diff against nothing")
    func wholeFiles() {
        #expect(UnifiedDiff(old: [], new: ["a", "b"]).text() == "@@ -0,0 +1,2 @@\n+a\n+b\n")
        #expect(UnifiedDiff(old: ["a"], new: []).text() == "@@ -1,1 +0,0 @@\n-a\n")
        #expect(UnifiedDiff(old: ["a"], new: ["a"]).isEmpty)
    }

    func resources(_ text: String) throws -> [Resource] {
        try Resource.load(try YAMLParser().parseStream(text, file: "r.yaml"))
    }

    @Test("key order and formatting are not changes; values are")
    func semantic() throws {
        let a = try resources("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: \"1\", b: \"2\"}\n")
        let b = try resources("kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: x\ndata:\n  b: '2'\n  a: \"1\"\n")
        #expect(RenderDiff(before: ["e": a], after: ["e": b]).isEmpty)
        let c = try resources("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: \"1\", b: \"3\"}\n")
        let diff = RenderDiff(before: ["e": a], after: ["e": c])
        #expect(diff.environments.map(\.name) == ["e"])
        #expect(diff.environments[0].resources[0].diff.text().contains("-  b: \"2\"\n+  b: \"3\"\n"))
        let gone = RenderDiff(before: ["e": a, "old": a], after: ["e": a, "new": a])
        #expect(gone.environments.map { "\($0.name):\($0.change)" } == ["new:added", "old:removed"])
    }

    @Test("secret values are replaced by a digest; references to secrets are kept")
    func redaction() throws {
        let r = try resources("""
            apiVersion: v1
            kind: Secret
            metadata: {name: s}
            data: {key: c2VjcmV0}
            ---
            apiVersion: example.com/v1
            kind: Thing
            metadata: {name: t}
            spec:
              password: plain
              passwordSecret: {name: ref, passwordKey: PASSWORD}
              env:
              - {name: API_TOKEN, value: tok}
              - {name: LOG_LEVEL, value: debug}
            """)
        let secret = Redaction.redacted(r[0])
        #expect(secret["data"]?["key"]?.stringValue == Redaction.digest("c2VjcmV0"))
        let thing = Redaction.redacted(r[1])
        #expect(thing["spec"]?["password"]?.stringValue?.hasPrefix("<redacted ") == true)
        #expect(thing["spec"]?["passwordSecret"]?["name"]?.stringValue == "ref")
        #expect(thing["spec"]?["env"]?.sequence?[0]["value"]?.stringValue?.hasPrefix("<redacted ") == true)
        #expect(thing["spec"]?["env"]?.sequence?[1]["value"]?.stringValue == "debug")
        #expect(Redaction.digest("a") != Redaction.digest("b"))
    }

    @Test("a renamed Secret can be reviewed: the diff shows every reference to it, and hides values only")
    func referencesAreShown() throws {
        func stack(secret: String, key: String) -> String {
            """
            apiVersion: clickhouse.altinity.com/v1
            kind: ClickHouseInstallation
            metadata: {name: wandb, namespace: clickhouse}
            spec:
              configuration:
                users:
                  weave/password:
                    valueFrom:
                      secretKeyRef: {name: \(secret), key: \(key)}
                  admin/password: hunter2
            ---
            apiVersion: apps.wandb.com/v1
            kind: WeightsAndBiases
            metadata: {name: wandb, namespace: wandb}
            spec:
              values:
                global:
                  licenseSecret: {name: \(secret), key: \(key)}
                  clickhouse:
                    passwordSecret: {name: \(secret), passwordKey: \(key)}
                  oidc: {clientSecret: s3cr3t-\(key)}
            ---
            apiVersion: external-secrets.io/v1beta1
            kind: ExternalSecret
            metadata: {name: \(secret), namespace: wandb}
            spec:
              target: {name: \(secret)}
              data:
              - secretKey: \(key)
                remoteRef: {key: wandb/\(secret), property: \(key)}
            """
        }
        let diff = RenderDiff(before: ["prod": try resources(stack(secret: "old-secret", key: "old-key"))],
                              after: ["prod": try resources(stack(secret: "new-secret", key: "new-key"))])
        let text = diff.text(color: false)
        for line in ["          secretKeyRef:\n-            name: old-secret\n-            key: old-key\n+            name: new-secret\n+            key: new-key\n",
                     "+        name: new-secret\n+        key: new-key\n",
                     "+          name: new-secret\n+          passwordKey: new-key\n",
                     "+  - secretKey: new-key\n",
                     "+      key: wandb/new-secret\n+      property: new-key\n"] {
            #expect(text.contains(line), "\(line)")
        }
        // Values stay hidden: the inline password is unchanged, the OIDC client secret changed.
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("s3cr3t"))
        #expect(text.contains("+        clientSecret: \(Redaction.digest("s3cr3t-new-key"))\n"))
        // The same policy in history and explain.
        let path = try FieldPath(parsing: "spec.configuration.users")
        let users = try #require(try resources(stack(secret: "pw", key: "k"))[0].node["spec"]?["configuration"]?["users"])
        let shown = Redaction.redacted(users, at: path, kind: "ClickHouseInstallation")
        #expect(shown["weave/password"]?["valueFrom"]?["secretKeyRef"]?["name"]?.stringValue == "pw")
        #expect(shown["admin/password"]?.stringValue == Redaction.marker)
    }

    @Test("field paths select list elements by key and quote keys with dots")
    func fieldPaths() throws {
        let node = try YAMLParser().parseDocument("""
            spec:
              clusters:
              - {name: a, layout: {replicasCount: 1}}
              - {name: b, layout: {replicasCount: 3}}
              files: {config.d/x.xml: "<x/>"}
            """, file: "f.yaml")
        let q = try FieldPath(parsing: "spec.clusters[name=b].layout.replicasCount")
        #expect((try? q.resolve(in: node).get())?.scalar == .int(3))
        #expect((try? FieldPath(parsing: "spec.clusters[0].name").resolve(in: node).get())?.stringValue == "a")
        #expect((try? FieldPath(parsing: "spec.files.\"config.d/x.xml\"").resolve(in: node).get())?.stringValue == "<x/>")
        if case .failure(let miss) = try FieldPath(parsing: "spec.clusters[name=c].layout").resolve(in: node) {
            #expect(miss.depth == 2)
        } else {
            Issue.record("expected a miss")
        }
        #expect(diagnostic { _ = try FieldPath(parsing: "spec..x") }?.message.contains("empty key") == true)
        #expect(diagnostic { _ = try FieldPath(parsing: "spec[name=x") }?.message.contains("unclosed [") == true)
    }
}
