import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// RFC 6902 JSON patch, targeted JSON patches, and the RFC 7386 fallback for unknown kinds.
@Suite("JSON patch (RFC 6902)")
struct JSONPatchTests {
    typealias F = MergeFixture

    static let document = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
          annotations:
            a/b: slash
            m~n: tilde
        spec:
          replicas: 1
          template:
            spec:
              containers:
              - name: app
                image: app:1
                args: [--a, --b]
        """

    /// Applies the operations (a YAML list read as `ops.yaml`) to `document`.
    static func apply(_ ops: String, to document: String = document) throws -> Node {
        let patch = try JSONPatch(parsing: try parse(ops, file: "ops.yaml"))
        return try patch.apply(to: try parse(document, file: "base.yaml"))
    }

    static func error(_ ops: String, to document: String = document) -> String? {
        diagnostic { _ = try apply(ops, to: document) }?.headline
    }

    static let args = "spec.template.spec.containers.0.args"

    // MARK: add

    @Test("add a map key")
    func addKey() throws {
        let doc = try Self.apply("- {op: add, path: /metadata/labels/tier, value: back}")
        F.expect(doc, "metadata.labels", "{app: web, tier: back}")
    }

    @Test("add replaces an existing key")
    func addExistingKey() throws {
        let doc = try Self.apply("- {op: add, path: /spec/replicas, value: 3}")
        F.expect(doc, "spec.replicas", "3")
    }

    @Test("add a whole subtree")
    func addSubtree() throws {
        let doc = try Self.apply("- {op: add, path: /spec/template/metadata, value: {labels: {app: web}}}")
        F.expect(doc, "spec.template.metadata", "{labels: {app: web}}")
    }

    @Test("add inserts at a list index", arguments: [
        ("0", "[--x, --a, --b]"),
        ("1", "[--a, --x, --b]"),
        ("2", "[--a, --b, --x]"),
        ("-", "[--a, --b, --x]"),
    ])
    func addAtIndex(index: String, expected: String) throws {
        let doc = try Self.apply("- {op: add, path: /spec/template/spec/containers/0/args/\(index), value: --x}")
        F.expect(doc, Self.args, expected)
    }

    @Test("add appends a whole element with -")
    func addAppendElement() throws {
        let doc = try Self.apply("- {op: add, path: /spec/template/spec/containers/-, value: {name: proxy, image: envoy:1}}")
        F.expect(doc, "spec.template.spec.containers.1", "{name: proxy, image: envoy:1}")
    }

    @Test("an empty path replaces the whole document")
    func addRoot() throws {
        let doc = try Self.apply("- {op: add, path: \"\", value: {kind: Other}}")
        F.expect(doc, "", "{kind: Other}")
    }

    // MARK: remove, replace

    @Test("remove a key and a list element")
    func remove() throws {
        let doc = try Self.apply("""
            - {op: remove, path: /metadata/labels/app}
            - {op: remove, path: /spec/template/spec/containers/0/args/0}
            """)
        F.expect(doc, "metadata.labels", "{}")
        F.expect(doc, Self.args, "[--b]")
    }

    @Test("replace a value")
    func replace() throws {
        let doc = try Self.apply("""
            - {op: replace, path: /spec/template/spec/containers/0/image, value: app:2}
            - {op: replace, path: /spec/template/spec/containers/0/args, value: [--c]}
            """)
        F.expect(doc, "spec.template.spec.containers.0.image", "app:2")
        F.expect(doc, Self.args, "[--c]")
    }

    @Test("replace may change a value's type")
    func replaceType() throws {
        let doc = try Self.apply("- {op: replace, path: /metadata/labels, value: [a]}")
        F.expect(doc, "metadata.labels", "[a]")
    }

    // MARK: move, copy

    @Test("move a value between maps")
    func move() throws {
        let doc = try Self.apply("- {op: move, from: /metadata/labels/app, path: /metadata/annotations/app}")
        F.expect(doc, "metadata.labels", "{}")
        F.expect(doc, "metadata.annotations.app", "web")
    }

    @Test("move a list element")
    func moveElement() throws {
        let doc = try Self.apply("- {op: move, from: /spec/template/spec/containers/0/args/0, path: /spec/template/spec/containers/0/args/-}")
        F.expect(doc, Self.args, "[--b, --a]")
    }

    @Test("move to the same place is a no-op")
    func moveToItself() throws {
        let doc = try Self.apply("- {op: move, from: /spec/replicas, path: /spec/replicas}")
        F.expect(doc, "spec.replicas", "1")
    }

    @Test("move into its own child is an error")
    func moveIntoChild() {
        #expect(Self.error("- {op: move, from: /spec, path: /spec/template/spec}")
            == "ops.yaml:1:3: error: cannot move /spec into its own child /spec/template/spec")
    }

    @Test("copy a subtree")
    func copy() throws {
        let doc = try Self.apply("- {op: copy, from: /metadata/labels, path: /spec/template/metadata}")
        F.expect(doc, "spec.template.metadata", "{app: web}")
        F.expect(doc, "metadata.labels", "{app: web}")
    }

    // MARK: test

    @Test("test succeeds on an equal value and changes nothing")
    func testSucceeds() throws {
        let doc = try Self.apply("""
            - {op: test, path: /spec/replicas, value: 1}
            - {op: test, path: /metadata/labels, value: {app: web}}
            - {op: test, path: /spec/template/spec/containers/0/args, value: [--a, --b]}
            """)
        let original = try parse(Self.document)
        #expect(doc == original)
    }

    @Test("test fails on another value, and on the same text with another type")
    func testFails() {
        #expect(Self.error("""
            - {op: replace, path: /spec/replicas, value: 2}
            - {op: test, path: /spec/replicas, value: 1}
            """) == "ops.yaml:2:3: error: test failed: /spec/replicas is not the expected value")
        #expect(Self.error("- {op: test, path: /spec/replicas, value: \"1\"}")
            == "ops.yaml:1:3: error: test failed: /spec/replicas is not the expected value")
        #expect(Self.error("- {op: test, path: /spec/template/spec/containers/0/args, value: [--b, --a]}")
            == "ops.yaml:1:3: error: test failed: /spec/template/spec/containers/0/args is not the expected value")
    }

    // MARK: Pointers

    @Test("~1 escapes / and ~0 escapes ~")
    func pointerEscapes() throws {
        let doc = try Self.apply("""
            - {op: replace, path: /metadata/annotations/a~1b, value: changed}
            - {op: remove, path: /metadata/annotations/m~0n}
            - {op: add, path: /metadata/annotations/x~01, value: literal}
            """)
        F.expect(doc, "metadata.annotations", "{a/b: changed, x~1: literal}")
    }

    @Test("pointers split into tokens")
    func pointerTokens() throws {
        func tokens(_ text: String) throws -> [String] {
            try JSONPatch.pointer(Node.scalar(.string(text), at: .generated("test")))
        }
        #expect(try tokens("") == [])
        #expect(try tokens("/") == [""])
        #expect(try tokens("/a/b") == ["a", "b"])
        #expect(try tokens("/a~1b/~0") == ["a/b", "~"])
        #expect(try tokens("/a//b") == ["a", "", "b"])
    }

    @Test("a pointer without a leading /")
    func pointerWithoutSlash() {
        #expect(Self.error("- {op: remove, path: spec/replicas}")
            == "ops.yaml:1:22: error: JSON pointer \"spec/replicas\" must start with \"/\"")
    }

    @Test("a ~ not followed by 0 or 1")
    func pointerBadEscape() {
        #expect(Self.error("- {op: remove, path: /metadata/annotations/m~2n}")
            == "ops.yaml:1:22: error: JSON pointer \"/metadata/annotations/m~2n\" has a \"~\" not followed by 0 or 1")
        #expect(Self.error("- {op: remove, path: /metadata/m~}")
            == "ops.yaml:1:22: error: JSON pointer \"/metadata/m~\" has a \"~\" not followed by 0 or 1")
    }

    @Test("a pointer that is not a string")
    func pointerNotAString() {
        #expect(Self.error("- {op: remove, path: 3}") == "ops.yaml:1:22: error: a JSON pointer must be a string, not 3")
        #expect(Self.error("- {op: move, from: [a], path: /a}")?.hasPrefix("ops.yaml:1:20: error: a JSON pointer must be a string") == true)
    }

    // MARK: Paths that do not resolve

    @Test("a list index out of range", arguments: [
        ("add", "/spec/template/spec/containers/0/args/3", "index 3 is out of range (the list has 2 elements)"),
        ("remove", "/spec/template/spec/containers/0/args/2", "index 2 is out of range (the list has 2 elements)"),
        ("replace", "/spec/template/spec/containers/0/args/5", "index 5 is out of range (the list has 2 elements)"),
    ])
    func indexOutOfRange(op: String, path: String, detail: String) {
        let value = op == "remove" ? "" : ", value: x"
        #expect(Self.error("- {op: \(op), path: \(path)\(value)}") == "ops.yaml:1:3: error: \(op) \(path): \(detail)")
    }

    @Test("a token that is not a list index", arguments: [
        ("remove", "/spec/template/spec/containers/0/args/-", "-"),
        ("add", "/spec/template/spec/containers/0/args/01", "01"),
        ("replace", "/spec/template/spec/containers/app/image", "app"),
        ("remove", "/spec/template/spec/containers/0/args/-1", "-1"),
    ])
    func notAnIndex(op: String, path: String, token: String) {
        let value = op == "remove" ? "" : ", value: x"
        #expect(Self.error("- {op: \(op), path: \(path)\(value)}")
            == "ops.yaml:1:3: error: \(op) \(path): \"\(token)\" is not a list index")
    }

    @Test("a path that does not exist", arguments: [
        ("- {op: remove, path: /spec/paused}", "remove /spec/paused: no key \"paused\""),
        ("- {op: replace, path: /spec/paused, value: true}", "replace /spec/paused: no key \"paused\""),
        ("- {op: add, path: /spec/selector/matchLabels, value: {}}", "add /spec/selector/matchLabels: no key \"selector\""),
        ("- {op: test, path: /metadata/namespace, value: x}", "test /metadata/namespace: no key \"namespace\""),
    ])
    func missingPath(ops: String, message: String) {
        #expect(Self.error(ops) == "ops.yaml:1:3: error: \(message)")
    }

    @Test("a from that does not exist names the from pointer", arguments: ["copy", "move"])
    func missingFrom(op: String) {
        #expect(Self.error("- {op: \(op), from: /metadata/namespace, path: /x}")
            == "ops.yaml:1:3: error: \(op) from /metadata/namespace: no key \"namespace\"")
    }

    @Test("removing the whole document is an error")
    func removeRoot() {
        #expect(Self.error("- {op: remove, path: \"\"}") == "ops.yaml:1:3: error: remove \"\": cannot remove the whole document")
    }

    @Test("a one-element list is counted in the singular")
    func singular() {
        #expect(Self.error("- {op: remove, path: /spec/template/spec/containers/1}")
            == "ops.yaml:1:3: error: remove /spec/template/spec/containers/1: index 1 is out of range (the list has 1 element)")
    }

    @Test("the failing operation's own position is reported")
    func positionOfFailingOperation() {
        #expect(Self.error("""
            - op: add
              path: /metadata/labels/a
              value: b
            - op: remove
              path: /metadata/labels/missing
            """) == "ops.yaml:4:3: error: remove /metadata/labels/missing: no key \"missing\"")
    }

    @Test("a failing patch leaves the document as it was")
    func atomic() throws {
        let original = try parse(Self.document)
        let patch = try JSONPatch(parsing: try parse("""
            - {op: replace, path: /spec/replicas, value: 9}
            - {op: remove, path: /nope}
            """, file: "ops.yaml"))
        #expect(throws: Diagnostic.self) { try patch.apply(to: original) }
        F.expect(original, "spec.replicas", "1")
    }

    // MARK: Parsing

    @Test("malformed operations", arguments: [
        ("{op: add}", "ops.yaml:1:1: error: a JSON patch is a list of operations, not a mapping"),
        ("- add", "ops.yaml:1:3: error: a JSON patch operation must be a mapping, not a string"),
        ("- {path: /a}", "ops.yaml:1:3: error: the operation has no \"op\""),
        ("- {op: merge, path: /a}", "ops.yaml:1:8: error: unknown JSON patch op \"merge\""),
        ("- {op: add, value: 1}", "ops.yaml:1:3: error: the add operation has no \"path\""),
        ("- {op: add, path: /a}", "ops.yaml:1:3: error: the add operation has no \"value\""),
        ("- {op: replace, path: /a}", "ops.yaml:1:3: error: the replace operation has no \"value\""),
        ("- {op: test, path: /a}", "ops.yaml:1:3: error: the test operation has no \"value\""),
        ("- {op: move, path: /a}", "ops.yaml:1:3: error: the move operation has no \"from\""),
        ("- {op: copy, path: /a}", "ops.yaml:1:3: error: the copy operation has no \"from\""),
    ])
    func malformed(ops: String, headline: String) {
        #expect(diagnostic { _ = try JSONPatch(parsing: try parse(ops, file: "ops.yaml")) }?.headline == headline)
    }

    @Test("parsed operations keep their kind, tokens and position")
    func parsed() throws {
        let patch = try JSONPatch(parsing: try parse("""
            - {op: copy, from: /a~1b, path: /c/0}
            - op: test
              path: /d
              value: null
            """, file: "ops.yaml"))
        #expect(patch.operations.map(\.kind) == [.copy, .test])
        #expect(patch.operations[0].from == ["a/b"])
        #expect(patch.operations[0].path == ["c", "0"])
        #expect(patch.operations[0].pathText == "/c/0")
        #expect(patch.operations[1].location.description == "ops.yaml:2:3")
        #expect(patch.operations[1].value?.isNull == true)
    }
}

// MARK: - Targeted JSON patches

extension JSONPatchTests {
    @Suite("Targeted JSON patches")
    struct Targeted {
        typealias F = MergeFixture

        static let resources = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: prod
            spec:
              replicas: 1
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: staging
            spec:
              replicas: 1
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: prod
            data: {mode: fast}
            """

        static func targeted(_ text: String) throws -> TargetedJSONPatch {
            try TargetedJSONPatch(parsing: try parse(text, file: "jp.yaml"))
        }

        @Test("target and operations are read")
        func parsing() throws {
            let jp = try Self.targeted("""
                target: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: prod}
                patch:
                - {op: replace, path: /spec/replicas, value: 3}
                """)
            #expect(jp.target.group == "apps")
            #expect(jp.target.version == "v1")
            #expect(jp.target.kind == "Deployment")
            #expect(jp.target.name == "web")
            #expect(jp.target.namespace == "prod")
            #expect(jp.patch.operations.count == 1)
            #expect(jp.location.description == "jp.yaml:1:1")
        }

        @Test("the target may give a group instead of an apiVersion", arguments: [
            ("{group: apps, kind: Deployment, name: web}", "apps"),
            ("{group: \"\", kind: ConfigMap, name: settings}", ""),
            ("{kind: ConfigMap, name: settings}", ""),
            ("{apiVersion: v1, kind: ConfigMap, name: settings}", ""),
        ])
        func group(target: String, group: String) throws {
            let jp = try Self.targeted("target: \(target)\npatch: []\n")
            #expect(jp.target.group == group)
            #expect(jp.target.namespace == nil)
        }

        @Test("malformed targeted patches", arguments: [
            ("[a]", "jp.yaml:1:1: error: a JSON patch file holds mappings with \"target\" and \"patch\", not a list"),
            ("patch: []", "jp.yaml:1:1: error: the JSON patch has no \"target\" mapping"),
            ("target: web\npatch: []", "jp.yaml:1:9: error: the JSON patch has no \"target\" mapping"),
            ("target: {kind: Deployment, name: web}", "jp.yaml:1:1: error: the JSON patch has no \"patch\" list of operations"),
            ("target: {name: web}\npatch: []", "jp.yaml:1:9: error: target has no kind"),
            ("target: {kind: Deployment}\npatch: []", "jp.yaml:1:9: error: target has no name"),
            ("target: {kind: Deployment, name: 7}\npatch: []", "jp.yaml:1:34: error: target.name must be a string, not 7"),
            ("target: {kind: Deployment, name: web}\npatch: {op: add}", "jp.yaml:2:8: error: a JSON patch is a list of operations, not a mapping"),
        ])
        func malformed(text: String, headline: String) {
            #expect(diagnostic { _ = try Self.targeted(text) }?.headline == headline)
        }

        @Test("ResourcePatcher applies it to the resource in the named namespace")
        func applied() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {group: apps, kind: Deployment, name: web, namespace: staging}
                patch:
                - {op: replace, path: /spec/replicas, value: 3}
                """)
            try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location)
            F.expect(patcher.resources[0].node, "spec.replicas", "1")
            F.expect(patcher.resources[1].node, "spec.replicas", "3")
        }

        @Test("a JSON patch matching no resource")
        func noResource() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {group: apps, kind: StatefulSet, name: web}
                patch: []
                """)
            let d = diagnostic { try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location) }
            #expect(d?.headline == "jp.yaml:1:1: error: JSON patch matches no resource: StatefulSet/web in group \"apps\"")
            #expect(d?.hint?.contains("Deployment/web (namespace prod) (apps/v1)") == true)
        }

        @Test("a JSON patch without a namespace matching two resources")
        func ambiguous() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {group: apps, kind: Deployment, name: web}
                patch: []
                """)
            let d = diagnostic { try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location) }
            #expect(d?.headline == "jp.yaml:1:1: error: JSON patch for Deployment/web matches 2 resources, in namespaces prod, staging")
        }

        @Test("a JSON patch may not rename its target, and a failed patch changes nothing")
        func rename() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {group: apps, kind: Deployment, name: web, namespace: prod}
                patch:
                - {op: replace, path: /metadata/name, value: api}
                """)
            let d = diagnostic { try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location) }
            #expect(d?.headline == "jp.yaml:1:1: error: the patch changes the identity of Deployment/web (namespace prod) to Deployment/api (namespace prod)")
            F.expect(patcher.resources[0].node, "metadata.name", "web")
            #expect(patcher.resources[0].id.name == "web")
        }

        @Test("a JSON patch may not remove the kind")
        func removeKind() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {apiVersion: v1, kind: ConfigMap, name: settings}
                patch:
                - {op: remove, path: /kind}
                """)
            let d = diagnostic { try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location) }
            #expect(d?.headline == "jp.yaml:1:1: error: the patch leaves ConfigMap/settings (namespace prod) without a valid identity: the resource has no kind")
        }

        @Test("a JSON patch may change the version: the identity does not include it")
        func changeVersion() throws {
            var patcher = try F.patcher(Self.resources)
            let jp = try Self.targeted("""
                target: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: prod}
                patch:
                - {op: replace, path: /apiVersion, value: apps/v2}
                """)
            try patcher.applyJSONPatch(jp.patch, target: jp.target, at: jp.location)
            #expect(patcher.resources[0].id.apiVersion == "apps/v2")
        }
    }
}

// MARK: - RFC 7386 fallback

extension JSONPatchTests {
    @Suite("RFC 7386 JSON merge patch, the fallback for unknown kinds")
    struct MergePatchFallback {
        typealias F = MergeFixture

        static let widget = """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: w
            spec:
              config: {x: 1, y: 2}
              items:
              - {name: a, size: 1}
              - {name: b, size: 2}
            """

        static let widgetPatch = """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: w
            spec:
              config: {y: null, z: 3}
              items:
              - {name: a, size: 10}
              extra:
                $patch: delete
            """

        @Test("maps merge, null deletes, lists replace, $patch is an ordinary key")
        func fallbackSemantics() throws {
            var patcher = try F.patcher(Self.widget)
            try patcher.applyStrategic(try parse(Self.widgetPatch, file: "patch.yaml"))
            let merged = patcher.resources[0].node
            F.expect(merged, "spec.config", "{x: 1, z: 3}")
            F.expect(merged, "spec.items", "[{name: a, size: 10}]")
            F.expect(merged, "spec.extra", "{$patch: delete}")
        }

        @Test("the note is emitted once per kind")
        func noteOncePerKind() throws {
            let gadget = """
                apiVersion: other.example.com/v1
                kind: Gadget
                metadata:
                  name: g
                """
            var patcher = try F.patcher(Self.widget + "\n---\n" + gadget)
            try patcher.applyStrategic(try parse(Self.widgetPatch, file: "first.yaml"))
            try patcher.applyStrategic(try parse(Self.widgetPatch, file: "second.yaml"))
            #expect(patcher.notes.count == 1)
            #expect(patcher.notes.first?.severity == .note)
            #expect(patcher.notes.first?.headline
                == "first.yaml:1:1: note: no merge schema for Widget (example.com); it merges as RFC 7386 JSON merge patch: maps merge, lists are replaced whole")
            #expect(patcher.notes.first?.hint?.contains("group/Kind:path=key") == true)

            try patcher.applyStrategic(try parse(gadget + "\nspec: {a: 1}\n", file: "gadget.yaml"))
            #expect(patcher.notes.count == 2)
            #expect(patcher.notes.last?.headline.hasPrefix("gadget.yaml:1:1: note: no merge schema for Gadget (other.example.com)") == true)
        }

        @Test("a known kind emits no note")
        func noNoteForKnownKinds() throws {
            var patcher = try F.patcher(F.configMap)
            try patcher.applyStrategic(try parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data: {mode: slow}
                """, file: "patch.yaml"))
            #expect(patcher.notes.isEmpty)
        }

        @Test("a root $patch: delete removes an unknown kind too, as in kustomize")
        func rootDeleteUnknownKind() throws {
            var patcher = try F.patcher(Self.widget + "\n---\n" + F.configMap)
            try patcher.applyStrategic(try parse("""
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: w
                $patch: delete
                """, file: "patch.yaml"))
            #expect(patcher.resources.map(\.id.kind) == ["ConfigMap"])
        }

        @Test("a root $patch: replace replaces an unknown kind too")
        func rootReplaceUnknownKind() throws {
            var patcher = try F.patcher(Self.widget)
            try patcher.applyStrategic(try parse("""
                $patch: replace
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: w
                spec: {items: []}
                """, file: "patch.yaml"))
            F.expect(patcher.resources[0].node, "", "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, spec: {items: []}}")
        }

        @Test("JSONMergePatch.apply: nulls are pruned from new values; null list elements stay")
        func pruning() throws {
            let base = try parse("a: {b: 1}\nlist: [1, 2]\ns: text\nn: null\n")
            let patch = try parse("""
                a: {c: {d: null, e: 1}}
                list: [null, {x: null, y: 1}]
                s: {k: null, v: 2}
                n: {m: null, o: 3}
                new: {p: null}
                """)
            let merged = JSONMergePatch.apply(patch, to: base)
            F.expect(merged, "", """
                a: {b: 1, c: {e: 1}}
                list: [null, {y: 1}]
                s: {v: 2}
                n: {o: 3}
                new: {}
                """)
        }

        @Test("JSONMergePatch.apply: a patch that is not a mapping replaces the target")
        func nonMapPatch() throws {
            let merged = JSONMergePatch.apply(try parse("[1, 2]"), to: try parse("a: 1"))
            F.expect(merged, "", "[1, 2]")
            let scalarTarget = JSONMergePatch.apply(try parse("{a: null, b: 1}"), to: try parse("text"))
            F.expect(scalarTarget, "", "{b: 1}")
        }
    }
}
