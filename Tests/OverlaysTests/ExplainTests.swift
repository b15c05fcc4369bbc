import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// `Explanation`: where a rendered field got its value, through layers, parameters and the
/// stack's derived wiring, and the errors that say what exists when a resource or path does not.
@Suite("Explain")
struct ExplainTests {
    typealias Step = Explanation.Step

    // MARK: Helpers

    /// Renders `environment` of a source and explains one field; the render must succeed.
    static func explain(_ s: WeaveSource, _ environment: String, _ resource: String, _ path: String,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Explanation {
        let project = try s.project()
        let outcome = Renderer(project: project).render(named: environment)
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))", sourceLocation: sourceLocation)
        return try Explanation(outcome, resource: try ResourceSelector(parsing: resource), path: try FieldPath(parsing: path),
                               layout: .init(project: project, environment: outcome.environment))
    }

    /// The error explaining a field gives.
    static func failure(_ s: WeaveSource, _ environment: String, _ resource: String, _ path: String,
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Diagnostic {
        let d = diagnostic { _ = try explain(s, environment, resource, path, sourceLocation: sourceLocation) }
        return try #require(d, "explaining \(resource) \(path) did not fail", sourceLocation: sourceLocation)
    }

    /// A step in a few words: `role file:line:col layer value`, the file relative to the source.
    static func describe(_ step: Step, _ s: WeaveSource) -> String {
        let file = step.position.location.file.hasPrefix(s.root + "/")
            ? String(step.position.location.file.dropFirst(s.root.count + 1)) : step.position.location.file
        var text = "\(String(repeating: "  ", count: step.depth))\(step.role.rawValue) \(file):\(step.position.location.line):\(step.position.location.column)"
        text += " \(step.position.layer ?? "-") \(Explanation.brief(step.value))"
        if let p = step.parameter { text += " parameter=\(p)" }
        if let t = step.template { text += " template=\(t.location.file.dropFirst(s.root.count + 1)):\(t.location.line):\(t.location.column)" }
        return text
    }

    static func describe(_ e: Explanation, _ s: WeaveSource) -> [String] { e.chain.map { describe($0, s) } }

    /// The text output with the source's root left out of paths.
    static func text(_ e: Explanation, _ s: WeaveSource) -> String {
        e.text.replacingOccurrences(of: s.root + "/", with: "")
    }

    /// A Deployment in the base and two layers that both patch its replicas.
    ///
    ///     base/web.yaml                 replicas: 1 at 7:13, template's map at 9:5, image at 12:16
    ///     layers/one/patches/web.yaml   replicas: 2 at 7:13, then `oneExtra` from line 8
    ///     layers/two/patches/web.yaml   replicas: 3 at 7:13, paused at 8:11
    static func layered(oneExtra: String = "", environment: String = "layers: [one, two]\n") throws -> WeaveSource {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "parameters:\n  replicas:\n    type: int\n")
        try s.write("base/web.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              replicas: 1
              template:
                spec:
                  containers:
                  - name: app
                    image: app:1

            """)
        let header = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        try s.write("layers/one/patches/web.yaml", header + "spec:\n  replicas: 2\n" + oneExtra)
        try s.write("layers/two/patches/web.yaml", header + "spec:\n  replicas: 3\n  paused: true\n")
        try s.write("environments/test.yaml", environment)
        return s
    }

    /// The line and column (1-based) of the value after the first `key:` in a file's text.
    static func valuePosition(of key: String, in url: URL, after: String? = nil) throws -> (line: Int, column: Int) {
        let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        let start = after.flatMap { a in lines.firstIndex { $0.contains(a) } } ?? 0
        let i = try #require(lines[start...].firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") },
                             "no \(key): in \(url.path)")
        let keyStart = lines[i].range(of: key + ":")!
        var column = lines[i].distance(from: lines[i].startIndex, to: keyStart.upperBound)
        while lines[i][lines[i].index(lines[i].startIndex, offsetBy: column)] == " " { column += 1 }
        return (i + 1, column + 1)
    }

    // MARK: Layers

    @Test("a value set in the base and overridden by two layers names each file and line, newest first")
    func twoLayers() throws {
        let s = try Self.layered()
        let e = try Self.explain(s, "test", "Deployment/web", "spec.replicas")
        #expect(e.value.scalar == .int(3))
        #expect(Self.describe(e, s) == [
            "set layers/two/patches/web.yaml:7:13 two 3",
            "overrode layers/one/patches/web.yaml:7:13 one 2",
            "overrode base/web.yaml:7:13 base 1",
        ])
        #expect(Self.text(e, s) == """
            Deployment/web (namespace shop) spec.replicas in test:

              3

            set by layers/two/patches/web.yaml:7:13 (layer two)
            overrode layers/one/patches/web.yaml:7:13 (layer one): 2
            overrode base/web.yaml:7:13 (base): 1

            """)
    }

    @Test("a mapping lists where each of its keys was set")
    func mappingChildren() throws {
        let s = try Self.layered()
        let e = try Self.explain(s, "test", "deployment/web", "spec")
        #expect(e.children.map(\.key) == ["replicas", "template", "paused"])
        #expect(e.children.map { $0.chain.first.map { Self.describe($0, s) } ?? "" } == [
            "set layers/two/patches/web.yaml:7:13 two 3",
            "set base/web.yaml:9:5 base {spec}",
            "set layers/two/patches/web.yaml:8:11 two true",
        ])
        let text = Self.text(e, s)
        #expect(text.hasPrefix("""
            Deployment/web (namespace shop) spec in test:

              replicas: 3
              template:
                spec:
                  containers:
                  - name: app
                    image: app:1
              paused: true

            set by base/web.yaml:7:3 (base)

            keys:

            """), "\(text)")
        #expect(text.contains("\n  replicas  set by layers/two/patches/web.yaml:7:13 (layer two); overrode layers/one/patches/web.yaml:7:13 (layer one) and 1 earlier\n"), "\(text)")
        #expect(text.contains("\n  template  set by base/web.yaml:9:5 (base)\n"), "\(text)")
        #expect(text.contains("\n  paused    set by layers/two/patches/web.yaml:8:11 (layer two)\n"), "\(text)")
    }

    @Test("a map's line says which other parts of the source set values inside it")
    func mapContents() throws {
        let s = try Self.layered(oneExtra: "  template:\n    spec:\n      containers:\n      - name: app\n        image: app:2\n")
        let e = try Self.explain(s, "test", "Deployment/web", "spec")
        let template = try #require(e.children.first { $0.key == "template" })
        #expect(template.contents == ["layer one"])
        #expect(Self.text(e, s).contains("\n  template  set by base/web.yaml:9:5 (base); contents from layer one\n"))
        // Inside the list, the element is keyed by its name.
        let containers = try Self.explain(s, "test", "Deployment/web", "spec.template.spec.containers")
        #expect(containers.children.map(\.key) == ["[0] name=app"])
        let image = try Self.explain(s, "test", "Deployment/web", "spec.template.spec.containers[name=app].image")
        #expect(Self.describe(image, s) == [
            "set layers/one/patches/web.yaml:12:16 one app:2",
            "overrode base/web.yaml:12:16 base app:1",
        ])
    }

    // MARK: Parameters

    @Test("a parameter names the environment line that set it and the template position it filled")
    func parameter() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let e = try Self.explain(s, "dev", "ConfigMap/settings", "data.bucket")
        #expect(e.value.scalar == .string("weave-dev"))
        #expect(Self.describe(e, s) == [
            "parameter environments/dev.yaml:4:11 environment weave-dev parameter=bucket template=base/d-config.yaml:7:11",
        ])
        #expect(e.chain[0].reason == "parameter bucket")
        #expect(Self.text(e, s).hasSuffix("""

              weave-dev

            parameter bucket, set by environments/dev.yaml:4:11 (environment dev), in the template at base/d-config.yaml:7:11 (base)

            """))
    }

    @Test("a parameter's default is named as the project file's")
    func parameterDefault() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let e = try Self.explain(s, "dev", "WeightsAndBiases/wandb", "spec.values.weave-trace.replicaCount")
        #expect(Self.describe(e, s) == [
            "parameter gitops-weave.yaml:21:14 project 1 parameter=traceReplicas template=base/a-wandb.yaml:13:21",
        ])
        #expect(Self.text(e, s).contains("parameter traceReplicas, set by gitops-weave.yaml:21:14 (project default), in the template at base/a-wandb.yaml:13:21 (base)\n"))
    }

    @Test("an interpolated string names the template position and each parameter written into it")
    func interpolated() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        try s.write("base/d-config.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: clickhouse
            data:
              bucket: ${bucket}
              url: s3://${bucket}/${keeperVersion}/${bucket}

            """)
        let e = try Self.explain(s, "dev", "ConfigMap/settings", "data.url")
        #expect(e.value.scalar == .string("s3://weave-dev/25.10/weave-dev"))
        #expect(Self.describe(e, s) == [
            "set base/d-config.yaml:8:8 base s3://weave-dev/25.10/weave-dev",
            "  parameter environments/dev.yaml:4:11 environment weave-dev parameter=bucket",
            "  parameter gitops-weave.yaml:18:14 project \"25.10\" parameter=keeperVersion",
        ])
        #expect(Self.text(e, s).hasSuffix("""
            set by base/d-config.yaml:8:8 (base), with parameters
              parameter bucket, set by environments/dev.yaml:4:11 (environment dev): weave-dev
              parameter keeperVersion, set by gitops-weave.yaml:18:14 (project default): "25.10"

            """))
        // The rendered value's position is still the template's.
        #expect(e.value.location == s.location("base/d-config.yaml", 8, 8))
    }

    @Test("a parameter in a layer's patch keeps both its template and the value it replaced")
    func parameterInPatch() throws {
        let s = try Self.layered(environment: "layers: [one]\nparameters:\n  replicas: 4\n")
        try s.write("layers/one/patches/web.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              replicas: ${replicas}

            """)
        let e = try Self.explain(s, "test", "Deployment/web", "spec.replicas")
        #expect(e.value.scalar == .int(4))
        #expect(Self.describe(e, s) == [
            "parameter environments/test.yaml:3:13 environment 4 parameter=replicas template=layers/one/patches/web.yaml:7:13",
            "overrode base/web.yaml:7:13 base 1",
        ])
        // Provenance still lists every position, newest first.
        #expect(e.value.provenance == [s.location("environments/test.yaml", 3, 13), s.location("layers/one/patches/web.yaml", 7, 13),
                                       s.location("base/web.yaml", 7, 13)])
        // A later layer overriding the parameter's value says so.
        try s.write("environments/test.yaml", "layers: [one, two]\nparameters:\n  replicas: 4\n")
        let later = try Self.explain(s, "test", "Deployment/web", "spec.replicas")
        #expect(Self.describe(later, s) == [
            "set layers/two/patches/web.yaml:7:13 two 3",
            "parameter environments/test.yaml:3:13 environment 4 parameter=replicas template=layers/one/patches/web.yaml:7:13",
            "overrode base/web.yaml:7:13 base 1",
        ])
        #expect(Self.text(later, s).contains("\noverrode parameter replicas, set by environments/test.yaml:3:13 (environment test), in the template at layers/one/patches/web.yaml:7:13 (layer one): 4\n"))
    }

    // MARK: Derived values

    @Test("zookeeper.nodes names the Keeper's replicasCount and the layer line that set it")
    func derivedKeeperNodes() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let e = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.zookeeper.nodes")
        let reason = "derived from ClickHouseKeeperInstallation/wandb spec.configuration.clusters[0].layout.replicasCount"
        #expect(e.chain.first?.reason == reason)
        #expect(Self.describe(e, s) == [
            "derived layers/keeper-ha/patches/keeper.yaml:12:24 keeper-ha a list of 3",
            "  set layers/keeper-ha/patches/keeper.yaml:12:24 keeper-ha 3",
            "  overrode base/c-keeper.yaml:11:24 base 1",
        ])
        #expect(Self.text(e, s).contains("""

            \(reason)
              set by layers/keeper-ha/patches/keeper.yaml:12:24 (layer keeper-ha): 3
              overrode base/c-keeper.yaml:11:24 (base): 1

            elements:
              [0] host=chk-wandb-keeper-0-0.clickhouse.svc.cluster.local  \(reason), set by layers/keeper-ha/patches/keeper.yaml:12:24 (layer keeper-ha): 3

            """))
        // Each host and port says the same.
        let host = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.zookeeper.nodes[2].host")
        #expect(host.value.scalar == .string("chk-wandb-keeper-0-2.clickhouse.svc.cluster.local"))
        #expect(host.chain.first?.role == .derived && host.chain.first?.reason == reason)
        #expect(Self.describe(host, s).dropFirst() == ["  set layers/keeper-ha/patches/keeper.yaml:12:24 keeper-ha 3", "  overrode base/c-keeper.yaml:11:24 base 1"])
    }

    @Test("W&B's ClickHouse host and replicated name the ClickHouseInstallation fields they come from")
    func derivedWandb() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let host = try Self.explain(s, "prod", "WeightsAndBiases/wandb", "spec.values.global.clickhouse.host")
        #expect(host.chain.first?.reason == "derived from ClickHouseInstallation/wandb metadata.name (namespace clickhouse)")
        #expect(Self.describe(host, s) == [
            // Located where the cluster's name was last set, as before explain existed.
            "derived layers/ha/patches/clickhouse.yaml:10:13 ha clickhouse-wandb.clickhouse.svc.cluster.local",
            // The ha layer's patch names the installation too, so it is the newest to set the name.
            "  set layers/ha/patches/clickhouse.yaml:5:9 ha wandb",
            "  overrode base/b-clickhouse.yaml:4:9 base wandb",
        ])
        let replicated = try Self.explain(s, "prod", "WeightsAndBiases/wandb", "spec.values.global.clickhouse.replicated")
        #expect(replicated.value.scalar == .bool(true))
        #expect(replicated.chain.first?.reason == "derived from ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.replicasCount")
        #expect(Self.describe(replicated, s).dropFirst() == [
            "  set layers/ha/patches/clickhouse.yaml:12:24 ha 3",
            "  overrode base/b-clickhouse.yaml:12:24 base 1",
        ])
        let cluster = try Self.explain(s, "prod", "WeightsAndBiases/wandb", "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER")
        #expect(cluster.chain.first?.reason == "derived from ClickHouseInstallation/wandb spec.configuration.clusters[0].name")
        #expect(Self.describe(cluster, s).dropFirst().first == "  set layers/ha/patches/clickhouse.yaml:10:13 ha weavecluster")
        // The mapping holding them lists each key's source.
        let clickhouse = try Self.explain(s, "prod", "WeightsAndBiases/wandb", "spec.values.global.clickhouse")
        #expect(clickhouse.children.map(\.key) == ["user", "host", "port", "replicated"])
        #expect(clickhouse.children.map { $0.chain.first!.role } == [.set, .derived, .derived, .derived])
        #expect(Self.text(clickhouse, s).contains(
            "\n  replicated  derived from ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.replicasCount, set by layers/ha/patches/clickhouse.yaml:12:24 (layer ha): 3\n"))
    }

    @Test("a derived value whose source is a parameter shows the parameter under it")
    func derivedFromParameter() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        try s.write("gitops-weave.yaml", try String(contentsOf: s.url.appendingPathComponent("gitops-weave.yaml"), encoding: .utf8)
            + "  keeperReplicas:\n    type: int\n    default: 3\n")
        try s.write("layers/keeper-ha/patches/keeper.yaml", try String(contentsOf: s.url.appendingPathComponent("layers/keeper-ha/patches/keeper.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: ${keeperReplicas}"))
        let e = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.zookeeper.nodes")
        #expect(e.value.sequence?.count == 3)
        #expect(Self.describe(e, s).dropFirst() == [
            "  parameter gitops-weave.yaml:24:14 project 3 parameter=keeperReplicas template=layers/keeper-ha/patches/keeper.yaml:12:24",
            "  overrode base/c-keeper.yaml:11:24 base 1",
        ])
    }

    // MARK: Selecting

    @Test("list elements are selected by key or index")
    func listSelection() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let byKey = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[name=weavecluster].layout.replicasCount")
        let byIndex = try Self.explain(s, "prod", "clickhouseinstallation/clickhouse/wandb", "spec.configuration.clusters[0].layout.replicasCount")
        #expect(Self.describe(byKey, s) == ["set layers/ha/patches/clickhouse.yaml:12:24 ha 3", "overrode base/b-clickhouse.yaml:12:24 base 1"])
        #expect(Self.describe(byIndex, s) == Self.describe(byKey, s))
        let clusters = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters")
        #expect(clusters.children.map(\.key) == ["[0] name=weavecluster"])
        #expect(clusters.children[0].contents == ["base", "layer ha"])
    }

    @Test("JSON gives the value as YAML and every step with file, line, column, role, layer and value")
    func json() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let e = try Self.explain(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.zookeeper.nodes[0].port")
        let data = try JSONEncoder().encode(ExplanationReport(e))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(o["value"] as? String == "2181\n")
        let chain = try #require(o["chain"] as? [[String: Any]])
        #expect(chain.map { $0["role"] as? String } == ["derived", "set", "overrode"])
        #expect(chain.map { $0["layer"] as? String } == ["keeper-ha", "keeper-ha", "base"])
        #expect(chain.map { $0["line"] as? Int } == [12, 12, 11])
        #expect(chain.map { $0["value"] as? String } == ["2181\n", "3\n", "1\n"])
        #expect(chain[1]["file"] as? String == s.display("layers/keeper-ha/patches/keeper.yaml"))
        #expect(chain[0]["reason"] as? String == "derived from ClickHouseKeeperInstallation/wandb spec.configuration.clusters[0].layout.replicasCount")
    }

    // MARK: Errors

    @Test("an unknown kind suggests the nearest and lists the kinds")
    func unknownKind() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let d = try Self.failure(s, "dev", "ClickHouseInstalation/wandb", "spec")
        #expect(d.headline == "error: dev has no resource of kind ClickHouseInstalation")
        #expect(d.hint?.hasPrefix("did you mean ClickHouseInstallation? kinds in dev: ") == true)
    }

    @Test("an unknown name lists the resources of that kind")
    func unknownName() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let d = try Self.failure(s, "dev", "Namespace/weave", "metadata")
        #expect(d.headline == "error: dev has no Namespace named weave")
        #expect(d.hint == "Namespace resources there: Namespace/wandb, Namespace/clickhouse")
        let ns = try Self.failure(s, "dev", "ConfigMap/default/settings", "data")
        #expect(ns.headline == "error: dev has no ConfigMap settings in namespace default")
        #expect(ns.hint == "ConfigMap resources there: ConfigMap/clickhouse/settings")
    }

    @Test("a name in two namespaces must be told apart with KIND/NAMESPACE/NAME")
    func ambiguous() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        try s.write("base/g-more.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: wandb\ndata:\n  bucket: other\n")
        let d = try Self.failure(s, "dev", "ConfigMap/settings", "data.bucket")
        #expect(d.headline == "error: ConfigMap/settings names 2 resources in dev")
        #expect(d.hint == "say which: ConfigMap/clickhouse/settings, ConfigMap/wandb/settings")
        let e = try Self.explain(s, "dev", "ConfigMap/wandb/settings", "data.bucket")
        #expect(Self.describe(e, s) == ["set base/g-more.yaml:7:11 base other"])
    }

    @Test("a missing key names the step and lists the keys there")
    func missingKey() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let d = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[0].layout.replicaCount")
        #expect(d.headline == "\(s.at("base/b-clickhouse.yaml", 11, 9)): error: ClickHouseInstallation/wandb (namespace clickhouse): spec.configuration.clusters[0].layout has no key \"replicaCount\"")
        #expect(d.hint == "did you mean \"replicasCount\"? keys of spec.configuration.clusters[0].layout: shardsCount, replicasCount")
        let top = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spek")
        #expect(top.headline.hasSuffix("error: ClickHouseInstallation/wandb (namespace clickhouse): the resource has no key \"spek\""))
        #expect(top.hint == "did you mean \"spec\"? keys of the resource: apiVersion, kind, metadata, spec")
    }

    @Test("a list element that does not exist lists the elements there")
    func missingElement() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let d = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[name=main].layout")
        #expect(d.headline.hasSuffix("error: ClickHouseInstallation/wandb (namespace clickhouse): no element of spec.configuration.clusters has name=main"))
        #expect(d.hint == "elements of spec.configuration.clusters: [name=weavecluster]")
        let index = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[3]")
        #expect(index.headline.hasSuffix("spec.configuration.clusters has 1 element, so there is no [3]"))
        let key = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters.layout")
        #expect(key.headline.hasSuffix("spec.configuration.clusters is a list, so \"layout\" does not apply"))
        #expect(key.hint == "pick an element with [key=value] or [index]; elements of spec.configuration.clusters: [name=weavecluster]")
        let scalar = try Self.failure(s, "prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[0].layout.replicasCount.x")
        #expect(scalar.headline.hasSuffix("spec.configuration.clusters[0].layout.replicasCount is an int (3), so x does not apply"))
    }

    @Test("a malformed resource selector says how to write one")
    func badSelector() throws {
        let d = diagnostic { _ = try ResourceSelector(parsing: "wandb") }
        #expect(d?.headline == "error: cannot read resource \"wandb\"")
        let group = try ResourceSelector(parsing: "ClickHouseInstallation.clickhouse.altinity.com/wandb")
        #expect(group.kind == "ClickHouseInstallation" && group.group == "clickhouse.altinity.com" && group.name == "wandb" && group.namespace == nil)
    }

    // MARK: The bundled project

    @Test("bundled prod-aws: replicasCount names the prod layer and the base; zookeeper.nodes the Keeper's prod patch")
    func bundled() throws {
        let root = Paths.repository
        let project = try Project.load(from: FileSystemSource(root: root.path), stacks: .weave)
        let outcome = Renderer(project: project).render(named: "prod-aws")
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))")
        let layout = Explanation.SourceLayout(project: project, environment: outcome.environment)
        func explain(_ resource: String, _ path: String) throws -> Explanation {
            try Explanation(outcome, resource: try .init(parsing: resource), path: try FieldPath(parsing: path), layout: layout)
        }
        func at(_ file: String, _ p: (line: Int, column: Int)) -> YAMLModel.SourceLocation {
            YAMLModel.SourceLocation(file: root.path + "/" + file, line: p.line, column: p.column)
        }

        let prodCH = "layers/prod/patches/clickhouse.yaml", baseCH = "base/40-clickhouse-server.yaml"
        let replicas = try explain("ClickHouseInstallation/wandb", "spec.configuration.clusters[name=weavecluster].layout.replicasCount")
        #expect(replicas.chain.map(\.role) == [.set, .overrode])
        #expect(replicas.chain.map(\.position.location) == [
            at(prodCH, try Self.valuePosition(of: "replicasCount", in: root.appendingPathComponent(prodCH))),
            at(baseCH, try Self.valuePosition(of: "replicasCount", in: root.appendingPathComponent(baseCH))),
        ])
        #expect(replicas.chain.map(\.position.layer) == ["prod", "base"])

        let prodKeeper = "layers/prod/patches/keeper.yaml"
        let nodes = try explain("ClickHouseInstallation/wandb", "spec.configuration.zookeeper.nodes")
        #expect(nodes.value.sequence?.count == 3)
        #expect(nodes.chain.first?.role == .derived)
        #expect(nodes.chain.first?.reason == "derived from ClickHouseKeeperInstallation/wandb spec.configuration.clusters[0].layout.replicasCount")
        #expect(nodes.chain.dropFirst().first?.position.location
            == at(prodKeeper, try Self.valuePosition(of: "replicasCount", in: root.appendingPathComponent(prodKeeper))))
        #expect(nodes.chain.dropFirst().first?.value.scalar == .int(3))
    }
}
