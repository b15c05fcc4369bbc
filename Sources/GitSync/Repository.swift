import CGit2

/// A git repository opened through libgit2. The handle is owned by this object and freed
/// with it.
///
/// A `Repository` belongs to one thread at a time, as libgit2 requires of the handle and of
/// every object read through it: most of its structures take no lock of their own. Work
/// spread over threads never shares one; readers borrow handles of their own from
/// `readers`, and hashing, which reads no repository, is static.
public final class Repository {
    let handle: OpaquePointer
    /// Handles on the same git directory for readers on other threads (`GitTreeSource`'s
    /// render workers). Created on first use, by the thread that owns this repository.
    private(set) lazy var readers = RepositoryPool(path: gitDirectory)
    /// The in-memory object store new objects go to, once a publish attached it; one per
    /// repository, since libgit2 cannot detach a backend.
    private(set) var batch: ObjectBatch?

    func objectBatch() throws -> ObjectBatch {
        if let batch { return batch }
        let created = try ObjectBatch(self)
        batch = created
        return created
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        batch = nil
        git_repository_free(handle)
    }

    /// Opens the repository containing `path`, searching upward like `git` does; nil when
    /// `path` is not inside a repository.
    public static func discover(containing path: String) throws -> Repository? {
        LibGit2.ensureInitialised()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let found = git_repository_discover(&buffer, path, 0, nil)
        if found == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(found, "find the repository containing \(path)")
        return try open(String(cString: buffer.ptr))
    }

    /// Opens a repository at `path` (its work tree or git directory).
    public static func open(_ path: String) throws -> Repository {
        LibGit2.ensureInitialised()
        var repo: OpaquePointer?
        try GitError.check(git_repository_open(&repo, path), "open repository \(path)")
        return Repository(handle: repo!)
    }

    /// Creates a repository (or opens the one already there).
    public static func initialize(at path: String, bare: Bool) throws -> Repository {
        LibGit2.ensureInitialised()
        var repo: OpaquePointer?
        try GitError.check(git_repository_init(&repo, path, bare ? 1 : 0), "initialise repository \(path)")
        return Repository(handle: repo!)
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// The path of the git directory (`.git/`, or the bare repository itself).
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// The work tree's root, or nil for a bare repository.
    public var workTree: String? {
        git_repository_workdir(handle).map { String(cString: $0) }
    }

    /// The id of the commit HEAD points at; nil in a repository without commits.
    public func headCommitID() throws -> String? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, "HEAD")
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EUNBORNBRANCH.rawValue { return nil }
        try GitError.check(result, "resolve HEAD")
        return Self.hex(oid)
    }

    /// Whether the work tree or index differs from HEAD (untracked files count; ignored
    /// files do not).
    public func hasUncommittedChanges() throws -> Bool {
        var options = git_status_options()
        try GitError.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "prepare status options")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try GitError.check(git_status_list_new(&list, handle, &options), "read the status of the work tree")
        defer { git_status_list_free(list) }
        return git_status_list_entrycount(list) > 0
    }

    static func hex(_ oid: git_oid) -> String { ObjectID(oid).hex }
}
