import YAMLModel

/// Who syncs the rendered tree into clusters. Argo CD gets sync-wave annotations and
/// Applications; Flux gets a GitRepository and Kustomizations.
public enum SyncTarget: String, Sendable, CaseIterable {
    case argocd, flux

    /// `target: argocd` or `target: flux`, in the project's output or an environment file.
    static func read(_ node: Node) throws -> SyncTarget {
        guard let target = node.stringValue.flatMap(SyncTarget.init(rawValue:)) else {
            throw Diagnostic.error(at: node.location, "unknown sync target \(node.scalar?.display ?? node.kindName)",
                                   hint: "target is argocd (Applications and sync waves) or flux (HelmReleases, and Kustomizations ordered by dependsOn)")
        }
        return target
    }

    public var toolName: String { self == .argocd ? "Argo CD" : "Flux" }
}

/// How rendered environments are laid out in git.
public enum RenderedLayout: String, Sendable, CaseIterable {
    /// Every environment is a folder `<env>/` at the root of one branch.
    case directory
    /// Every environment is a branch `env/<env>` with its files at the root.
    case branch
}
