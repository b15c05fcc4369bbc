import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

// MARK: - Helpers for the render test files (ParameterTests, WiringTests, RenderTests)

/// A gitops-weave source written file by file into a temporary directory, removed at the end
/// of the test. Messages name its files by their full path, `<root>/<path>`.
final class WeaveSource {
    private let scratch: Scratch
    var url: URL { scratch.url }

    /// The minimal Keeper + ClickHouse + W&B stack of `Fixtures/sources/stack`.
    static var stack: URL { Paths.fixtures.appendingPathComponent("sources/stack") }

    /// An empty source, or a copy of `fixture` to change.
    init(copying fixture: URL? = nil) throws {
        scratch = try Scratch(prefix: "gitops-weave-source", copying: fixture)
    }

    var root: String { url.path }

    /// Writes a file, creating its directories.
    func write(_ path: String, _ text: String) throws {
        try scratch.write(path, text)
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(path))
    }

    /// How messages name a file of this source.
    func display(_ path: String) -> String { root + "/" + path }

    /// `<root>/<path>:<line>:<column>`, as a headline starts.
    func at(_ path: String, _ line: Int, _ column: Int) -> String { "\(display(path)):\(line):\(column)" }

    func location(_ path: String, _ line: Int, _ column: Int) -> YAMLModel.SourceLocation {
        YAMLModel.SourceLocation(file: display(path), line: line, column: column)
    }

    func project() throws -> Project { try Project.load(from: FileSystemSource(root: root), stacks: .weave) }

    /// Renders one environment with a fresh project and renderer (so edits are seen).
    func render(_ environment: String) throws -> Renderer.Outcome {
        Renderer(project: try project()).render(named: environment)
    }
}

/// Reading outcomes and rendered trees.
enum RenderCheck {
    static func headlines(_ outcome: Renderer.Outcome, _ severity: Diagnostic.Severity = .error) -> [String] {
        outcome.diagnostics.filter { $0.severity == severity }.map(\.headline)
    }

    /// The one resource of a kind in an outcome.
    static func resource(_ resources: [Resource], _ kind: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Node {
        let matching = resources.filter { $0.id.kind == kind }
        try #require(matching.count == 1, "expected one \(kind), found \(matching.count)", sourceLocation: sourceLocation)
        return matching[0].node
    }

    /// Follows a dotted path, where a step may name a key holding dots in brackets:
    /// `metadata.annotations.[argocd.argoproj.io/sync-wave]`; integer steps index lists.
    static func value(_ node: Node, _ path: String) -> Node? {
        var steps: [String] = []
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                steps.append(String(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: ".") ?? rest.endIndex
                steps.append(String(rest[..<end]))
                rest = rest[end...]
            }
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
        }
        var current: Node? = node
        for step in steps {
            guard let c = current else { return nil }
            if let items = c.sequence, let i = Int(step) {
                current = i < items.count ? items[i] : nil
            } else {
                current = c[step]
            }
        }
        return current
    }

    /// Expects the value at `path` to equal the YAML `expected`, type included.
    static func expect(_ node: Node, _ path: String, _ expected: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let want = try! YAMLParser().parseDocument(expected, file: "expected.yaml")
        guard let got = value(node, path) else {
            Issue.record("\(path) is missing; expected \(expected)\n--- document:\n\(YAMLEmitter().emit(node))", sourceLocation: sourceLocation)
            return
        }
        #expect(got == want, "\(path): got\n\(YAMLEmitter().emit(got))expected\n\(expected)", sourceLocation: sourceLocation)
    }

    static func expectMissing(_ node: Node, _ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if let got = value(node, path) {
            Issue.record("\(path) should be absent, found \(YAMLEmitter().emit(got))", sourceLocation: sourceLocation)
        }
    }

    /// A copy of a tree without the value at a path of mapping keys.
    static func removing(_ path: [String], from node: Node) -> Node {
        guard let key = path.first, var map = node.mapping else { return node }
        if path.count == 1 {
            map.remove(key)
        } else if let child = map[key] {
            if let items = child.sequence, path.count > 1, let i = Int(path[1]) {
                var copy = items
                if i < copy.count { copy[i] = removing(Array(path.dropFirst(2)), from: copy[i]) }
                var c = child
                c.value = .sequence(copy)
                map.set(key, c)
            } else {
                map.set(key, removing(Array(path.dropFirst()), from: child))
            }
        }
        var out = node
        out.value = .mapping(map)
        return out
    }

    /// The names of a directory's entries, hidden ones included, sorted.
    static func entries(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    static func read(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }
}

// MARK: - RenderedEnvironment and OutputDirectory

@Suite("Rendered environments and their output directories")
struct RenderTests {
    typealias C = RenderCheck

    static let provenance = RenderedEnvironment.Provenance(sourceRevision: "0123abcd", sourceDirty: false)

    static func renderStack(_ name: String, target: SyncTarget? = nil) throws -> RenderedEnvironment {
        var project = try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave)
        if let target { project.target = target }
        let outcome = Renderer(project: project).render(named: name)
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))")
        return RenderedEnvironment(outcome, stacks: project.stacks, provenance: provenance)
    }

    /// The resource files of the stack's dev environment, in the order they are written.
    static let devFiles = [
        "namespace_wandb.yaml",
        "namespace_clickhouse.yaml",
        "application.argoproj.io_argocd_clickhouse-operator.yaml",
        "configmap_clickhouse_settings.yaml",
        "serviceaccount_clickhouse_clickhouse.yaml",
        "clickhousekeeperinstallation.clickhouse-keeper.altinity.com_clickhouse_wandb.yaml",
        "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml",
        "weightsandbiases.apps.wandb.com_wandb_wandb.yaml",
    ]

    @Test("file names are <kind>[.<group>]_<namespace>_<name>.yaml, without a namespace when cluster-scoped")
    func fileNames() {
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "wandb"))
                == "namespace_wandb.yaml")
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "v1", kind: "ConfigMap", namespace: "clickhouse", name: "settings"))
                == "configmap_clickhouse_settings.yaml")
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "apps/v1", kind: "Deployment", namespace: "prod", name: "web"))
                == "deployment.apps_prod_web.yaml")
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
                                                             namespace: nil, name: "system:reader"))
                == "clusterrole.rbac.authorization.k8s.io_system-reader.yaml")
    }

    @Test("resources are ordered by sync wave, then in source order; kustomization.yaml and render-info.txt follow")
    func order() throws {
        let env = try Self.renderStack("dev")
        #expect(env.name == "dev")
        #expect(env.files.map(\.path) == Self.devFiles + ["kustomization.yaml", "render-info.txt"])
        #expect(env.resources.map { RenderedEnvironment.fileName(for: $0.id) } == Self.devFiles)
        // Each file is its resource, emitted.
        for (file, resource) in zip(env.files, env.resources) {
            #expect(file.contents == YAMLEmitter().emit(resource.node))
        }
        #expect(env.files[0].contents.hasPrefix("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: wandb\n"))
    }

    @Test("sync waves: Namespace, Application, other, Keeper, ClickHouse, W&B")
    func waves() {
        func wave(_ apiVersion: String, _ kind: String) -> Int {
            SyncWave(stacks: [WeaveStack()]).of(ResourceID(apiVersion: apiVersion, kind: kind, namespace: nil, name: "x"))
        }
        let order = [wave("v1", "Namespace"), wave("argoproj.io/v1alpha1", "Application"), wave("v1", "ConfigMap"),
                     wave("clickhouse-keeper.altinity.com/v1", "ClickHouseKeeperInstallation"),
                     wave("clickhouse.altinity.com/v1", "ClickHouseInstallation"), wave("apps.wandb.com/v1", "WeightsAndBiases")]
        #expect(order == order.sorted())
        #expect(Set(order).count == order.count)
    }

    @Test("argocd gets sync-wave annotations, as strings")
    func syncWaveAnnotations() throws {
        let env = try Self.renderStack("dev")
        let annotation = "metadata.annotations.[argocd.argoproj.io/sync-wave]"
        let waves = env.resources.map { C.value($0.node, annotation)?.scalar }
        #expect(waves == ["-2", "-2", "-1", "0", "0", "1", "2", "3"].map { Scalar.string($0) })
        #expect(env.files[0].contents.contains("    argocd.argoproj.io/sync-wave: \"-2\"\n"))
        #expect(env.files[7].contents.contains("    argocd.argoproj.io/sync-wave: \"3\"\n"))
    }

    @Test("a sync wave written in the source is kept")
    func writtenSyncWave() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("layers/extras/resources/serviceaccount.yaml", """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: clickhouse
              namespace: clickhouse
              annotations:
                argocd.argoproj.io/sync-wave: "5"

            """)
        let outcome = try source.render("dev")
        let env = RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: Self.provenance)
        let sa = try C.resource(env.resources, "ServiceAccount")
        C.expect(sa, "metadata.annotations.[argocd.argoproj.io/sync-wave]", "\"5\"")
    }

    @Test("flux: no sync-wave annotations; namespaces and charts in prerequisites/ with a kustomization of their own")
    func fluxHasNoWaves() throws {
        let env = try Self.renderStack("dev", target: .flux)
        #expect(env.files.map(\.path) == [
            "prerequisites/namespace_wandb.yaml",
            "prerequisites/namespace_clickhouse.yaml",
            "prerequisites/helmrepository.source.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml",
            "prerequisites/helmrelease.helm.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml",
        ] + Self.devFiles.dropFirst(3) + ["prerequisites/kustomization.yaml", "kustomization.yaml", "render-info.txt"])
        for r in env.resources {
            C.expectMissing(r.node, "metadata.annotations.[argocd.argoproj.io/sync-wave]")
        }
        #expect(!env.files.contains { $0.contents.contains("sync-wave") })
        #expect(env.paths[env.resources[0].id] == "prerequisites/namespace_wandb.yaml")
        let first = try #require(env.files.first { $0.path == "prerequisites/kustomization.yaml" }).contents
        #expect(first.hasSuffix("resources:\n- namespace_wandb.yaml\n- namespace_clickhouse.yaml\n"
            + "- helmrepository.source.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml\n- helmrelease.helm.toolkit.fluxcd.io_clickhouse_clickhouse-operator.yaml\n"), "\(first)")
        let rest = try #require(env.files.first { $0.path == "kustomization.yaml" }).contents
        #expect(!rest.contains("prerequisites/") || rest.contains("# Applied once prerequisites/ is ready"), "\(rest)")
        #expect(rest.hasSuffix("resources:\n" + Self.devFiles.dropFirst(3).map { "- \($0)\n" }.joined()), "\(rest)")
    }

    @Test("the project file's output.target: flux is read")
    func fluxTarget() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        let text = try C.read(source.url.appendingPathComponent("gitops-weave.yaml"))
        try source.write("gitops-weave.yaml", text.replacingOccurrences(of: "target: argocd", with: "target: flux"))
        #expect(try source.project().target == .flux)
    }

    @Test("kustomization.yaml lists exactly the resource files")
    func kustomization() throws {
        let env = try Self.renderStack("dev")
        let file = try #require(env.files.first { $0.path == "kustomization.yaml" })
        let doc = try YAMLParser().parseDocument(file.contents, file: "kustomization.yaml")
        C.expect(doc, "apiVersion", "kustomize.config.k8s.io/v1beta1")
        C.expect(doc, "kind", "Kustomization")
        let listed = try #require(doc["resources"]?.sequence).compactMap(\.stringValue)
        #expect(listed == Self.devFiles)
        #expect(Set(doc.mapping?.keys ?? []) == ["apiVersion", "kind", "resources"])
    }

    @Test("render-info.txt records environment, revision, layers, parameters and tool version")
    func metadata() throws {
        let env = try Self.renderStack("dev")
        let file = try #require(env.files.first { $0.path == "render-info.txt" })
        #expect(file.contents == """
            # gitops-weave render metadata; not a Kubernetes manifest.
            environment: dev
            source-revision: 0123abcd
            layers: base, extras
            parameters:
              bucket: "weave-dev"
              wandbHost: "https://dev.wandb.example.com"
              keeperVersion: "25.10"
              traceReplicas: 1
            external:
              namespace argocd: "Argo CD's own namespace; its installation creates it"
            resources: 8
            tool: gitops-weave \(GitopsWeaveVersion.current)

            """)
    }

    @Test("render-info.txt without a git revision, and with uncommitted changes")
    func metadataRevision() throws {
        var project = try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave)
        project.target = .argocd
        let outcome = Renderer(project: project).render(named: "prod")
        let none = RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: .init(sourceRevision: nil, sourceDirty: false))
        let info = try #require(none.files.last).contents
        #expect(info.contains("\nsource-revision: unknown (not a git repository)\n"))
        #expect(info.contains("\nlayers: base, extras, keeper-ha, ha\n"))
        #expect(info.contains("\n  traceReplicas: 3\n"))
        let dirty = RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: .init(sourceRevision: "feed", sourceDirty: true))
        #expect(try #require(dirty.files.last).contents.contains("\nsource-revision: feed (with uncommitted changes)\n"))
    }

    @Test("rendering twice gives identical files")
    func deterministic() throws {
        for name in ["dev", "prod"] {
            let a = try Self.renderStack(name)
            let b = try Self.renderStack(name)
            #expect(a.files == b.files)
        }
        // One renderer (with its parse cache) rendering both environments twice.
        let project = try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave)
        let renderer = Renderer(project: project)
        let first = ["dev", "prod", "dev", "prod"].map {
            RenderedEnvironment(renderer.render(named: $0), stacks: [WeaveStack()], provenance: Self.provenance).files
        }
        #expect(first[0] == first[2])
        #expect(first[1] == first[3])
    }

    // MARK: OutputDirectory

    /// A scratch output directory, not yet made.
    final class Out {
        let scratch = try! Scratch(prefix: "gitops-weave-out")
        var url: URL { scratch.url.appendingPathComponent("out") }
    }

    @Test("writes <out>/<env>/ with exactly the rendered files")
    func writes() throws {
        let out = Out()
        let env = try Self.renderStack("dev")
        try OutputDirectory(out.url.path).write(env)
        #expect(try C.entries(out.url) == ["dev"])
        let dir = out.url.appendingPathComponent("dev")
        #expect(try C.entries(dir) == env.files.map(\.path).sorted())
        for file in env.files {
            #expect(try C.read(dir.appendingPathComponent(file.path)) == file.contents)
        }
    }

    @Test("re-rendering after a resource is removed deletes its file")
    func removedResource() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        let out = Out()
        let output = OutputDirectory(out.url.path)
        try output.write(RenderedEnvironment(try source.render("dev"), stacks: [WeaveStack()], provenance: Self.provenance))
        let sa = out.url.appendingPathComponent("dev/serviceaccount_clickhouse_clickhouse.yaml")
        #expect(FileManager.default.fileExists(atPath: sa.path))

        try source.remove("layers/extras/resources/serviceaccount.yaml")
        let outcome = try source.render("dev")
        #expect(!outcome.failed)
        try output.write(RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: Self.provenance))
        #expect(!FileManager.default.fileExists(atPath: sa.path))
        let files = try C.entries(out.url.appendingPathComponent("dev"))
        #expect(files == (Self.devFiles.filter { !$0.hasPrefix("serviceaccount") } + ["kustomization.yaml", "render-info.txt"]).sorted())
        let kustomization = try C.read(out.url.appendingPathComponent("dev/kustomization.yaml"))
        #expect(!kustomization.contains("serviceaccount"))
    }

    @Test("an existing directory is replaced: no stale files survive, other environments are untouched")
    func replacesDirectory() throws {
        let out = Out()
        let fm = FileManager.default
        let dev = out.url.appendingPathComponent("dev")
        try fm.createDirectory(at: dev.appendingPathComponent("nested"), withIntermediateDirectories: true)
        try "stale".write(to: dev.appendingPathComponent("stale.yaml"), atomically: true, encoding: .utf8)
        try "stale".write(to: dev.appendingPathComponent("nested/old.yaml"), atomically: true, encoding: .utf8)
        try "old".write(to: dev.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        let other = out.url.appendingPathComponent("other")
        try fm.createDirectory(at: other, withIntermediateDirectories: true)
        try "keep".write(to: other.appendingPathComponent("keep.yaml"), atomically: true, encoding: .utf8)

        let env = try Self.renderStack("dev")
        try OutputDirectory(out.url.path).write(env)
        #expect(try C.entries(dev) == env.files.map(\.path).sorted())
        #expect(try C.read(dev.appendingPathComponent("kustomization.yaml")) != "old")
        #expect(try C.read(other.appendingPathComponent("keep.yaml")) == "keep")
    }

    @Test("no staging or set-aside directories are left behind")
    func noLeftovers() throws {
        let out = Out()
        let output = OutputDirectory(out.url.path)
        let dev = try Self.renderStack("dev")
        let prod = try Self.renderStack("prod")
        for _ in 0..<3 {
            try output.write(dev)
            try output.write(prod)
        }
        #expect(try C.entries(out.url) == ["dev", "prod"])
    }

    @Test("the output root is created when missing")
    func createsRoot() throws {
        let out = Out()
        let nested = out.url.appendingPathComponent("a/b")
        try OutputDirectory(nested.path).write(try Self.renderStack("dev"))
        #expect(try C.entries(nested) == ["dev"])
    }

    // MARK: Errors of the source's structure

    @Test("a layer that does not exist: error at the environment's layers entry, with a close name")
    func missingLayer() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("environments/dev.yaml", """
            description: misspelt layer
            layers: [extras, keeper-hs]
            parameters:
              bucket: b
              wandbHost: h

            """)
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == ["\(source.at("environments/dev.yaml", 2, 18)): error: layer \"keeper-hs\" does not exist"])
        #expect(outcome.diagnostics.first?.hint == "did you mean \"keeper-ha\"? layers are directories under \(source.display("layers"))/")
        #expect(outcome.resources.isEmpty)
    }

    @Test("a layer that does not exist and has no close name lists the layers")
    func missingLayerNoCloseName() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("environments/dev.yaml", "layers:\n- observability\nparameters: {bucket: b, wandbHost: h}\n")
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == ["\(source.at("environments/dev.yaml", 2, 3)): error: layer \"observability\" does not exist"])
        #expect(outcome.diagnostics.first?.hint == "layers are directories under \(source.display("layers"))/; there are: extras, ha, keeper-ha")
    }

    @Test("a patch that matches no resource")
    func patchWithoutTarget() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("layers/extras/patches/web.yaml", """
            # a patch for a resource nobody defined
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: wandb
            spec:
              replicas: 2

            """)
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == [
            "\(source.at("layers/extras/patches/web.yaml", 2, 1)): error: patch matches no resource: Deployment/web (namespace wandb) in group \"apps\"",
        ])
    }

    @Test("a JSON patch that matches no resource")
    func jsonPatchWithoutTarget() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("layers/extras/json-patches/config.yaml", """
            target: {apiVersion: v1, kind: ConfigMap, name: setings, namespace: clickhouse}
            patch:
            - {op: add, path: /data/tier, value: extra}

            """)
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == [
            "\(source.at("layers/extras/json-patches/config.yaml", 1, 1)): error: JSON patch matches no resource: ConfigMap/setings (namespace clickhouse) in the core API group",
        ])
    }

    @Test("a layer resource that the base defines already: defined twice, first at the base's")
    func duplicateResource() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("layers/extras/resources/config.yaml", """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: reader
              namespace: clickhouse
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: clickhouse
            data:
              bucket: other

            """)
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == [
            "\(source.at("layers/extras/resources/config.yaml", 7, 1)): error: ConfigMap/settings (namespace clickhouse) is defined twice; first at \(source.at("base/d-config.yaml", 1, 1))",
        ])
    }

    @Test("two base files defining the same resource")
    func duplicateInBase() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("base/g-more.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: clickhouse\n")
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == [
            "\(source.at("base/g-more.yaml", 1, 1)): error: Namespace/clickhouse is defined twice; first at \(source.at("base/e-namespaces.yaml", 6, 1))",
        ])
    }

    @Test("a file in a layer outside resources/, patches/ and json-patches/")
    func strayLayerFile() throws {
        let source = try WeaveSource(copying: WeaveSource.stack)
        try source.write("layers/extras/patch.yaml", "a: 1\n")
        let outcome = try source.render("dev")
        #expect(C.headlines(outcome) == ["\(source.at("layers/extras/patch.yaml", 1, 1)): error: patch.yaml is not part of a layer's layout"])
    }

    @Test("an environment that does not exist names the known ones")
    func unknownEnvironment() throws {
        let outcome = Renderer(project: try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave)).render(named: "staging")
        #expect(C.headlines(outcome) == ["error: no environment named \"staging\""])
        #expect(outcome.diagnostics.first?.hint == "environments are files in \(WeaveSource.stack.path)/environments/; known: dev, prod")
    }

    @Test("the stack's environments are listed in name order")
    func environmentNames() throws {
        #expect(try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave).environmentNames() == ["dev", "prod"])
    }
}
