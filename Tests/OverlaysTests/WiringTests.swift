import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// The stack's derived wiring, through the renderer on the `Fixtures/sources/stack` source:
/// Keeper nodes of the ClickHouseInstallation and the ClickHouse values of WeightsAndBiases,
/// filled in when absent and checked when written.
@Suite("Derived wiring")
struct WiringTests {
    typealias C = RenderCheck

    static let chiFile = "clickhouseinstallation.clickhouse.altinity.com_clickhouse_wandb.yaml"
    static let chkFile = "clickhousekeeperinstallation.clickhouse-keeper.altinity.com_clickhouse_wandb.yaml"

    static func host(_ i: Int) -> String { "chk-wandb-keeper-0-\(i).clickhouse.svc.cluster.local" }

    /// An environment of the (unchanged) stack, given inline.
    static func inline(_ layers: [String]) throws -> Environment {
        let text = "layers: [\(layers.joined(separator: ", "))]\nparameters: {bucket: b, wandbHost: h}\n"
        return try Environment(name: "inline", file: "inline.yaml", documents: try YAMLParser().parseStream(text, file: "inline.yaml"), stacks: [WeaveStack()], catalog: .weave)
    }

    static func renderStack(_ layers: [String]) throws -> Renderer.Outcome {
        let renderer = Renderer(project: try Project.load(from: FileSystemSource(root: WeaveSource.stack.path), stacks: .weave))
        let outcome = renderer.render(try inline(layers))
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))")
        return outcome
    }

    /// A copy of the stack with a `pinned` layer holding `files` (paths under the layer),
    /// rendered as environment `test` with `layers`.
    static func renderPinned(_ layers: [String], _ files: [String: String]) throws -> (WeaveSource, Renderer.Outcome) {
        let s = try WeaveSource(copying: WeaveSource.stack)
        for (path, text) in files { try s.write("layers/pinned/" + path, text) }
        try s.write("environments/test.yaml", "layers: [\(layers.joined(separator: ", "))]\nparameters: {bucket: b, wandbHost: h}\n")
        return (s, try s.render("test"))
    }

    /// Lines 1-6 of a ClickHouseInstallation patch; the test's lines start at 7.
    static let chiPatch = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: wandb
          namespace: clickhouse
        spec:

        """

    /// A patch writing `zookeeper.nodes`; the first node's host is at 10:15, its port at 11:15,
    /// the list at 10:7.
    static func nodesPatch(_ nodes: [(host: String, port: String)]) -> String {
        chiPatch + "  configuration:\n    zookeeper:\n      nodes:\n"
            + nodes.map { "      - host: \($0.host)\n        port: \($0.port)\n" }.joined()
    }

    /// Lines 1-8 of a WeightsAndBiases patch; `global.clickhouse` values start at line 10 and
    /// `weave-trace.extraEnv` values at the line after them plus two.
    static func wandbPatch(clickhouse: [String] = [], extraEnv: [String] = []) -> String {
        var text = """
            apiVersion: apps.wandb.com/v1
            kind: WeightsAndBiases
            metadata:
              name: wandb
              namespace: wandb
            spec:
              values:
                global:
                  clickhouse:

            """
        text += clickhouse.map { "        \($0)\n" }.joined()
        if !extraEnv.isEmpty {
            text += "    weave-trace:\n      extraEnv:\n" + extraEnv.map { "        \($0)\n" }.joined()
        }
        return text
    }

    // MARK: Keeper nodes

    @Test("absent zookeeper.nodes are filled in, one per Keeper replica, on port 2181")
    func derivedNodes() throws {
        let chi = try C.resource(try Self.renderStack(["extras"]).resources, "ClickHouseInstallation")
        C.expect(chi, "spec.configuration.zookeeper.nodes", "[{host: \(Self.host(0)), port: 2181}]")
        // Derived values point at the replica count they come from.
        let node = try #require(C.value(chi, "spec.configuration.zookeeper.nodes.0.host"))
        #expect(node.location == YAMLModel.SourceLocation(file: WeaveSource.stack.path + "/base/c-keeper.yaml", line: 11, column: 24))
    }

    @Test("three Keeper replicas give three nodes, in replica order")
    func threeNodes() throws {
        let chi = try C.resource(try Self.renderStack(["keeper-ha"]).resources, "ClickHouseInstallation")
        C.expect(chi, "spec.configuration.zookeeper.nodes", """
            - {host: chk-wandb-keeper-0-0.clickhouse.svc.cluster.local, port: 2181}
            - {host: chk-wandb-keeper-0-1.clickhouse.svc.cluster.local, port: 2181}
            - {host: chk-wandb-keeper-0-2.clickhouse.svc.cluster.local, port: 2181}
            """)
    }

    @Test("hosts are chk-<name>-<cluster>-0-<i>.<keeper namespace>.svc.cluster.local")
    func hostNames() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        try s.write("base/c-keeper.yaml", """
            apiVersion: clickhouse-keeper.altinity.com/v1
            kind: ClickHouseKeeperInstallation
            metadata:
              name: coord
              namespace: zk
            spec:
              configuration:
                clusters:
                - name: ensemble
                  layout:
                    replicasCount: 3
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: zk

            """)
        let outcome = try s.render("dev")
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        C.expect(try C.resource(outcome.resources, "ClickHouseInstallation"), "spec.configuration.zookeeper.nodes", """
            - {host: chk-coord-ensemble-0-0.zk.svc.cluster.local, port: 2181}
            - {host: chk-coord-ensemble-0-1.zk.svc.cluster.local, port: 2181}
            - {host: chk-coord-ensemble-0-2.zk.svc.cluster.local, port: 2181}
            """)
    }

    @Test("changing the Keeper replicasCount in one layer patch (1 -> 3) changes the node list and nothing else")
    func oneLayerChange() throws {
        let one = try Self.renderStack(["extras"])
        let three = try Self.renderStack(["extras", "keeper-ha"])
        #expect(one.resources.map(\.id) == three.resources.map(\.id))

        let nodes = "spec.configuration.zookeeper.nodes"
        #expect(C.value(try C.resource(one.resources, "ClickHouseInstallation"), nodes)?.sequence?.count == 1)
        C.expect(try C.resource(three.resources, "ClickHouseInstallation"), nodes,
                 "[{host: \(Self.host(0)), port: 2181}, {host: \(Self.host(1)), port: 2181}, {host: \(Self.host(2)), port: 2181}]")
        C.expect(try C.resource(three.resources, "ClickHouseKeeperInstallation"), "spec.configuration.clusters.0.layout.replicasCount", "3")

        for (a, b) in zip(one.resources, three.resources) {
            switch a.id.kind {
            case "ClickHouseInstallation":
                let path = ["spec", "configuration", "zookeeper"]
                #expect(C.removing(path, from: a.node) == C.removing(path, from: b.node))
            case "ClickHouseKeeperInstallation":
                let path = ["spec", "configuration", "clusters", "0", "layout", "replicasCount"]
                #expect(C.removing(path, from: a.node) == C.removing(path, from: b.node))
                #expect(a.node != b.node)
            default:
                #expect(a.node == b.node, "\(a.id) changed")
            }
        }

        // In the rendered files: the two installations and the metadata (its layers) differ.
        let provenance = RenderedEnvironment.Provenance(sourceRevision: "x", sourceDirty: false)
        let filesOne = RenderedEnvironment(one, stacks: [WeaveStack()], provenance: provenance).files
        let filesThree = RenderedEnvironment(three, stacks: [WeaveStack()], provenance: provenance).files
        #expect(filesOne.map(\.path) == filesThree.map(\.path))
        #expect(zip(filesOne, filesThree).filter { $0 != $1 }.map(\.0.path) == [Self.chkFile, Self.chiFile, "render-info.txt"])
        let chi = try #require(filesThree.first { $0.path == Self.chiFile }).contents
        #expect(chi.contains("""
                zookeeper:
                  nodes:
                  - host: chk-wandb-keeper-0-0.clickhouse.svc.cluster.local
                    port: 2181
                  - host: chk-wandb-keeper-0-1.clickhouse.svc.cluster.local
                    port: 2181
                  - host: chk-wandb-keeper-0-2.clickhouse.svc.cluster.local
                    port: 2181

            """))
    }

    @Test("written zookeeper.nodes that agree are kept, without errors")
    func agreeingNodes() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "keeper-ha", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            (Self.host(2), "2181"), (Self.host(0), "2181"), (Self.host(1), "2181"),
        ])])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        let chi = try C.resource(outcome.resources, "ClickHouseInstallation")
        C.expect(chi, "spec.configuration.zookeeper.nodes",
                 "[{host: \(Self.host(2)), port: 2181}, {host: \(Self.host(0)), port: 2181}, {host: \(Self.host(1)), port: 2181}]")
        #expect(C.value(chi, "spec.configuration.zookeeper.nodes.0.host")?.location == s.location("layers/pinned/patches/clickhouse.yaml", 10, 15))
    }

    @Test("a written Keeper host that disagrees: error at the written host")
    func wrongHost() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            ("keeper.clickhouse.svc.cluster.local", "2181"),
        ])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/clickhouse.yaml", 10, 15)): error: Keeper host \"keeper.clickhouse.svc.cluster.local\" matches no replica of ClickHouseKeeperInstallation/wandb (cluster keeper, 1 replica at \(s.at("base/c-keeper.yaml", 11, 24))) [keeper-nodes]",
        ])
        #expect(outcome.diagnostics.first?.hint == "remove zookeeper.nodes and gitops-weave derives them; the hosts are \(Self.host(0))")
        #expect(outcome.failed)
    }

    @Test("written zookeeper.nodes with the wrong count: error at the list")
    func wrongCount() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "keeper-ha", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            (Self.host(0), "2181"),
        ])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/clickhouse.yaml", 10, 7)): error: zookeeper.nodes lists 1 Keeper node, but ClickHouseKeeperInstallation/wandb (cluster keeper, 3 replicas at \(s.at("layers/keeper-ha/patches/keeper.yaml", 12, 24))) has 3 [keeper-nodes]",
        ])
        #expect(outcome.diagnostics.first?.hint == "remove zookeeper.nodes and gitops-weave derives them from the Keeper installation")
    }

    @Test("a written Keeper host listed twice: error at the second, naming the first")
    func duplicateNode() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "keeper-ha", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            (Self.host(0), "2181"), (Self.host(1), "2181"), (Self.host(1), "2181"),
        ])])
        let patch = "layers/pinned/patches/clickhouse.yaml"
        #expect(C.headlines(outcome) == [
            "\(s.at(patch, 14, 15)): error: Keeper host \"\(Self.host(1))\" is listed twice in zookeeper.nodes; first at \(s.at(patch, 12, 15)) [keeper-nodes]",
        ])
    }

    @Test("a written Keeper port that is not 2181: error at the port")
    func wrongPort() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            (Self.host(0), "2182"),
        ])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/clickhouse.yaml", 11, 15)): error: Keeper port is 2182, but Keeper listens on 2181 [keeper-nodes]",
        ])
        #expect(outcome.diagnostics.first?.hint == "write port: 2181 (an integer), or remove zookeeper.nodes to have it derived")
    }

    @Test("a written Keeper port as a string is an error")
    func stringPort() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/clickhouse.yaml": Self.nodesPatch([
            (Self.host(0), "\"2181\""),
        ])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/clickhouse.yaml", 11, 15)): error: Keeper port is \"2181\", but Keeper listens on 2181 [keeper-nodes]",
        ])
    }

    @Test("without a Keeper installation, zookeeper.nodes are not derived; W&B is still wired")
    func noKeeper() throws {
        let s = try WeaveSource(copying: WeaveSource.stack)
        try s.remove("base/c-keeper.yaml")
        let outcome = try s.render("dev")
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        C.expectMissing(try C.resource(outcome.resources, "ClickHouseInstallation"), "spec.configuration.zookeeper")
        C.expect(try C.resource(outcome.resources, "WeightsAndBiases"), "spec.values.global.clickhouse.port", "8123")
    }

    @Test("a replicasCount that is not a positive integer is an error at it")
    func badReplicasCount() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/clickhouse.yaml": Self.chiPatch + """
              configuration:
                clusters:
                - name: weavecluster
                  layout:
                    replicasCount: "3"

            """])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/clickhouse.yaml", 11, 24)): error: replicasCount must be a positive integer, not \"3\"",
        ])
    }

    @Test("two Keeper installations are an error")
    func twoKeepers() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["resources/keeper.yaml": """
            apiVersion: clickhouse-keeper.altinity.com/v1
            kind: ClickHouseKeeperInstallation
            metadata:
              name: second
              namespace: clickhouse
            spec:
              configuration:
                clusters:
                - name: keeper

            """])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/resources/keeper.yaml", 1, 1)): error: the environment has 2 Keeper and 1 ClickHouse installations; wiring needs at most one of each",
        ])
    }

    // MARK: WeightsAndBiases

    @Test("W&B values with one ClickHouse replica: host, port 8123, replicated false, no cluster name")
    func wandbSingle() throws {
        let outcome = try Self.renderStack(["extras", "keeper-ha"])
        let w = try C.resource(outcome.resources, "WeightsAndBiases")
        C.expect(w, "spec.values.global.clickhouse", """
            user: weave
            host: clickhouse-wandb.clickhouse.svc.cluster.local
            port: 8123
            replicated: false
            """)
        C.expect(w, "spec.values.weave-trace.extraEnv", "{WF_CLICKHOUSE_REPLICATED: \"false\"}")
        C.expectMissing(w, "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER")
        // What the source wrote stays.
        C.expect(w, "spec.values.global.host", "h")
        C.expect(w, "spec.values.weave-trace.replicaCount", "1")
        // Derived values point at the ClickHouseInstallation.
        let chi = WeaveSource.stack.path + "/base/b-clickhouse.yaml"
        #expect(C.value(w, "spec.values.global.clickhouse.host")?.location == YAMLModel.SourceLocation(file: chi, line: 9, column: 13))
        #expect(C.value(w, "spec.values.global.clickhouse.replicated")?.location == YAMLModel.SourceLocation(file: chi, line: 12, column: 24))
    }

    @Test("W&B values with three ClickHouse replicas: replicated true and the cluster name")
    func wandbReplicated() throws {
        let outcome = try Self.renderStack(["extras", "ha"])
        let w = try C.resource(outcome.resources, "WeightsAndBiases")
        C.expect(w, "spec.values.global.clickhouse", """
            user: weave
            host: clickhouse-wandb.clickhouse.svc.cluster.local
            port: 8123
            replicated: true
            """)
        C.expect(w, "spec.values.weave-trace.extraEnv", "{WF_CLICKHOUSE_REPLICATED: \"true\", WF_CLICKHOUSE_REPLICATED_CLUSTER: weavecluster}")
    }

    @Test("the derived env values are written as strings")
    func wandbStringsInOutput() throws {
        let provenance = RenderedEnvironment.Provenance(sourceRevision: "x", sourceDirty: false)
        let single = RenderedEnvironment(try Self.renderStack(["extras"]), stacks: [WeaveStack()], provenance: provenance)
        let replicated = RenderedEnvironment(try Self.renderStack(["extras", "ha"]), stacks: [WeaveStack()], provenance: provenance)
        let file = "weightsandbiases.apps.wandb.com_wandb_wandb.yaml"
        let a = try #require(single.files.first { $0.path == file }).contents
        let b = try #require(replicated.files.first { $0.path == file }).contents
        #expect(a.contains("\n        WF_CLICKHOUSE_REPLICATED: \"false\"\n"))
        #expect(a.contains("\n        replicated: false\n"))
        #expect(a.contains("\n        port: 8123\n"))
        #expect(!a.contains("WF_CLICKHOUSE_REPLICATED_CLUSTER"))
        #expect(b.contains("\n        WF_CLICKHOUSE_REPLICATED: \"true\"\n        WF_CLICKHOUSE_REPLICATED_CLUSTER: weavecluster\n"))
        #expect(b.contains("\n        replicated: true\n"))
    }

    @Test("written W&B values that agree are kept, without errors")
    func agreeingWandb() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "ha", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(
            clickhouse: ["host: clickhouse-wandb.clickhouse.svc.cluster.local", "port: 8123", "replicated: true"],
            extraEnv: ["WF_CLICKHOUSE_REPLICATED: \"true\"", "WF_CLICKHOUSE_REPLICATED_CLUSTER: weavecluster"])])
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        let w = try C.resource(outcome.resources, "WeightsAndBiases")
        C.expect(w, "spec.values.global.clickhouse.replicated", "true")
        C.expect(w, "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER", "weavecluster")
        let patch = "layers/pinned/patches/wandb.yaml"
        #expect(C.value(w, "spec.values.global.clickhouse.host")?.location == s.location(patch, 10, 15))
        #expect(C.value(w, "spec.values.global.clickhouse.replicated")?.location == s.location(patch, 12, 21))
    }

    @Test("a written global.clickhouse.host that disagrees: error at the written value")
    func wrongWandbHost() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(
            clickhouse: ["host: clickhouse.clickhouse.svc"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 10, 15)): error: spec.values.global.clickhouse.host is \"clickhouse.clickhouse.svc\", but ClickHouseInstallation/wandb in namespace clickhouse is served at clickhouse-wandb.clickhouse.svc.cluster.local, so it must be \"clickhouse-wandb.clickhouse.svc.cluster.local\"",
        ])
        #expect(outcome.diagnostics.first?.hint == "remove it and gitops-weave derives it, or make the two agree")
    }

    @Test("a written global.clickhouse.port that disagrees")
    func wrongWandbPort() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(clickhouse: ["port: 9000"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 10, 15)): error: spec.values.global.clickhouse.port is 9000, but ClickHouse serves HTTP on 8123, so it must be 8123",
        ])
    }

    @Test("a written replicated: true with one replica: error at the written value")
    func wrongReplicatedTrue() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(clickhouse: ["replicated: true"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 10, 21)): error: spec.values.global.clickhouse.replicated is true, but ClickHouseInstallation/wandb has 1 replica (\(s.at("base/b-clickhouse.yaml", 12, 24))), so it must be false [replicated-flag]",
        ])
    }

    @Test("a written replicated: false with three replicas: error at the written value")
    func wrongReplicatedFalse() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "ha", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(clickhouse: ["replicated: false"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 10, 21)): error: spec.values.global.clickhouse.replicated is false, but ClickHouseInstallation/wandb has 3 replicas (\(s.at("layers/ha/patches/clickhouse.yaml", 12, 24))), so it must be true [replicated-flag]",
        ])
    }

    @Test("a written WF_CLICKHOUSE_REPLICATED that is a bool, not a string")
    func replicatedEnvAsBool() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(
            clickhouse: ["user: weave"], extraEnv: ["WF_CLICKHOUSE_REPLICATED: false"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 13, 35)): error: spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED is false, but ClickHouseInstallation/wandb has 1 replica (\(s.at("base/b-clickhouse.yaml", 12, 24))), so it must be \"false\" [replicated-flag]",
        ])
    }

    @Test("a written WF_CLICKHOUSE_REPLICATED_CLUSTER that disagrees, replicated: error at the written value")
    func wrongClusterReplicated() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "ha", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(
            clickhouse: ["user: weave"], extraEnv: ["WF_CLICKHOUSE_REPLICATED_CLUSTER: other"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 13, 43)): error: spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER is \"other\", but the cluster of ClickHouseInstallation/wandb is named \"weavecluster\" (\(s.at("layers/ha/patches/clickhouse.yaml", 10, 13))), so it must be \"weavecluster\" [replicated-cluster-name]",
        ])
    }

    @Test("a written WF_CLICKHOUSE_REPLICATED_CLUSTER that disagrees, not replicated: still an error")
    func wrongClusterSingle() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": Self.wandbPatch(
            clickhouse: ["user: weave"], extraEnv: ["WF_CLICKHOUSE_REPLICATED_CLUSTER: other"])])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 13, 43)): error: WF_CLICKHOUSE_REPLICATED_CLUSTER is \"other\", but the cluster of ClickHouseInstallation/wandb is \"weavecluster\" [replicated-cluster-name]",
        ])
    }

    @Test("every disagreement of one environment is reported")
    func allDisagreements() throws {
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], [
            "patches/clickhouse.yaml": Self.nodesPatch([("keeper", "2182")]),
            "patches/wandb.yaml": Self.wandbPatch(clickhouse: ["host: ch", "port: 8123", "replicated: true"]),
        ])
        let chi = "layers/pinned/patches/clickhouse.yaml", w = "layers/pinned/patches/wandb.yaml"
        #expect(C.headlines(outcome).map { $0.prefix { $0 != " " } } == [
            "\(s.at(chi, 10, 15)):", "\(s.at(chi, 11, 15)):", "\(s.at(w, 10, 15)):", "\(s.at(w, 12, 21)):",
        ].map { Substring($0) })
    }

    @Test("extraEnv written as a list is an error at the list, not silently replaced")
    func extraEnvNotAMapping() throws {
        let patch = """
            apiVersion: apps.wandb.com/v1
            kind: WeightsAndBiases
            metadata:
              name: wandb
              namespace: wandb
            spec:
              values:
                weave-trace:
                  extraEnv:
                  - name: WF_CLICKHOUSE_REPLICATED
                    value: "false"

            """
        let (s, outcome) = try Self.renderPinned(["extras", "pinned"], ["patches/wandb.yaml": patch])
        #expect(C.headlines(outcome) == [
            "\(s.at("layers/pinned/patches/wandb.yaml", 10, 7)): error: spec.values.weave-trace.extraEnv is a list, but it must be a mapping to hold WF_CLICKHOUSE_REPLICATED",
        ])
    }
}
