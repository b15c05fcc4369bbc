import Foundation

/// Where this checkout is, and the `shared` directory beside it (reference cases, CRDs,
/// schemas), or wherever `GITOPS_WEAVE_SHARED` says.
public enum RepositoryPaths {
    /// The package's root directory (this file is `Tests/TestSupport/RepositoryPaths.swift`).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$GITOPS_WEAVE_SHARED`, or `../shared` beside the checkout.
    public static var shared: URL {
        if let env = ProcessInfo.processInfo.environment["GITOPS_WEAVE_SHARED"] { return URL(fileURLWithPath: env) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }
}
