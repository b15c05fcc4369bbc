import Foundation
@testable import GitSync
import Overlays
import WeaveStack
import Testing

/// `RevisionComparison` renders only the environments whose inputs changed
/// (`RenderInputs`), and its result is the full comparison's, for each kind of input.
@Suite("incremental diffs: exactly the environments whose inputs changed", .enabled(if: ExternalTool.hasGit))
struct IncrementalDiffTests {
    static let all = ["dev-minio", "prod-aws", "prod-openshift-minio", "staging-gcs", "staging-gcs-flux"]

    /// The bundled source in a repository of its own, with a CRD under `crds:`.
    static func source(_ box: GitSandbox) throws -> URL {
        let dir = try box.makeRepository("src")
        try box.setIdentity(name: "Dev", email: "dev@example.com", in: dir)
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: RepositoryPaths.repository.appendingPathComponent(item), to: dir.appendingPathComponent(item))
        }
        let project = dir.appendingPathComponent("gitops-weave.yaml")
        try (try String(contentsOf: project, encoding: .utf8) + "crds:\n- crds/widget.yaml\n").write(to: project, atomically: true, encoding: .utf8)
        try box.write(dir, "crds/widget.yaml", Self.crd(key: "name"))
        _ = try box.commitAll(dir, "The source")
        return dir
    }

    static func crd(key: String) -> String {
        """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          names: {kind: Widget, plural: widgets}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      items:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [\(key)]
                        items: {type: object}

        """
    }

    func edit(_ dir: URL, _ path: String, _ from: String, _ to: String) throws {
        let url = dir.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        try #require(text.contains(from), "\(path) has no \(from)")
        try text.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
    }

    func compare(_ dir: URL, incremental: Bool) throws -> RenderDiff {
        var c = RevisionComparison(source: dir.path, base: "HEAD~1", head: "HEAD", stacks: StackCatalog([WeaveStack()]))
        c.incremental = incremental
        return try c.diff()
    }

    /// What a diff shows, as text: each environment's resources and hunks.
    func shown(_ diff: RenderDiff) -> String { diff.text(color: false) }

    @Test("each kind of input re-renders exactly the environments that read it, and the result is the full comparison's", arguments: [
        ("a base file", "base/40-clickhouse-server.yaml", "disable_internal_dns_cache: 1", "disable_internal_dns_cache: 0", all),
        ("a layer file", "layers/prod/patches/clickhouse.yaml", "replicasCount: 3", "replicasCount: 5", ["prod-aws", "prod-openshift-minio"]),
        ("an embedded file of a layer", "layers/minio/files/config.d/storage_configuration.xml", "<cache_on_write_operations>true", "<cache_on_write_operations>false", ["dev-minio", "prod-openshift-minio"]),
        ("a parameter default some environments override", "gitops-weave.yaml", "default: us-east-1", "default: us-west-2", ["dev-minio", "prod-openshift-minio", "staging-gcs", "staging-gcs-flux"]),
        ("an environment file", "environments/dev-minio.yaml", "bucket: wandb-weave-dev", "bucket: wandb-weave-dev2", ["dev-minio"]),
        ("a stack setting in an environment file", "environments/prod-aws.yaml", "nodes: 3", "nodes: 4", ["prod-aws"]),
        ("a CRD under crds:", "crds/widget.yaml", "x-kubernetes-list-map-keys: [name]", "x-kubernetes-list-map-keys: [id]", all),
        ("a comment in the project file", "gitops-weave.yaml", "# gitops-weave project file", "# the project file", []),
    ])
    func inputKinds(what: String, path: String, from: String, to: String, expected: [String]) throws {
        let box = try GitSandbox()
        let dir = try Self.source(box)
        try edit(dir, path, from, to)
        _ = try box.commitAll(dir, what)
        let warm = try compare(dir, incremental: true)
        let cold = try compare(dir, incremental: false)
        #expect(warm.rendered?.sorted() == expected.sorted(), "\(what)")
        #expect(cold.rendered?.sorted() == Self.all.sorted())
        #expect(shown(warm) == shown(cold), "\(what)")
        #expect(warm.compared == cold.compared && warm.compared == 5)
        #expect(DiffJSON.encode(warm) == DiffJSON.encode(cold))
    }

    @Test("an environment added or removed is rendered where it exists; one from a kustomize overlay or with a kustomize layer is always rendered")
    func addedRemoved() throws {
        let box = try GitSandbox()
        let dir = try Self.source(box)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("environments/dev-minio.yaml"), to: dir.appendingPathComponent("environments/dev2.yaml"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("environments/staging-gcs.yaml"))
        _ = try box.commitAll(dir, "dev2 in, staging-gcs out")
        let warm = try compare(dir, incremental: true), cold = try compare(dir, incremental: false)
        #expect(warm.rendered == ["dev2"])
        #expect(shown(warm) == shown(cold))
        #expect(warm.environments.map(\.name) == ["dev2", "staging-gcs"])

        // An environment built from a kustomize overlay, or with a kustomize layer (which may
        // name a base anywhere), may read any file: always rendered.
        try box.write(dir, "overlays/x/kustomization.yaml", "resources: [cm.yaml]\n")
        try box.write(dir, "overlays/x/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: default\ndata: {a: b}\n")
        try box.write(dir, "environments/kx.yaml", "kustomize: overlays/x\n")
        try box.write(dir, "layers/klayer/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {team: weave}\n")
        let dev = try String(contentsOf: dir.appendingPathComponent("environments/dev-minio.yaml"), encoding: .utf8)
        try box.write(dir, "environments/kl.yaml", dev.replacingOccurrences(of: "layers: [dev, minio]", with: "layers: [dev, minio, klayer]"))
        _ = try box.commitAll(dir, "kx and kl")
        try edit(dir, "environments/dev-minio.yaml", "bucket: wandb-weave-dev", "bucket: wandb-weave-dev3")
        _ = try box.commitAll(dir, "dev-minio's bucket")
        let again = try compare(dir, incremental: true)
        #expect(again.rendered?.sorted() == ["dev-minio", "kl", "kx"])
        #expect(shown(again) == shown(try compare(dir, incremental: false)))
    }
}

/// The JSON report's bytes, for comparing two diffs whole.
enum DiffJSON {
    static func encode(_ diff: RenderDiff) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(DiffReport(diff))) ?? Data()
    }
}
