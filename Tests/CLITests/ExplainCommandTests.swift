import Foundation
import Testing

@Suite("gitops-weave explain")
struct ExplainCommandTests {
    /// The line and column (1-based) of the value of the first `key:` line in a repository file.
    static func valuePosition(of key: String, in file: String) throws -> String {
        let lines = try String(contentsOf: CLI.repository.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
        let i = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") }, "no \(key): in \(file)")
        let line = lines[i]
        let afterKey = line.range(of: key + ":")!.upperBound
        let valueStart = line[afterKey...].firstIndex { $0 != " " }!
        return "\(file):\(i + 1):\(line.distance(from: line.startIndex, to: valueStart) + 1)"
    }

    /// A failed explain: exit status 1, nothing on stdout, these lines on stderr.
    func expectFailure(_ arguments: [String], in directory: URL? = nil, stderr: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(["explain"] + arguments, in: directory)
        #expect(r.status == 1, "exit status \(r.status), stdout: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "stdout: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr == stderr, sourceLocation: sourceLocation)
    }

    // MARK: The bundled project

    @Test("bundled staging-gcs-flux: a HelmRelease value names the Chart's line; a field the flux form adds names the Chart")
    func bundledHelmRelease() throws {
        let r = try CLI.run(["explain", "staging-gcs-flux", "HelmRelease/clickhouse-operator", "spec.values.metrics.enabled"])
        #expect(r.status == 0, "\(r.stderr)")
        let base = try Self.valuePosition(of: "enabled", in: "base/10-clickhouse-operator.yaml")
        #expect(r.stdout == """
            HelmRelease/clickhouse-operator (namespace clickhouse) spec.values.metrics.enabled in staging-gcs-flux:

              false

            set by \(base) (base)

            """)
        let interval = try CLI.run(["explain", "staging-gcs-flux", "HelmRelease/clickhouse-operator", "spec.interval"])
        #expect(interval.status == 0, "\(interval.stderr)")
        #expect(interval.stdout.hasSuffix("set by <the flux form of Chart clickhouse/clickhouse-operator at base/10-clickhouse-operator.yaml:7:7>\n"), "\(interval.stdout)")
    }

    @Test("bundled prod-aws replicasCount: the prod layer's line, then the base's")
    func bundledReplicas() throws {
        let r = try CLI.run(["explain", "prod-aws", "ClickHouseInstallation/wandb", "spec.configuration.clusters[name=weavecluster].layout.replicasCount"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let prod = try Self.valuePosition(of: "replicasCount", in: "layers/prod/patches/clickhouse.yaml")
        let base = try Self.valuePosition(of: "replicasCount", in: "base/40-clickhouse-server.yaml")
        #expect(r.stdout == """
            ClickHouseInstallation/wandb (namespace clickhouse) spec.configuration.clusters[name=weavecluster].layout.replicasCount in prod-aws:

              3

            set by \(prod) (layer prod)
            overrode \(base) (base): 3

            """)
    }

    @Test("kubectl's short and plural names select the same resource: chi, chk, clickhouseinstallations")
    func shortNames() throws {
        let path = "spec.configuration.clusters[name=weavecluster].layout.replicasCount"
        let long = try CLI.run(["explain", "prod-aws", "ClickHouseInstallation/wandb", path])
        #expect(long.status == 0, "\(long.stderr)")
        for alias in ["chi/wandb", "CHI/wandb", "clickhouseinstallations/wandb", "chi.clickhouse.altinity.com/wandb"] {
            let r = try CLI.run(["explain", "prod-aws", alias, path])
            #expect(r.status == 0, "\(alias): \(r.stderr)")
            #expect(r.stdout == long.stdout, "\(alias)")
        }
        let keeper = try CLI.run(["explain", "prod-aws", "chk/wandb", "spec.configuration.clusters[name=keeper].layout.replicasCount"])
        #expect(keeper.status == 0, "\(keeper.stderr)")
        #expect(keeper.stdout.hasPrefix("ClickHouseKeeperInstallation/wandb (namespace clickhouse) "), "\(keeper.stdout)")
    }

    @Test("bundled prod-aws zookeeper.nodes: derived from the Keeper's replicasCount in the prod layer")
    func bundledKeeperNodes() throws {
        let r = try CLI.run(["explain", "prod-aws", "clickhouseinstallation/wandb", "spec.configuration.zookeeper.nodes"])
        #expect(r.status == 0, "\(r.stderr)")
        let prod = try Self.valuePosition(of: "replicasCount", in: "layers/prod/patches/keeper.yaml")
        let base = try Self.valuePosition(of: "replicasCount", in: "base/30-clickhouse-keeper.yaml")
        #expect(r.stdout.contains("""

              - host: chk-wandb-keeper-0-2.clickhouse.svc.cluster.local
                port: 2181

            derived from ClickHouseKeeperInstallation/wandb spec.configuration.clusters[0].layout.replicasCount
              set by \(prod) (layer prod): 3
              overrode \(base) (base): 3

            elements:

            """), "\(r.stdout)")
    }

    @Test("--format json: value as YAML, and the chain with file, line, column, role, layer and value")
    func json() throws {
        let r = try CLI.run(["explain", "prod-aws", "WeightsAndBiases/wandb", "spec.values.global.clickhouse.replicated", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["value"] as? String == "true\n")
        #expect(o["path"] as? String == "spec.values.global.clickhouse.replicated")
        let chain = try #require(o["chain"] as? [[String: Any]])
        #expect(chain.map { $0["role"] as? String } == ["derived", "set", "overrode"])
        #expect(chain.map { $0["layer"] as? String } == ["prod", "prod", "base"])
        #expect(chain.map { $0["value"] as? String } == ["true\n", "3\n", "3\n"])
        let prod = try Self.valuePosition(of: "replicasCount", in: "layers/prod/patches/clickhouse.yaml")
        #expect("\(chain[1]["file"] as? String ?? ""):\(chain[1]["line"] as? Int ?? 0):\(chain[1]["column"] as? Int ?? 0)" == prod)
        #expect(chain[0]["reason"] as? String == "derived from ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.replicasCount")
    }

    @Test("a parameter names the environment line and the template position")
    func parameter() throws {
        let r = try CLI.run(["explain", "dev", "ConfigMap/settings", "data.bucket", "--source", RenderSources.stack.path])
        #expect(r.status == 0, "\(r.stderr)")
        let root = RenderSources.stack.path
        #expect(r.stdout == """
            ConfigMap/settings (namespace clickhouse) data.bucket in dev:

              weave-dev

            parameter bucket, set by \(root)/environments/dev.yaml:4:11 (environment dev), in the template at \(root)/base/d-config.yaml:7:11 (base)

            """)
    }

    // MARK: Errors

    @Test("an unknown environment: exit 1 and the known ones")
    func unknownEnvironment() throws {
        try expectFailure(["prod-awz", "ClickHouseInstallation/wandb", "spec"], stderr: """
            error: no environment named "prod-awz"
              hint: environments are files in environments/; known: dev-minio, prod-aws, prod-openshift-minio, staging-gcs-flux, staging-gcs

            """)
    }

    @Test("an unknown resource: exit 1 and the resources of that kind")
    func unknownResource() throws {
        try expectFailure(["prod-aws", "ClickHouseInstallation/weave", "spec"], stderr: """
            error: prod-aws has no ClickHouseInstallation named weave
              hint: ClickHouseInstallation resources there: ClickHouseInstallation/clickhouse/wandb

            """)
    }

    @Test("a path step that matches nothing: exit 1, the step and what is there")
    func unknownStep() throws {
        let src = RenderSources.stack.path
        try expectFailure(["prod", "ClickHouseInstallation/wandb", "spec.configuration.clusters[name=main].layout", "--source", src], stderr: """
            \(src)/base/b-clickhouse.yaml:9:5: error: ClickHouseInstallation/wandb (namespace clickhouse): no element of spec.configuration.clusters has name=main
              hint: elements of spec.configuration.clusters: [name=weavecluster]

            """)
    }

    @Test("errors with --format json: a diagnostics object on stdout, exit 1")
    func jsonError() throws {
        let r = try CLI.run(["explain", "prod-aws", "ClickHouseInstallation/wandb", "spec.bogus", "--format", "json"])
        #expect(r.status == 1)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["errors"] as? Int == 1)
        let d = try #require((o["diagnostics"] as? [[String: Any]])?.first)
        #expect(d["message"] as? String == "ClickHouseInstallation/wandb (namespace clickhouse): spec has no key \"bogus\"")
        // One environment: the diagnostic needs no list of them.
        #expect(d["environments"] == nil)
    }

    @Test("--help shows the usage")
    func help() throws {
        let r = try CLI.run(["explain", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: gitops-weave explain [<environment> <resource> <field-path> ...] [--build <DIR>]"), "\(r.stdout)")
        #expect(r.stdout.contains("--build <DIR>           Explain a field of `gitops-weave build DIR`'s output"), "\(r.stdout)")
    }
}
