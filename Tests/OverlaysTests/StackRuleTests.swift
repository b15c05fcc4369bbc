import Foundation
@testable import YAMLModel
@testable import MergeEngine
@testable import Overlays
@testable import WeaveStack
@testable import LocalFiles
import Testing

/// A copy of the `Fixtures/sources/stack` source with a `pinned` layer the test writes, and
/// environment `test` using it: each rule test breaks the stack on a known line of that layer.
final class RuleRig {
    let s: WeaveSource
    static let patchDir = "layers/pinned/patches/"

    /// `parameters` adds declarations to the project file (its `parameters:` is last).
    init(parameters: String = "") throws {
        s = try WeaveSource(copying: WeaveSource.stack)
        if !parameters.isEmpty {
            let project = s.url.appendingPathComponent("gitops-weave.yaml")
            let text = try String(contentsOf: project, encoding: .utf8)
            try s.write("gitops-weave.yaml", text + parameters)
        }
        try s.write("layers/pinned/patches/.keep.yaml", "")
    }

    func patch(_ name: String, _ text: String) throws { try s.write(Self.patchDir + name, text) }
    func resource(_ name: String, _ text: String) throws { try s.write("layers/pinned/resources/" + name, text) }

    /// Writes `environments/test.yaml` and renders it.
    func render(_ environment: String = RuleRig.environment()) throws -> Renderer.Outcome {
        try s.write("environments/test.yaml", environment)
        return try s.render("test")
    }

    /// An environment file: line 1 names the layers, then `extra` (its own lines), then the
    /// parameters, one per line.
    static func environment(layers: [String] = ["extras", "pinned"], _ extra: String = "", parameters: [String] = []) -> String {
        "layers: [\(layers.joined(separator: ", "))]\n" + extra + "parameters:\n  bucket: b\n  wandbHost: h\n"
            + parameters.map { "  \($0)\n" }.joined()
    }

    func at(_ path: String, _ line: Int, _ column: Int) -> String { s.at(path, line, column) }
    func patchAt(_ name: String, _ line: Int, _ column: Int) -> String { s.at(Self.patchDir + name, line, column) }

    /// The findings of one rule.
    static func findings(_ outcome: Renderer.Outcome, _ rule: String) -> [Diagnostic] {
        outcome.diagnostics.filter { $0.rule == rule }
    }

    static func headlines(_ outcome: Renderer.Outcome, _ rule: String) -> [String] {
        findings(outcome, rule).map(\.headline)
    }

    static func metadata(_ outcome: Renderer.Outcome) -> String {
        RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: .init(sourceRevision: "abc", sourceDirty: false))
            .files.first { $0.path == RenderedEnvironment.metadataFile }!.contents
    }

    // Lines 1-6 of the patches; the tests' lines start at 7.
    static let chi = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: wandb
          namespace: clickhouse
        spec:

        """
    static let keeper = """
        apiVersion: clickhouse-keeper.altinity.com/v1
        kind: ClickHouseKeeperInstallation
        metadata:
          name: wandb
          namespace: clickhouse
        spec:

        """
    static let wandb = """
        apiVersion: apps.wandb.com/v1
        kind: WeightsAndBiases
        metadata:
          name: wandb
          namespace: wandb
        spec:

        """
    static let operatorChart = """
        apiVersion: gitops-weave.dev/v1alpha1
        kind: Chart
        metadata:
          name: clickhouse-operator
          namespace: clickhouse
        spec:

        """

    /// An Argo CD Application whose Helm values are YAML text.
    static func textValuesApp(fsGroup: Int) -> String {
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: other-operator\n  namespace: argocd\nspec:\n"
            + "  source:\n    helm:\n      values: |\n        podSecurityContext:\n          fsGroup: \(fsGroup)\n"
    }
}

@Suite("Stack rules and the secret policy")
struct StackRuleTests {
    typealias R = RuleRig

    @Test("the rules, by id")
    func catalog() throws {
        #expect(try Bundled.project().rules.map(\.id) == [
            "keeper-nodes", "replicated-cluster-name", "replicated-flag", "clickhouse-config-xml", "s3-replica-placeholder", "cache-below-volume",
            "keeper-version", "keeper-odd-replicas", "wandb-run-as-group", "openshift-uid-range", "anti-affinity-nodes", "cluster-name-pattern",
            "string-booleans", "dangling-secret-ref", "undeclared-namespace", "plaintext-secrets",
        ])
        #expect(WeaveRules.all.filter { $0.stage != nil }.map(\.id) == ["keeper-nodes", "replicated-cluster-name", "replicated-flag"])
        #expect(WeaveRules.all.filter { $0.severity == .warning }.map(\.id) == ["keeper-odd-replicas", "anti-affinity-nodes"])
    }

    @Test("the unchanged stack fixture passes every rule")
    func stackPasses() throws {
        let rig = try RuleRig()
        for layers in [["extras", "pinned"], ["extras", "keeper-ha", "ha", "pinned"]] {
            let outcome = try rig.render(R.environment(layers: layers))
            #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        }
    }

    // MARK: keeper-nodes

    /// `zookeeper.nodes` written in a patch: the first host at 10:15, its port at 11:15.
    static func nodes(_ nodes: [(host: String, port: String)]) -> String {
        R.chi + "  configuration:\n    zookeeper:\n      nodes:\n" + nodes.map { "      - host: \($0.host)\n        port: \($0.port)\n" }.joined()
    }

    @Test("keeper-nodes: a node in another namespace, or on another port, is an error at it")
    func keeperNodes() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", Self.nodes([("chk-wandb-keeper-0-0.zookeeper.svc.cluster.local", "2181")]))
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.keeperNodes) == [
            "\(rig.patchAt("clickhouse.yaml", 10, 15)): error: Keeper host \"chk-wandb-keeper-0-0.zookeeper.svc.cluster.local\" matches no replica of ClickHouseKeeperInstallation/wandb (cluster keeper, 1 replica at \(rig.at("base/c-keeper.yaml", 11, 24))) [keeper-nodes]",
        ])
        #expect(R.findings(bad, RuleID.keeperNodes).first?.hint == "remove zookeeper.nodes and gitops-weave derives them; the hosts are chk-wandb-keeper-0-0.clickhouse.svc.cluster.local")
        #expect(bad.failed)

        try rig.patch("clickhouse.yaml", Self.nodes([("chk-wandb-keeper-0-0.clickhouse.svc.cluster.local", "9181")]))
        let port = try rig.render()
        #expect(R.headlines(port, RuleID.keeperNodes) == [
            "\(rig.patchAt("clickhouse.yaml", 11, 15)): error: Keeper port is 9181, but Keeper listens on 2181 [keeper-nodes]",
        ])

        try rig.patch("clickhouse.yaml", Self.nodes([("chk-wandb-keeper-0-0.clickhouse.svc.cluster.local", "2181")]))
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    // MARK: replicated-cluster-name, replicated-flag

    /// W&B values in a patch: `global.clickhouse` lines from 10, then `weave-trace.extraEnv`.
    static func wandbValues(clickhouse: [String] = ["user: weave"], extraEnv: [String] = []) -> String {
        var text = R.wandb + "  values:\n    global:\n      clickhouse:\n" + clickhouse.map { "        \($0)\n" }.joined()
        if !extraEnv.isEmpty { text += "    weave-trace:\n      extraEnv:\n" + extraEnv.map { "        \($0)\n" }.joined() }
        return text
    }

    @Test("replicated-cluster-name: WF_CLICKHOUSE_REPLICATED_CLUSTER must be the ClickHouse cluster's name")
    func replicatedClusterName() throws {
        let rig = try RuleRig()
        let layers = ["extras", "ha", "pinned"]
        try rig.patch("wandb.yaml", Self.wandbValues(extraEnv: ["WF_CLICKHOUSE_REPLICATED_CLUSTER: weave"]))
        let bad = try rig.render(R.environment(layers: layers))
        #expect(R.headlines(bad, RuleID.replicatedClusterName) == [
            "\(rig.patchAt("wandb.yaml", 13, 43)): error: spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER is \"weave\", but the cluster of ClickHouseInstallation/wandb is named \"weavecluster\" (\(rig.at("layers/ha/patches/clickhouse.yaml", 10, 13))), so it must be \"weavecluster\" [replicated-cluster-name]",
        ])
        #expect(R.findings(bad, RuleID.replicatedClusterName).first?.hint == "remove it and gitops-weave derives it, or make the two agree")

        try rig.patch("wandb.yaml", Self.wandbValues(extraEnv: ["WF_CLICKHOUSE_REPLICATED_CLUSTER: weavecluster"]))
        let good = try rig.render(R.environment(layers: layers))
        #expect(good.diagnostics.isEmpty, "\(good.diagnostics.map(\.description))")
    }

    @Test("replicated-flag: global.clickhouse.replicated and WF_CLICKHOUSE_REPLICATED follow replicasCount")
    func replicatedFlag() throws {
        let rig = try RuleRig()
        let layers = ["extras", "ha", "pinned"]
        try rig.patch("wandb.yaml", Self.wandbValues(clickhouse: ["replicated: false"], extraEnv: ["WF_CLICKHOUSE_REPLICATED: \"false\""]))
        let bad = try rig.render(R.environment(layers: layers))
        let replicas = rig.at("layers/ha/patches/clickhouse.yaml", 12, 24)
        #expect(R.headlines(bad, RuleID.replicatedFlag) == [
            "\(rig.patchAt("wandb.yaml", 10, 21)): error: spec.values.global.clickhouse.replicated is false, but ClickHouseInstallation/wandb has 3 replicas (\(replicas)), so it must be true [replicated-flag]",
            "\(rig.patchAt("wandb.yaml", 13, 35)): error: spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED is \"false\", but ClickHouseInstallation/wandb has 3 replicas (\(replicas)), so it must be \"true\" [replicated-flag]",
        ])
        #expect(R.findings(bad, RuleID.replicatedFlag).allSatisfy { $0.hint == "remove it and gitops-weave derives it, or make the two agree" })

        try rig.patch("wandb.yaml", Self.wandbValues(clickhouse: ["replicated: true"], extraEnv: ["WF_CLICKHOUSE_REPLICATED: \"true\""]))
        let good = try rig.render(R.environment(layers: layers))
        #expect(good.diagnostics.isEmpty, "\(good.diagnostics.map(\.description))")
    }

    // MARK: s3-replica-placeholder, cache-below-volume

    /// A storage configuration file at 9:43 (the value), its endpoint on line 6 of the file,
    /// the cache's max_size on line 12 of it; the data volume's storage at 32:22.
    static func storage(endpoint: String, maxSize: String, volume: String = "50Gi") -> String {
        R.chi + """
              configuration:
                files:
                  config.d/storage_configuration.xml: |
                    <clickhouse>
                      <storage_configuration>
                        <disks>
                          <s3_disk>
                            <type>s3</type>
                            <endpoint>\(endpoint)</endpoint>
                            <use_environment_credentials>true</use_environment_credentials>
                          </s3_disk>
                          <s3_disk_cache>
                            <type>cache</type>
                            <disk>s3_disk</disk>
                            <max_size>\(maxSize)</max_size>
                          </s3_disk_cache>
                        </disks>
                      </storage_configuration>
                    </clickhouse>
              templates:
                volumeClaimTemplates:
                - name: data
                  spec:
                    resources:
                      requests:
                        storage: \(volume)

            """
    }

    @Test("s3-replica-placeholder: an S3 endpoint without {replica} is an error at the file, naming the disk")
    func replicaPlaceholder() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", Self.storage(endpoint: "https://b.s3.us-east-1.amazonaws.com/s3_disk/", maxSize: "40Gi"))
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.s3ReplicaPlaceholder) == [
            "\(rig.patchAt("clickhouse.yaml", 9, 43)): error: the endpoint of S3 disk \"s3_disk\" in config.d/storage_configuration.xml (line 6 of the file) has no {replica}, so every replica of ClickHouseInstallation/wandb writes the same objects [s3-replica-placeholder]",
        ])
        #expect(R.findings(bad, RuleID.s3ReplicaPlaceholder).first?.hint
            == "end the endpoint's path with {replica}: <endpoint>https://b.s3.us-east-1.amazonaws.com/s3_disk/{replica}</endpoint>")

        try rig.patch("clickhouse.yaml", Self.storage(endpoint: "https://b.s3.us-east-1.amazonaws.com/s3_disk/{replica}", maxSize: "40Gi"))
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    @Test("configuration XML: comments, CDATA and from_env endpoints are not endpoints; malformed or very deep files are skipped")
    func configurationXML() throws {
        let xml = try #require(ConfigXMLElement.parse("""
            <?xml version="1.0"?>
            <clickhouse>
                <!-- <endpoint>https://commented.out/</endpoint> -->
                <storage_configuration><disks>
                    <a><type>s3</type><endpoint from_env="S3_ENDPOINT"/></a>
                    <b><type>s3</type><endpoint><![CDATA[https://b/x/{replica}]]></endpoint></b>
                    <c><type>s3</type><endpoint>https://c/x?a=1&amp;b=2</endpoint></c>
                </disks></storage_configuration>
            </clickhouse>
            """))
        var endpoints: [(String, String, Int)] = []
        xml.descendants { element, parent in
            if element.name == "endpoint" { endpoints.append((parent?.name ?? "", element.text, element.line)) }
        }
        #expect(endpoints.map(\.0) == ["a", "b", "c"])
        #expect(endpoints.map(\.1) == ["", "https://b/x/{replica}", "https://c/x?a=1&b=2"])
        #expect(endpoints.map(\.2) == [5, 6, 7])
        #expect(endpoints.count == 3)
        for bad in ["<a><b></a></b>", "<a>", "<a x=1/>", "text only", "<a/><b/>"] {
            #expect(ConfigXMLElement.parse(bad) == nil, "\(bad)")
        }

        // A file nested 100,000 elements deep renders, and is skipped.
        let rig = try RuleRig()
        let deep = String(repeating: "<d>", count: 100_000) + String(repeating: "</d>", count: 100_000)
        try rig.patch("clickhouse.yaml", R.chi + "  configuration:\n    files:\n      config.d/deep.xml: \"\(deep)\"\n")
        let outcome = try rig.render()
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
    }

    static let cacheParameter = "  cacheMaxSize:\n    type: string\n    default: 8Gi\n"
    static let endpoint = "https://b.s3.us-east-1.amazonaws.com/s3_disk/{replica}"

    @Test("cache-below-volume: max_size must be below the data volume; the error points at the line that set it")
    func cacheBelowVolume() throws {
        let rig = try RuleRig(parameters: Self.cacheParameter)
        // Written in the file: the error is at the file.
        try rig.patch("clickhouse.yaml", Self.storage(endpoint: Self.endpoint, maxSize: "50Gi"))
        let bad = try rig.render()
        let volume = rig.patchAt("clickhouse.yaml", 32, 22)
        #expect(R.headlines(bad, RuleID.cacheBelowVolume) == [
            "\(rig.patchAt("clickhouse.yaml", 9, 43)): error: cache disk \"s3_disk_cache\" in config.d/storage_configuration.xml has max_size 50Gi, which is not below the 50Gi data volume of ClickHouseInstallation/wandb (volumeClaimTemplates[name=data] at \(volume)) [cache-below-volume]",
        ])
        #expect(R.findings(bad, RuleID.cacheBelowVolume).first?.hint
            == "the cache lives on the data volume: make max_size smaller than it (the seeds use 40Gi on 50Gi), or raise the volume's resources.requests.storage")

        // From a parameter: the error is at the environment line that set it.
        try rig.patch("clickhouse.yaml", Self.storage(endpoint: Self.endpoint, maxSize: "${cacheMaxSize}"))
        let fromParameter = try rig.render(R.environment(parameters: ["cacheMaxSize: 60000M"]))
        #expect(R.headlines(fromParameter, RuleID.cacheBelowVolume) == [
            "\(rig.at("environments/test.yaml", 5, 17)): error: cache disk \"s3_disk_cache\" in config.d/storage_configuration.xml has max_size 60000M (parameter cacheMaxSize), which is not below the 50Gi data volume of ClickHouseInstallation/wandb (volumeClaimTemplates[name=data] at \(volume)) [cache-below-volume]",
        ])

        for size in ["40Gi", "\"53687091199\"", "53G"] {
            let good = try rig.render(R.environment(parameters: ["cacheMaxSize: \(size)"]))
            #expect(good.diagnostics.isEmpty, "\(size): \(good.diagnostics.map(\.description))")
        }
    }

    @Test("Kubernetes and ClickHouse quantities")
    func quantities() {
        #expect(RuleSupport.bytes("50Gi") == 50.0 * 1_073_741_824)
        #expect(RuleSupport.bytes("10Ki") == 10_240)
        #expect(RuleSupport.bytes("3Mi") == 3.0 * 1_048_576)
        #expect(RuleSupport.bytes("2Ti") == 2.0 * 1_099_511_627_776)
        #expect(RuleSupport.bytes("10G") == 10_000_000_000)
        #expect(RuleSupport.bytes("10K") == 10_000)
        #expect(RuleSupport.bytes("10k") == 10_000)
        #expect(RuleSupport.bytes("7M") == 7_000_000)
        #expect(RuleSupport.bytes("1T") == 1_000_000_000_000)
        #expect(RuleSupport.bytes("10737418240") == 10_737_418_240)
        #expect(RuleSupport.bytes("1.5Gi") == 1.5 * 1_073_741_824)
        #expect(RuleSupport.bytes("40GiB") == 40.0 * 1_073_741_824)
        #expect(RuleSupport.bytes("1e9") == 1e9)
        for bad in ["", "Gi", "lots", "-1Gi", "10Xi", "B"] { #expect(RuleSupport.bytes(bad) == nil, "\(bad)") }
    }

    // MARK: keeper-version

    /// The ClickHouse server image at 13:18.
    static func serverImage(_ image: String) -> String {
        R.chi + """
              templates:
                podTemplates:
                - name: clickhouse
                  spec:
                    containers:
                    - name: clickhouse
                      image: \(image)

            """
    }

    @Test("keeper-version: the Keeper image must be at least the server's; unknown tags are skipped")
    func keeperVersion() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", Self.serverImage("clickhouse/clickhouse-server:25.10"))
        let bad = try rig.render(R.environment(parameters: ["keeperVersion: \"24.8.14.10459\""]))
        #expect(R.headlines(bad, RuleID.keeperVersion) == [
            "\(rig.at("environments/test.yaml", 5, 18)): error: the Keeper image clickhouse/clickhouse-keeper:24.8.14.10459 (parameter keeperVersion) is older than the ClickHouse server image clickhouse/clickhouse-server:25.10 (\(rig.patchAt("clickhouse.yaml", 13, 18))) [keeper-version]",
        ])
        #expect(R.findings(bad, RuleID.keeperVersion).first?.hint == "run Keeper at the server's version or newer, e.g. clickhouse/clickhouse-keeper:25.10")

        // The project's default (25.10) against a newer server: the error is at the default.
        try rig.patch("clickhouse.yaml", Self.serverImage("clickhouse/clickhouse-server:25.11.1"))
        let fromDefault = try rig.render()
        #expect(R.findings(fromDefault, RuleID.keeperVersion).map { $0.location?.description }
            == [rig.at("gitops-weave.yaml", 18, 14)])

        for (keeper, server) in [("25.10", "25.10"), ("25.10", "25.10.2.65"), ("26.1", "25.10"), ("latest", "25.10"), ("25.10", "head")] {
            try rig.patch("clickhouse.yaml", Self.serverImage("clickhouse/clickhouse-server:\(server)"))
            let good = try rig.render(R.environment(parameters: ["keeperVersion: \"\(keeper)\""]))
            #expect(good.diagnostics.isEmpty, "\(keeper) vs \(server): \(good.diagnostics.map(\.description))")
        }
    }

    @Test("image versions: dotted numeric tags compare by number, over the parts both name")
    func versions() {
        #expect(RuleSupport.version("25.10") == [25, 10])
        #expect(RuleSupport.version("24.8.14.10459") == [24, 8, 14, 10459])
        #expect(RuleSupport.version("25.3.6.10034.altinitystable") == [25, 3, 6, 10034])
        #expect(RuleSupport.version("25.10-alpine") == [25, 10])
        #expect(RuleSupport.version("latest") == nil)
        #expect(RuleSupport.tag(of: "registry.local:5000/clickhouse/clickhouse-keeper:25.10@sha256:abc") == "25.10")
        #expect(RuleSupport.tag(of: "registry.local:5000/clickhouse/clickhouse-keeper") == nil)
        #expect(RuleSupport.older("24.8", than: "25.10"))
        #expect(RuleSupport.older("25.9", than: "25.10"))
        #expect(!RuleSupport.older("25.10", than: "25.10.2.65"))
        #expect(!RuleSupport.older("25.10.1", than: "25.9.9"))
    }

    // MARK: wandb-run-as-group

    @Test("wandb-run-as-group: runAsGroup is 0 in W&B values and in the Keeper and ClickHouse pod templates")
    func runAsGroup() throws {
        let rig = try RuleRig()
        try rig.patch("wandb.yaml", R.wandb + """
              values:
                weave-trace:
                  podSecurityContext:
                    runAsUser: 10001
                    runAsGroup: 1000

            """)
        try rig.patch("keeper.yaml", R.keeper + """
              templates:
                podTemplates:
                - name: keeper
                  spec:
                    containers:
                    - name: clickhouse-keeper
                      securityContext:
                        runAsGroup: 1001

            """)
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.wandbRunAsGroup) == [
            "\(rig.patchAt("wandb.yaml", 11, 21)): error: spec.values.weave-trace.podSecurityContext.runAsGroup of WeightsAndBiases/wandb is 1000, but W&B components run with GID 0 [wandb-run-as-group]",
            "\(rig.patchAt("keeper.yaml", 14, 25)): error: spec.templates.podTemplates[name=keeper].spec.containers[name=clickhouse-keeper].securityContext.runAsGroup of ClickHouseKeeperInstallation/wandb is 1001, but W&B components run with GID 0 [wandb-run-as-group]",
        ])
        #expect(R.findings(bad, RuleID.wandbRunAsGroup).first?.hint
            == "write runAsGroup: 0; W&B needs the root group for its file permissions (on OpenShift too: a UID from the project's range, GID 0)")

        for file in ["wandb.yaml", "keeper.yaml"] {
            let path = rig.s.url.appendingPathComponent(RuleRig.patchDir + file)
            let text = try String(contentsOf: path, encoding: .utf8)
            try rig.patch(file, text.replacingOccurrences(of: "runAsGroup: 1000\n", with: "runAsGroup: 0\n")
                .replacingOccurrences(of: "runAsGroup: 1001\n", with: "runAsGroup: 0\n"))
        }
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    // MARK: openshift-uid-range

    static let openShift = "platform:\n  openshift:\n    uidRange: 1000680000/10000\n"

    @Test("openshift-uid-range: runAsUser and fsGroup inside the declared range, W&B values and the operator's Helm values too")
    func uidRange() throws {
        let rig = try RuleRig()
        try rig.patch("wandb.yaml", R.wandb + """
              values:
                weave-trace:
                  podSecurityContext:
                    runAsUser: 10001
                    runAsGroup: 0
                    fsGroup: 1000689999

            """)
        try rig.patch("operator.yaml", R.operatorChart + """
              values:
                operator:
                  containerSecurityContext:
                    runAsUser: 1000680000
                podSecurityContext:
                  fsGroup: 1000690000

            """)
        let bad = try rig.render(R.environment(Self.openShift))
        let range = "the OpenShift UID range 1000680000/10000 (1000680000 to 1000689999) declared at \(rig.at("environments/test.yaml", 4, 15))"
        #expect(R.headlines(bad, RuleID.openshiftUIDRange) == [
            "\(rig.patchAt("wandb.yaml", 10, 20)): error: spec.values.weave-trace.podSecurityContext.runAsUser of WeightsAndBiases/wandb is 10001, outside \(range) [openshift-uid-range]",
            "\(rig.patchAt("operator.yaml", 12, 16)): error: spec.values.podSecurityContext.fsGroup of Chart/clickhouse-operator is 1000690000, outside \(range) [openshift-uid-range]",
        ])
        #expect(R.findings(bad, RuleID.openshiftUIDRange).first?.hint
            == "use an ID from the project's range (its openshift.io/sa.scc.uid-range annotation), e.g. 1000680000, or leave runAsUser out and let the restricted SCC assign one")

        // Without a declared range there is nothing to check.
        let elsewhere = try rig.render()
        #expect(elsewhere.diagnostics.isEmpty, "\(elsewhere.diagnostics.map(\.description))")

        try rig.patch("wandb.yaml", R.wandb + "  values:\n    weave-trace:\n      podSecurityContext:\n        runAsUser: 1000680000\n")
        try rig.patch("operator.yaml", R.operatorChart + "  values:\n    podSecurityContext:\n      fsGroup: 1000689999\n")
        try rig.resource("app.yaml", R.textValuesApp(fsGroup: 1000689999))
        let good = try rig.render(R.environment(Self.openShift))
        #expect(good.diagnostics.isEmpty, "\(good.diagnostics.map(\.description))")

        // Helm values written as text are read too; the error is at the text.
        try rig.resource("app.yaml", R.textValuesApp(fsGroup: 2000))
        let text = try rig.render(R.environment(Self.openShift))
        #expect(R.headlines(text, RuleID.openshiftUIDRange) == [
            "\(rig.at("layers/pinned/resources/app.yaml", 9, 15)): error: spec.source.helm.values: podSecurityContext.fsGroup of Application/other-operator is 2000, outside \(range) [openshift-uid-range]",
        ])
    }

    @Test("a uidRange that is not start/size is an error at it")
    func badUIDRange() throws {
        let rig = try RuleRig()
        let outcome = try rig.render(R.environment("platform:\n  openshift:\n    uidRange: 1000680000-1000689999\n"))
        #expect(outcome.diagnostics.map(\.headline) == [
            "\(rig.at("environments/test.yaml", 4, 15)): error: uidRange must be start/size, not \"1000680000-1000689999\"",
        ])
        #expect(outcome.diagnostics.first?.hint == "copy the project's openshift.io/sa.scc.uid-range annotation, e.g. uidRange: \"1000680000/10000\"")
        for bad in ["1000680000", "1/0", "-5/10", "1/9223372036854775807", "a/b"] {
            let outcome = try rig.render(R.environment("platform:\n  openshift:\n    uidRange: \"\(bad)\"\n"))
            #expect(outcome.diagnostics.map(\.message) == ["uidRange must be start/size, not \"\(bad)\""])
        }
    }

    // MARK: anti-affinity-nodes

    /// Required anti-affinity on the Keeper pod template, its list at 14:13.
    static let keeperAntiAffinity = R.keeper + """
          templates:
            podTemplates:
            - name: keeper
              spec:
                affinity:
                  podAntiAffinity:
                    requiredDuringSchedulingIgnoredDuringExecution:
                    - labelSelector:
                        matchLabels: {app: clickhouse-keeper}
                      topologyKey: kubernetes.io/hostname

        """

    @Test("anti-affinity-nodes: required anti-affinity with more replicas than declared nodes is a warning")
    func antiAffinity() throws {
        let rig = try RuleRig()
        try rig.patch("keeper.yaml", Self.keeperAntiAffinity)
        let layers = ["extras", "keeper-ha", "pinned"]
        let small = try rig.render(R.environment(layers: layers, "nodes: 2\n"))
        #expect(R.findings(small, RuleID.antiAffinityNodes).map(\.headline) == [
            "\(rig.patchAt("keeper.yaml", 14, 13)): warning: required pod anti-affinity on kubernetes.io/hostname puts each of the 3 pods of ClickHouseKeeperInstallation/wandb (pod template keeper) on its own node, but the environment declares 2 nodes (\(rig.at("environments/test.yaml", 2, 8))) [anti-affinity-nodes]",
        ])
        #expect(R.findings(small, RuleID.antiAffinityNodes).first?.hint
            == "1 pod would stay Pending: add nodes, lower the replicas, or use preferredDuringSchedulingIgnoredDuringExecution")
        #expect(!small.failed)

        for extra in ["nodes: 3\n", ""] {
            let good = try rig.render(R.environment(layers: layers, extra))
            #expect(good.diagnostics.isEmpty, "\(extra): \(good.diagnostics.map(\.description))")
        }
    }

    // MARK: keeper-odd-replicas

    @Test("keeper-odd-replicas: 2 or 4 Keeper replicas is a warning at the count, with the seeds' three-replica example", arguments: [(2, 0), (4, 1)])
    func keeperOddReplicas(count: Int, tolerated: Int) throws {
        let rig = try RuleRig()
        try rig.patch("keeper.yaml", R.keeper + """
              configuration:
                clusters:
                - name: keeper
                  layout:
                    replicasCount: \(count)

            """)
        let even = try rig.render()
        #expect(R.findings(even, RuleID.keeperOddReplicas).map(\.headline) == [
            "\(rig.patchAt("keeper.yaml", 11, 24)): warning: Keeper cluster \"keeper\" of ClickHouseKeeperInstallation/wandb has \(count) replicas: a Raft ensemble of \(count) tolerates \(tolerated) failure\(tolerated == 1 ? "" : "s"), no more than one of \(count - 1) [keeper-odd-replicas]",
        ])
        #expect(R.findings(even, RuleID.keeperOddReplicas).first?.hint
            == "use an odd count; the seeds' ch-keeper.yaml runs three: clusters: [{name: keeper, layout: {replicasCount: 3}}]")
        #expect(!even.failed)
        for odd in [1, 3, 5] {
            try rig.patch("keeper.yaml", R.keeper + "  configuration:\n    clusters:\n    - name: keeper\n      layout:\n        replicasCount: \(odd)\n")
            #expect(R.findings(try rig.render(), RuleID.keeperOddReplicas).isEmpty, "\(odd)")
        }
    }

    // MARK: cluster-name-pattern

    @Test("cluster-name-pattern: cluster names match ^[a-zA-Z0-9-]{0,15}$")
    func clusterNames() throws {
        let rig = try RuleRig()
        let base = try String(contentsOf: WeaveSource.stack.appendingPathComponent("base/b-clickhouse.yaml"), encoding: .utf8)
        try rig.s.write("base/b-clickhouse.yaml", base.replacingOccurrences(of: "- name: weavecluster", with: "- name: weave_cluster_prod"))
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.clusterNamePattern) == [
            "\(rig.at("base/b-clickhouse.yaml", 9, 13)): error: the cluster name \"weave_cluster_prod\" of ClickHouseInstallation/wandb does not match ^[a-zA-Z0-9-]{0,15}$ (letters, digits and -, at most 15 characters) [cluster-name-pattern]",
        ])
        #expect(R.findings(bad, RuleID.clusterNamePattern).first?.hint
            == "rename it, e.g. \"weave-cluster-p\"; WF_CLICKHOUSE_REPLICATED_CLUSTER is derived from it")

        try rig.s.write("base/b-clickhouse.yaml", base.replacingOccurrences(of: "- name: weavecluster", with: "- name: weave-cluster1"))
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    // MARK: string-booleans

    @Test("string-booleans: stop, secure and configuration files are strings, not bare booleans")
    func stringBooleans() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", R.chi + """
              stop: true
              configuration:
                clusters:
                - name: weavecluster
                  secure: false
                files:
                  config.d/flag.xml: true
              reconcile:
                host:
                  wait:
                    replicas:
                      all: true

            """)
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.stringBooleans) == [
            "\(rig.patchAt("clickhouse.yaml", 7, 9)): error: spec.stop of ClickHouseInstallation/wandb is the boolean true, but the CRD types it as a string [string-booleans]",
            "\(rig.patchAt("clickhouse.yaml", 11, 15)): error: spec.configuration.clusters[name=weavecluster].secure of ClickHouseInstallation/wandb is the boolean false, but the CRD types it as a string [string-booleans]",
            "\(rig.patchAt("clickhouse.yaml", 18, 16)): error: spec.reconcile.host.wait.replicas.all of ClickHouseInstallation/wandb is the boolean true, but the CRD types it as a string [string-booleans]",
            "\(rig.patchAt("clickhouse.yaml", 13, 26)): error: spec.configuration.files.\"config.d/flag.xml\" of ClickHouseInstallation/wandb is the boolean true, but a file's contents are a string [string-booleans]",
        ])
        #expect(R.findings(bad, RuleID.stringBooleans).map(\.hint) == [
            "quote it: stop: \"true\"", "quote it: secure: \"false\"", "quote it: all: \"true\"",
            "write the contents as a string: quote it, or use a | block",
        ])

        try rig.patch("clickhouse.yaml", R.chi + """
              stop: "true"
              configuration:
                clusters:
                - name: weavecluster
                  secure: "false"
                files:
                  config.d/flag.xml: "<clickhouse><flag>true</flag></clickhouse>"

            """)
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    // MARK: plaintext-secrets

    static let secret = "hunter2-secret"
    static let loginParameter = "  weaveLogin:\n    type: string\n    default: unused\n"

    /// A ClickHouse user password from parameter weaveLogin, W&B's ClickHouse password and
    /// license, a container env value and a Secret's stringData, all literal.
    static func plaintext(_ rig: RuleRig) throws {
        try rig.patch("clickhouse.yaml", R.chi + """
              configuration:
                users:
                  weave/password: ${weaveLogin}
                  weave/profile: default
              templates:
                podTemplates:
                - name: clickhouse
                  spec:
                    containers:
                    - name: clickhouse
                      env:
                      - name: AWS_SECRET_ACCESS_KEY
                        value: \(secret)

            """)
        try rig.patch("wandb.yaml", R.wandb + """
              values:
                global:
                  license: \(secret)
                  clickhouse:
                    password: \(secret)

            """)
        try rig.resource("secret.yaml", """
            apiVersion: v1
            kind: Secret
            metadata:
              name: creds
              namespace: wandb
            stringData:
              token: \(secret)

            """)
    }

    @Test("plaintext-secrets: literal passwords, license, env values and Secret data are errors that never show the value")
    func plaintextSecrets() throws {
        let rig = try RuleRig(parameters: Self.loginParameter)
        try Self.plaintext(rig)
        let bad = try rig.render(R.environment(parameters: ["weaveLogin: \(Self.secret)"]))
        #expect(R.headlines(bad, SecretPolicy.ruleID) == [
            "\(rig.patchAt("wandb.yaml", 11, 19)): error: spec.values.global.clickhouse.password of WeightsAndBiases/wandb is a plaintext secret (<redacted>) [plaintext-secrets]",
            "\(rig.patchAt("wandb.yaml", 9, 16)): error: spec.values.global.license of WeightsAndBiases/wandb is a plaintext secret (<redacted>) [plaintext-secrets]",
            "\(rig.at("environments/test.yaml", 5, 15)): error: ClickHouse user \"weave\" of ClickHouseInstallation/wandb has a plaintext password (weave/password: <redacted>) [plaintext-secrets]",
            "\(rig.patchAt("clickhouse.yaml", 19, 20)): error: spec.templates.podTemplates[name=clickhouse].spec.containers[name=clickhouse].env[name=AWS_SECRET_ACCESS_KEY].value of ClickHouseInstallation/wandb is a plaintext secret (<redacted>) [plaintext-secrets]",
            "\(rig.at("layers/pinned/resources/secret.yaml", 7, 10)): error: stringData.token of Secret/creds is a plaintext secret value (<redacted>) [plaintext-secrets]",
        ])
        #expect(R.findings(bad, SecretPolicy.ruleID).map(\.hint) == [
            "reference a Secret instead: global.clickhouse.passwordSecret: {name: <Secret>, passwordKey: <key>}, with the Secret made by an ExternalSecret or a SealedSecret",
            "reference a Secret instead: global.licenseSecret: {name: <Secret>, key: <key>}, with the Secret made by an ExternalSecret or a SealedSecret",
            "reference a Secret: weave/password: {valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}}}, or weave/password_sha256_hex from a Secret; make the Secret with a Secret made by an ExternalSecret (from your secret store) or a SealedSecret",
            "write valueFrom: {secretKeyRef: {name: <Secret>, key: <key>}} instead of value, with the Secret made by an ExternalSecret or a SealedSecret",
            "commit an ExternalSecret (the value stays in your secret store) or a SealedSecret (encrypted for the cluster) instead of the Secret",
        ])
        #expect(bad.failed)
        // The value appears in no message, hint or headline.
        let printed = bad.diagnostics.map { $0.description + "\($0)" }.joined(separator: "\n")
        #expect(!printed.contains(Self.secret))
        #expect(!printed.contains("hunter2"))
    }

    @Test("plaintext-secrets: references to Secrets pass")
    func secretReferences() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", R.chi + """
              configuration:
                users:
                  weave/password:
                    valueFrom:
                      secretKeyRef: {name: clickhouse-weave-password, key: password}
                  reader/password_sha256_hex: 65e84be33532fb784c48129675f9eff3a682b27168c0ea744b2cf58ee02337c5
                  reader/password: ""
              templates:
                podTemplates:
                - name: clickhouse
                  spec:
                    containers:
                    - name: clickhouse
                      env:
                      - name: AWS_SECRET_ACCESS_KEY
                        valueFrom:
                          secretKeyRef: {name: creds, key: secret_key}
                      - name: AWS_REGION
                        value: us-east-1

            """)
        try rig.patch("wandb.yaml", R.wandb + """
              values:
                global:
                  licenseSecret: {name: license-key, key: value}
                  clickhouse:
                    passwordSecret: {name: weave-clickhouse, passwordKey: CLICKHOUSE_PASSWORD}
                  mysql:
                    password: ""

            """)
        let good = try rig.render()
        // References pass the secret policy; the Secrets they name come from elsewhere.
        #expect(good.diagnostics.filter { $0.rule != ReferenceRules.danglingSecretID }.isEmpty, "\(good.diagnostics.map(\.description))")
        #expect(good.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    @Test("allowPlaintextSecrets: the render passes, render-info.txt records the reason, and no parameter shows the value")
    func allowPlaintextSecrets() throws {
        let rig = try RuleRig(parameters: Self.loginParameter)
        try Self.plaintext(rig)
        let allowed = try rig.render(R.environment("allowPlaintextSecrets: \"throwaway demo cluster, no secret store\"\n", parameters: ["weaveLogin: \(Self.secret)"]))
        #expect(allowed.diagnostics.isEmpty, "\(allowed.diagnostics.map(\.description))")
        #expect(allowed.suppressedFindings == [SecretPolicy.ruleID: 5])
        let info = R.metadata(allowed)
        #expect(info.contains("\n  weaveLogin: <redacted>\n"), "\(info)")
        #expect(info.contains("\nplaintext-secrets-allowed: \"throwaway demo cluster, no secret store\" (5 findings suppressed)\nresources: 9\n"), "\(info)")
        #expect(!info.contains("hunter2"))

        // A reason is required.
        for value in ["true", "\"\"", "\"  \""] {
            let outcome = try rig.render(R.environment("allowPlaintextSecrets: \(value)\n"))
            #expect(outcome.diagnostics.map(\.headline) == [
                "\(rig.at("environments/test.yaml", 2, 24)): error: allowPlaintextSecrets takes a written reason, not \(value == "true" ? "true" : value)",
            ])
        }
    }

    // MARK: Disabling rules

    @Test("a rule disabled with a reason reports nothing; render-info.txt records the rule, the reason and what it kept quiet")
    func disable() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", Self.storage(endpoint: Self.endpoint, maxSize: "60Gi"))
        let disabled = try rig.render(R.environment("rules:\n  disable:\n    cache-below-volume: \"the cache disk is a separate volume here\"\n"))
        #expect(disabled.diagnostics.isEmpty, "\(disabled.diagnostics.map(\.description))")
        #expect(disabled.environment.disabledRules.map(\.id) == ["cache-below-volume"])
        #expect(disabled.suppressedFindings == ["cache-below-volume": 1])
        let info = R.metadata(disabled)
        #expect(info.contains("\ndisabled-rules:\n  cache-below-volume: \"the cache disk is a separate volume here\" (1 finding suppressed)\nexternal:\n  namespace argocd: \"Argo CD's own namespace; its installation creates it\"\nresources: 8\n"), "\(info)")

        // A wiring rule too.
        try rig.patch("clickhouse.yaml", Self.nodes([("keeper.example.com", "2181")]))
        let wiring = try rig.render(R.environment("rules:\n  disable:\n    keeper-nodes: \"an external ZooKeeper ensemble\"\n"))
        #expect(wiring.diagnostics.isEmpty, "\(wiring.diagnostics.map(\.description))")
        #expect(R.metadata(wiring).contains("\ndisabled-rules:\n  keeper-nodes: \"an external ZooKeeper ensemble\" (1 finding suppressed)\n"))

        // Nothing disabled: no such lines.
        let plain = try rig.render(R.environment(layers: ["extras"]))
        #expect(!R.metadata(plain).contains("disabled-rules"))
        #expect(!R.metadata(plain).contains("plaintext-secrets-allowed"))
    }

    @Test("disabling a rule needs a reason; an unknown rule id is an error with a suggestion")
    func disableErrors() throws {
        let rig = try RuleRig()
        let env = "environments/test.yaml"
        let empty = try rig.render(R.environment("rules:\n  disable:\n    cache-below-volume: \"\"\n"))
        #expect(empty.diagnostics.map(\.headline) == [
            "\(rig.at(env, 4, 25)): error: disabling rule \"cache-below-volume\" needs a written reason, not \"\"",
        ])
        #expect(empty.diagnostics.first?.hint == "write cache-below-volume: \"<why the rule does not apply to this environment>\"; render-info.txt records it")
        let missing = try rig.render(R.environment("rules:\n  disable:\n    cache-below-volume:\n"))
        #expect(missing.diagnostics.map(\.headline) == [
            "\(rig.at(env, 4, 24)): error: disabling rule \"cache-below-volume\" needs a written reason, not null",
        ])
        let unknown = try rig.render(R.environment("rules:\n  disable:\n    cache-below-volme: \"sized by hand\"\n"))
        #expect(unknown.diagnostics.map(\.headline) == [
            "\(rig.at(env, 4, 5)): error: unknown stack rule \"cache-below-volme\" in rules.disable",
        ])
        #expect(unknown.diagnostics.first?.hint == "did you mean \"cache-below-volume\"? the rules are " + (WeaveRules.ids + ReferenceRules.all.map(\.id) + [SecretPolicy.ruleID]).joined(separator: ", "))
        let secrets = try rig.render(R.environment("rules:\n  disable:\n    plaintext-secrets: \"demo\"\n"))
        #expect(secrets.diagnostics.map(\.headline) == [
            "\(rig.at(env, 4, 5)): error: the secret policy is not disabled in rules.disable",
        ])
        #expect(secrets.diagnostics.first?.hint == "write allowPlaintextSecrets: \"<why this environment may hold plaintext secrets>\" instead")
        let nodes = try rig.render(R.environment("nodes: 0\n"))
        #expect(nodes.diagnostics.map(\.headline) == [
            "\(rig.at(env, 2, 8)): error: nodes is the number of schedulable nodes, a positive integer, not 0",
        ])
        let key = try rig.render(R.environment("platform:\n  openshfit: {uidRange: 1/1}\n"))
        #expect(key.diagnostics.map(\.headline) == ["\(rig.at(env, 3, 3)): error: unknown key \"openshfit\" in platform"])
    }

    // MARK: The bundled environments

    @Test("the bundled environments pass every rule, with no rule disabled and no plaintext secret allowed", arguments: Bundled.environments)
    func bundled(_ name: String) throws {
        let project = try Bundled.project()
        let outcome = Renderer(project: project).render(named: name)
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        #expect(outcome.environment.disabledRules.isEmpty)
        #expect(outcome.environment.plaintextSecretsAllowed == nil)
        #expect(outcome.suppressedFindings.isEmpty)
        #expect(outcome.environment.settings(WeaveSettings.self)?.nodes != nil, "\(name) declares its node count")
        let all = Rule.check(project.rules, on: outcome.resources, environment: outcome.environment)
        #expect(all.diagnostics.isEmpty && all.suppressed.isEmpty)
    }

    @Test("prod-openshift-minio declares its UID range, and its openshiftUid is inside it")
    func bundledOpenShift() throws {
        let outcome = Renderer(project: try Bundled.project()).render(named: "prod-openshift-minio")
        let openShift = try #require(outcome.environment.settings(WeaveSettings.self)?.openShift)
        #expect(openShift.uidRange == "1000680000/10000")
        let uid = try #require(outcome.environment.parameterValues["openshiftUid"]?.scalar?.intValue)
        #expect(openShift.contains(uid))
        #expect(outcome.environment.settings(WeaveSettings.self)?.nodes?.value == 3)
        // The rule does look: a range that misses the UID fails every security context.
        var elsewhere = outcome.environment
        var settings = try #require(elsewhere.settings(WeaveSettings.self))
        settings.openShift?.uidStart = 1_000_690_000
        elsewhere.stackSettings[WeaveStack.name] = settings
        let moved = Rule.check(WeaveRules.all, on: outcome.resources, environment: elsewhere)
        #expect(moved.diagnostics.count == 12)
        #expect(moved.diagnostics.allSatisfy { $0.rule == RuleID.openshiftUIDRange })
    }
}
