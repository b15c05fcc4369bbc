import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// A generated source of N environments over the project's real `gitops-weave.yaml`,
/// `base/` and `layers/`, with the layers varied (tier × storage × platform) and the
/// parameters varied per environment.
struct StackSource {
    let root: URL
    /// Environment names, sorted as `gitops-weave render --all` orders them.
    let names: [String]

    static let tiers = ["dev", "staging", "prod"]
    static let storages = ["aws", "minio", "gcs"]

    /// Copies the project's source files from `projectRoot` into `root` (a new temporary
    /// directory when nil) and writes `count` environments.
    init(projectRoot: String, count: Int, seed: UInt64, root: URL? = nil) throws {
        let fm = FileManager.default
        self.root = root ?? fm.temporaryDirectory.appendingPathComponent("gitops-weave-bench-source-\(getpid())-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: self.root, withIntermediateDirectories: true)
        for item in [Project.fileName, "base", "layers"] {
            let from = URL(fileURLWithPath: projectRoot).appendingPathComponent(item)
            guard fm.fileExists(atPath: from.path) else {
                throw BenchError("\(from.path) does not exist; pass --project with the gitops-weave checkout's root")
            }
            try fm.copyItem(at: from, to: self.root.appendingPathComponent(item))
        }
        let envs = self.root.appendingPathComponent("environments")
        try fm.createDirectory(at: envs, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        var names: [String] = []
        for i in 0..<count {
            let random = rng.next()
            let tier = Self.tiers[i % 3]
            let storage = Self.storages[(i / 3) % 3]
            let openshift = storage == "minio" && (random >> 33) % 4 == 0
            let name = String(format: "env-%05d-%@-%@", i, tier, storage)
            names.append(name)
            try Self.environmentFile(index: i, tier: tier, storage: storage, openshift: openshift, random: random)
                .write(to: envs.appendingPathComponent(name + ".yaml"), atomically: false, encoding: .utf8)
        }
        self.names = names.sorted()
    }

    static func environmentFile(index i: Int, tier: String, storage: String, openshift: Bool, random: UInt64) -> String {
        let volume = ["dev": 10, "staging": 50, "prod": 200][tier]!
        var layers = [tier, storage]
        if openshift { layers.append("openshift") }
        var text = "# generated environment \(i)\nlabels: {tier: \(tier), storage: \(storage)\(openshift ? ", platform: openshift" : "")}\n"
        text += "layers: [\(layers.joined(separator: ", "))]\n"
        text += "nodes: \(tier == "dev" ? 1 : 3)\n"
        let uid = 1_000_600_000 + (i % 50) * 10_000
        if openshift { text += "platform:\n  openshift:\n    uidRange: \(uid)/10000\n" }
        text += "parameters:\n"
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
        if openshift { text += "  openshiftUid: \(uid)\n" }
        return text
    }

    /// The source's files that a render reads: the project file, the base, the layers and
    /// the environments, each once.
    func inputFiles() throws -> [URL] {
        let fm = FileManager.default
        var files = [root.appendingPathComponent(Project.fileName)]
        for dir in ["base", "layers", "environments"] {
            guard let walker = fm.enumerator(at: root.appendingPathComponent(dir), includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where url.pathExtension == "yaml" { files.append(url) }
        }
        return files.sorted { $0.path < $1.path }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// An error of the benchmark itself (not of the code it measures).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
