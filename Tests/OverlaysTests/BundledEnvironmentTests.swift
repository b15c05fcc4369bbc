import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

extension FileManager {
    func isDirectory(atPath path: String) -> Bool {
        var dir: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }
}

/// The project's own source (`gitops-weave.yaml`, `base/`, `layers/`, `environments/`):
/// every environment renders cleanly, matches its golden tree, carries the values the seeds
/// require, and passes the schema validator of `../shared/schemas`.
enum Bundled {
    static let environments = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs-flux", "staging-gcs"]
    /// The environments Argo CD syncs; staging-gcs-flux is Flux's.
    static let argocdEnvironments = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs"]

    static func project() throws -> Project {
        try Project.load(from: FileSystemSource(root: Paths.repository.path), stacks: .weave)
    }

    /// Renders one environment without source revision, so the tree depends on the source only.
    static func render(_ name: String) throws -> RenderedEnvironment {
        let project = try project()
        let outcome = Renderer(project: project).render(named: name)
        let errors = outcome.diagnostics.filter { $0.severity != .note }
        try #require(errors.isEmpty, "\(name): \(errors.map(\.description).joined(separator: "\n"))")
        return RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
    }

    static func resource(_ env: RenderedEnvironment, _ kind: String) throws -> Node {
        try #require(env.resources.first { $0.id.kind == kind }?.node, "\(env.name) has no \(kind)")
    }

    /// Follows a dotted path; `[name=x]` picks a list element by its name.
    static func value(_ node: Node, _ path: String) -> Node? {
        var current: Node? = node
        for part in path.split(separator: ".") {
            if part.hasPrefix("["), part.hasSuffix("]") {
                let selector = part.dropFirst().dropLast().split(separator: "=", maxSplits: 1).map(String.init)
                current = current?.sequence?.first { $0[selector[0]]?.scalar?.text == selector[1] }
            } else if let i = Int(part) {
                current = current?.sequence.flatMap { i < $0.count ? $0[i] : nil }
            } else {
                current = current?[String(part)]
            }
        }
        return current
    }

    static func text(_ node: Node, _ path: String) -> String? { value(node, path)?.scalar?.text }

    /// The ClickHouse storage configuration file (its key holds dots, so no dotted path).
    static func storageXML(_ chi: Node) -> String? {
        chi["spec"]?["configuration"]?["files"]?["config.d/storage_configuration.xml"]?.stringValue
    }

    static var goldenDirectory: URL { Paths.fixtures.appendingPathComponent("golden") }

    static func writeTree(_ env: RenderedEnvironment, to dir: URL) throws {
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in env.files {
            let file = dir.appendingPathComponent(f.path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try f.contents.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    /// Every file under `dir`, by its path from there.
    static func files(under dir: URL) throws -> [String] {
        let base = dir.standardizedFileURL.path + "/"
        return (FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String } ?? [])
            .filter { !FileManager.default.isDirectory(atPath: base + $0) }.sorted()
    }
}

@Suite("The bundled Weave environments")
struct BundledEnvironmentTests {
    @Test("every bundled environment is listed")
    func listed() throws {
        #expect(try Bundled.project().environmentNames() == Bundled.environments)
    }

    /// Set GITOPS_WEAVE_UPDATE_GOLDEN=1 to rewrite the golden trees after an intended change.
    @Test("each environment matches its golden tree, byte for byte", arguments: Bundled.environments)
    func golden(_ name: String) throws {
        let env = try Bundled.render(name)
        let dir = Bundled.goldenDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["GITOPS_WEAVE_UPDATE_GOLDEN"] == "1" {
            try Bundled.writeTree(env, to: dir)
        }
        let expected = try Bundled.files(under: dir)
        #expect(env.files.map(\.path).sorted() == expected)
        for f in env.files {
            let want = try String(contentsOf: dir.appendingPathComponent(f.path), encoding: .utf8)
            #expect(f.contents == want, "\(name)/\(f.path) differs from its golden file:\n\(GoldenDiff.unified(expected: want, actual: f.contents, name: "\(name)/\(f.path)"))")
        }
    }

    @Test("rendering twice gives the same bytes", arguments: Bundled.environments)
    func deterministic(_ name: String) throws {
        #expect(try Bundled.render(name).files == (try Bundled.render(name).files))
    }

    @Test("dev-minio: one Keeper, one server, not replicated, MinIO with keys from a Secret")
    func devMinio() throws {
        let env = try Bundled.render("dev-minio")
        let keeper = try Bundled.resource(env, "ClickHouseKeeperInstallation")
        let chi = try Bundled.resource(env, "ClickHouseInstallation")
        let wandb = try Bundled.resource(env, "WeightsAndBiases")
        #expect(Bundled.text(keeper, "spec.configuration.clusters.0.layout.replicasCount") == "1")
        #expect(Bundled.text(chi, "spec.configuration.clusters.0.layout.replicasCount") == "1")
        #expect(Bundled.value(chi, "spec.configuration.zookeeper.nodes")?.sequence?.compactMap { $0["host"]?.stringValue }
            == ["chk-wandb-keeper-0-0.clickhouse.svc.cluster.local"])
        #expect(Bundled.value(wandb, "spec.values.global.clickhouse.replicated")?.scalar == .bool(false))
        #expect(Bundled.text(wandb, "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED") == "false")
        #expect(Bundled.value(wandb, "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER") == nil)
        let pod = try #require(Bundled.value(chi, "spec.templates.podTemplates.0.spec"))
        #expect(pod["affinity"]?["podAntiAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"] == nil)
        let env0 = Bundled.value(pod, "containers.0.env")?.sequence ?? []
        #expect(env0.contains { $0["name"]?.stringValue == "AWS_ACCESS_KEY_ID" && $0["valueFrom"]?["secretKeyRef"] != nil })
        let storage = try #require(Bundled.storageXML(chi))
        #expect(storage.contains("{replica}</endpoint>"))
        #expect(!storage.contains("amazonaws.com"))
    }

    @Test("prod-aws: 3 + 3 replicas, required anti-affinity, IRSA without static keys, gp3, high-volume sizing")
    func prodAWS() throws {
        let env = try Bundled.render("prod-aws")
        let keeper = try Bundled.resource(env, "ClickHouseKeeperInstallation")
        let chi = try Bundled.resource(env, "ClickHouseInstallation")
        let wandb = try Bundled.resource(env, "WeightsAndBiases")
        #expect(Bundled.text(keeper, "spec.configuration.clusters.0.layout.replicasCount") == "3")
        #expect(Bundled.text(chi, "spec.configuration.clusters.0.layout.replicasCount") == "3")
        #expect(Bundled.value(chi, "spec.configuration.zookeeper.nodes")?.sequence?.compactMap { $0["host"]?.stringValue } == [
            "chk-wandb-keeper-0-0.clickhouse.svc.cluster.local",
            "chk-wandb-keeper-0-1.clickhouse.svc.cluster.local",
            "chk-wandb-keeper-0-2.clickhouse.svc.cluster.local",
        ])
        #expect(Bundled.value(wandb, "spec.values.global.clickhouse.replicated")?.scalar == .bool(true))
        #expect(Bundled.text(wandb, "spec.values.global.clickhouse.host") == "clickhouse-wandb.clickhouse.svc.cluster.local")
        #expect(Bundled.value(wandb, "spec.values.global.clickhouse.port")?.scalar == .int(8123))
        #expect(Bundled.text(wandb, "spec.values.weave-trace.extraEnv.WF_CLICKHOUSE_REPLICATED_CLUSTER")
            == Bundled.text(chi, "spec.configuration.clusters.0.name"))
        for r in [keeper, chi] {
            #expect(Bundled.value(r, "spec.templates.podTemplates.0.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution") != nil)
            #expect(Bundled.text(r, "spec.templates.volumeClaimTemplates.0.spec.storageClassName") == "gp3")
        }
        let server = try #require(Bundled.value(chi, "spec.templates.podTemplates.0.spec.containers.0"))
        #expect(!(server["env"]?.sequence ?? []).contains { $0["name"]?.stringValue == "AWS_ACCESS_KEY_ID" })
        #expect(Bundled.text(server, "resources.limits.memory") == "64Gi")
        #expect(Bundled.text(server, "resources.limits.cpu") == "16")
        #expect(Bundled.text(chi, "spec.templates.volumeClaimTemplates.0.spec.resources.requests.storage") == "200Gi")
        let storage = try #require(Bundled.storageXML(chi))
        #expect(storage.contains("<use_environment_credentials>true</use_environment_credentials>"))
        #expect(storage.contains("amazonaws.com/s3_disk/{replica}</endpoint>"))
        let sa = try Bundled.resource(env, "ServiceAccount")
        #expect(sa["metadata"]?["annotations"]?["eks.amazonaws.com/role-arn"] != nil)
    }

    @Test("prod-openshift-minio: the project's UID, runAsGroup 0, fsGroup, RuntimeDefault, drop ALL everywhere")
    func prodOpenShift() throws {
        let env = try Bundled.render("prod-openshift-minio")
        let project = try Bundled.project()
        let uid = try #require(try project.environment(named: "prod-openshift-minio").parameterValues["openshiftUid"]?.scalar?.intValue)
        #expect(uid >= 100_000)
        for kind in ["ClickHouseKeeperInstallation", "ClickHouseInstallation"] {
            let r = try Bundled.resource(env, kind)
            #expect(Bundled.text(r, "spec.configuration.clusters.0.layout.replicasCount") == "3")
            let pod = try #require(Bundled.value(r, "spec.templates.podTemplates.0.spec"))
            #expect(pod["securityContext"]?["runAsUser"]?.scalar == .int(uid), "\(kind)")
            #expect(pod["securityContext"]?["runAsGroup"]?.scalar == .int(0), "\(kind)")
            #expect(pod["securityContext"]?["fsGroup"]?.scalar == .int(uid), "\(kind)")
            #expect(Bundled.text(pod, "securityContext.seccompProfile.type") == "RuntimeDefault", "\(kind)")
            #expect(Bundled.value(pod, "containers.0.securityContext.capabilities.drop")?.sequence?.first?.stringValue == "ALL", "\(kind)")
        }
        let wandb = try Bundled.resource(env, "WeightsAndBiases")
        #expect(Bundled.value(wandb, "spec.values.weave-trace.podSecurityContext.runAsUser")?.scalar == .int(uid))
        #expect(Bundled.value(wandb, "spec.values.weave-trace.podSecurityContext.runAsGroup")?.scalar == .int(0))
        let operator_ = try Bundled.resource(env, "Application")
        #expect(Bundled.value(operator_, "spec.source.helm.valuesObject.operator.containerSecurityContext.runAsUser")?.scalar == .int(uid))
    }

    @Test("staging-gcs: the GCS endpoint without virtual-hosted style")
    func stagingGCS() throws {
        let env = try Bundled.render("staging-gcs")
        let chi = try Bundled.resource(env, "ClickHouseInstallation")
        let storage = try #require(Bundled.storageXML(chi))
        #expect(storage.contains("https://storage.googleapis.com/"))
        #expect(storage.contains("{replica}</endpoint>"))
        #expect(storage.contains("<s3_use_virtual_hosted_style>false</s3_use_virtual_hosted_style>"))
    }

    @Test("every environment keeps {replica} in its endpoint, the cache below the volume, runAsGroup 0", arguments: Bundled.environments)
    func invariants(_ name: String) throws {
        let env = try Bundled.render(name)
        let chi = try Bundled.resource(env, "ClickHouseInstallation")
        let storage = try #require(Bundled.storageXML(chi))
        for endpoint in storage.components(separatedBy: "<endpoint>").dropFirst() {
            #expect(endpoint.components(separatedBy: "</endpoint>")[0].contains("{replica}"))
        }
        let cache = try #require(storage.components(separatedBy: "<max_size>").dropFirst().first?.components(separatedBy: "</max_size>").first)
        let volume = try #require(Bundled.text(chi, "spec.templates.volumeClaimTemplates.0.spec.resources.requests.storage"))
        #expect(try gibibytes(cache) < gibibytes(volume), "cache \(cache) must stay below the volume \(volume)")
        for f in env.files where f.path.hasSuffix(".yaml") {
            for line in f.contents.split(separator: "\n") where line.contains("runAsGroup:") {
                #expect(line.hasSuffix("runAsGroup: 0"), "\(name)/\(f.path): \(line)")
            }
        }
        // No literal credentials: passwords and keys are Secret references only.
        let weaveUser = try #require(Bundled.value(chi, "spec.configuration.users"))
        #expect(weaveUser["weave/password"]?["valueFrom"]?["secretKeyRef"] != nil)
        for f in env.files {
            #expect(!f.contents.contains("password: "), "\(name)/\(f.path) holds a literal password")
            #expect(!f.contents.contains("<access_key_id>") && !f.contents.contains("<secret_access_key>"))
        }
    }

    func gibibytes(_ quantity: String) throws -> Double {
        let units: [(String, Double)] = [("Ti", 1024), ("Gi", 1), ("Mi", 1.0 / 1024)]
        for (suffix, factor) in units where quantity.hasSuffix(suffix) {
            return try #require(Double(quantity.dropLast(2))) * factor
        }
        Issue.record("unknown quantity \(quantity)")
        return 0
    }

    static var hasValidator: Bool {
        FileManager.default.fileExists(atPath: Paths.shared.appendingPathComponent("schemas/validate_rendered.py").path)
            && ExternalTool.exists("python3")
    }

    @Test("the rendered tree passes ../shared/schemas/validate_rendered.py", .enabled(if: hasValidator))
    func schemaValidator() throws {
        let scratch = try Scratch(prefix: "gitops-weave-validate")
        let dir = scratch.url
        for name in Bundled.environments {
            try Bundled.writeTree(try Bundled.render(name), to: dir.appendingPathComponent(name))
        }
        let r = try ExternalTool.run("python3", [Paths.shared.appendingPathComponent("schemas/validate_rendered.py").path,
                                         "--augmented", "--ignore-missing-schemas", dir.path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains(" 0 failed"), "\(r.output)")
        #expect(r.output.contains("0 warnings"), "\(r.output)")
    }

    /// For flux, the folder and its prerequisites/ are two kustomizations (two Flux
    /// Kustomizations), which together hold every resource once.
    @Test("kubectl kustomize reads every rendered environment folder of both targets", .enabled(if: ExternalTool.exists("kubectl")))
    func kustomize() throws {
        let scratch = try Scratch(prefix: "gitops-weave-kustomize")
        let dir = scratch.url
        for name in Bundled.environments {
            let env = try Bundled.render(name)
            let root = dir.appendingPathComponent(name)
            try Bundled.writeTree(env, to: root)
            var folders = [root]
            if FileManager.default.isDirectory(atPath: root.appendingPathComponent(RenderedEnvironment.prerequisitesDirectory).path) {
                folders.append(root.appendingPathComponent(RenderedEnvironment.prerequisitesDirectory))
            }
            #expect(folders.count == (name.hasSuffix("-flux") ? 2 : 1), "\(name)")
            var ids: [String] = []
            for folder in folders {
                let r = try ExternalTool.run("kubectl", ["kustomize", folder.path])
                #expect(r.status == 0, "\(folder.path): \(r.output)")
                for doc in try YAMLParser().parseStream(r.output, file: "kustomize") where !doc.isNull {
                    ids.append(try Resource(document: doc).id.description)
                }
            }
            #expect(ids.sorted() == env.resources.map(\.id.description).sorted(), "\(name)")
        }
    }
}
