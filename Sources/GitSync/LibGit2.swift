import CGit2

/// The process-wide libgit2 runtime. libgit2 must be initialised before any call; the
/// publish layer (`Repository`, `TreeWriter`, ref updates) builds on this.
public enum LibGit2 {
    private static let initialised: Bool = {
        git_libgit2_init()
        return true
    }()

    /// Initialises libgit2 once per process.
    public static func ensureInitialised() {
        _ = initialised
    }

    /// The version of the linked libgit2, such as "1.5.1".
    public static var version: String {
        ensureInitialised()
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
