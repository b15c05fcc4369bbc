import Overlays

/// What a rendered file's name says about its resource. Rendered files are named
/// `<kind>[.<group>]_<namespace>_<name>.yaml` (cluster-scoped resources leave out the
/// namespace); Kubernetes names cannot hold `_`, so the name splits unambiguously.
public struct RenderedFileName: Sendable, Equatable {
    /// The kind as the file name has it: lower case.
    public var kind: String
    public var group: String
    public var namespace: String?
    public var name: String

    /// Nil for files that are not resources (`kustomization.yaml`, `render-info.txt`).
    public init?(_ path: String) {
        guard path.hasSuffix(".yaml"), !path.contains("/") else { return nil }
        let parts = path.dropLast(".yaml".count).split(separator: "_", omittingEmptySubsequences: false).map(String.init)
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

/// A resource named on the command line: `Kind/name`, or `Kind/namespace/name`. The kind
/// matches case-insensitively and may carry its API group (`ClickHouseInstallation.clickhouse.altinity.com/wandb`).
public struct ResourceSelector: Sendable, Equatable, CustomStringConvertible {
    public var kind: String
    public var group: String?
    public var namespace: String?
    public var name: String
    public let text: String

    public init(parsing text: String) throws {
        self.text = text
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw Diagnostic.error(at: nil, "cannot read resource \"\(text)\"",
                                   hint: "name it Kind/name (or Kind/namespace/name), e.g. ClickHouseInstallation/wandb")
        }
        if let dot = parts[0].firstIndex(of: ".") {
            kind = String(parts[0][..<dot])
            group = String(parts[0][parts[0].index(after: dot)...])
        } else {
            kind = parts[0]
            group = nil
        }
        namespace = parts.count == 3 ? parts[1] : nil
        name = parts[parts.count - 1]
    }

    public var description: String { text }

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
