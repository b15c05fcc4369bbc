/// Who syncs the rendered tree into clusters. Argo CD gets sync-wave annotations and
/// Applications; Flux gets a GitRepository and Kustomizations.
public enum SyncTarget: String, Sendable, CaseIterable {
    case argocd, flux
}

/// How rendered environments are laid out in git.
public enum RenderedLayout: String, Sendable, CaseIterable {
    /// Every environment is a folder `<env>/` at the root of one branch.
    case directory
    /// Every environment is a branch `env/<env>` with its files at the root.
    case branch
}
