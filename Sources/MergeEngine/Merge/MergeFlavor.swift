/// Which reference implementation a strategic merge follows.
public enum MergeFlavor: Sendable, Hashable {
    /// k8s.io/apimachinery's `strategicpatch`, as `kubectl patch --type strategic` applies it.
    case apimachinery
    /// kustomize's kyaml `merge2` with `ListIncreaseDirection: prepend`, as `kubectl kustomize`
    /// applies a `patches:` entry (see `KyamlMerge`).
    case kyaml
}
