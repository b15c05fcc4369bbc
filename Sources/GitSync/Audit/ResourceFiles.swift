import Overlays
import MergeEngine
import YAMLModel

/// What a rendered file's name says about its resource. Rendered files are named
/// `<kind>[.<group>]_<namespace>_<name>.yaml` (cluster-scoped resources leave out the
/// namespace); Kubernetes names cannot hold `_`, so the name splits unambiguously.
public struct RenderedFileName: Sendable, Equatable {
    /// The kind as the file name has it: lower case.
    public var kind: String
    public var group: String
    public var namespace: String?
    public var name: String

    /// Nil for files that are not resources (`kustomization.yaml`, `render-info.txt`). A
    /// path in a subfolder (Flux's `prerequisites/`) is read by its file name.
    public init?(_ path: String) {
        let file = path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path[...]
        guard file.hasSuffix(".yaml") else { return nil }
        let parts = file.dropLast(".yaml".count).split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        let kindAndGroup = parts[0]
        if let dot = kindAndGroup.firstIndex(of: ".") {
            kind = String(kindAndGroup[..<dot])
            group = String(kindAndGroup[kindAndGroup.index(after: dot)...])
        } else {
            kind = kindAndGroup
            group = ""
        }
        namespace = parts.count == 3 ? parts[1] : nil
        name = parts[parts.count - 1]
    }

    /// `clickhouseinstallation/wandb (namespace clickhouse)`: the best a file name can say
    /// (the kind's capitals are lost), for files whose contents cannot be read.
    public var display: String {
        "\(kind)/\(name)" + (namespace.map { " (namespace \($0))" } ?? "")
    }
}

extension ResourceSelector {

    public func matches(_ file: RenderedFileName) -> Bool {
        file.kind.lowercased() == kind.lowercased() && file.name == name
            && (group.map { $0.lowercased() == file.group.lowercased() } ?? true)
            && (namespace.map { $0 == file.namespace } ?? true)
    }

    /// Whether a rendered file (by its name alone) holds the selected resource.
    public func matches(file path: String) -> Bool {
        RenderedFileName(path).map(matches) ?? false
    }
}
