import Foundation
import Overlays

/// A generated source of N environments over the project's real `gitops-weave.yaml`,
/// `base/` and `layers/`, with the layers varied (tier × storage × platform) and the
/// parameters varied per environment.
struct StackSource {
    let root: URL
    let names: [String]

    static let tiers = ["dev", "staging", "prod"]
    static let storages = ["aws", "minio", "gcs"]

    /// Copies the project's source files from `projectRoot` and writes `count` environments.
    init(projectRoot: String, count: Int, seed: UInt64) throws {
        let fm = FileManager.default
        root = fm.temporaryDirectory.appendingPathComponent("gitops-weave-bench-source-\(getpid())-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        for item in [Project.fileName, "base", "layers"] {
            try fm.copyItem(at: URL(fileURLWithPath: projectRoot).appendingPathComponent(item), to: root.appendingPathComponent(item))
        }
        let envs = root.appendingPathComponent("environments")
        try fm.createDirectory(at: envs, withIntermediateDirectories: true)
        var rng = seed
        var names: [String] = []
        for i in 0..<count {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let tier = Self.tiers[i % 3]
            let storage = Self.storages[(i / 3) % 3]
            let openshift = storage == "minio" && (rng >> 33) % 4 == 0
            let name = String(format: "env-%05d-%@-%@", i, tier, storage)
            names.append(name)
            try Self.environmentFile(index: i, tier: tier, storage: storage, openshift: openshift, random: rng)
                .write(to: envs.appendingPathComponent(name + ".yaml"), atomically: false, encoding: .utf8)
        }
        self.names = names.sorted()
    }

    static func environmentFile(index i: Int, tier: String, storage: String, openshift: Bool, random: UInt64) -> String {
        let volume = ["dev": 10, "staging": 50, "prod": 200][tier]!
        var layers = [tier, storage]
        if openshift { layers.append("openshift") }
        var text = "# generated environment \(i)\nlayers: [\(layers.joined(separator: ", "))]\nparameters:\n"
        text += "  bucket: weave-\(i)-\(random % 10_000)\n"
        text += "  cacheMaxSize: \(volume * 8 / 10)Gi\n"
        text += "  storageClass: \(["gp3", "standard-rwo", "ceph-rbd"][Int(random % 3)])\n"
        text += "  secretStore: store-\(i % 7)\n"
        text += "  wandbHost: https://wandb-\(i).example.com\n"
        switch storage {
        case "aws":
            text += "  region: \(["eu-central-1", "us-east-1", "us-west-2"][Int((random >> 8) % 3)])\n"
            text += "  awsRoleArn: arn:aws:iam::123456789012:role/weave-\(i)\n"
        case "minio":
            text += "  minioHost: minio-\(i % 13).example.com:9000\n"
        default:
            break
        }
        if openshift { text += "  openshiftUid: \(1_000_600_000 + (i % 50) * 10_000)\n" }
        return text
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
