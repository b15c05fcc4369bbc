import CGit2
import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// A source read straight from a commit's tree through libgit2: no checkout, no temporary
/// clone. `diff` renders the base revision this way.
///
/// Render workers read it from many threads at once, and a libgit2 handle is for one thread
/// at a time: the revision is resolved with the caller's `Repository`, on the caller's
/// thread, and every later read borrows a handle of its own from the repository's
/// `readers`. Only the tree cache is shared, under `lock`.
public final class GitTreeSource: SourceTree, @unchecked Sendable {
    /// Handles for the reads; never the caller's `Repository`, which stays with its thread.
    let readers: RepositoryPool
    /// The tree of the source root (the directory holding gitops-weave.yaml).
    let root: ObjectID
    /// How paths are named in messages: `<revision>:<path>`, as git names them.
    let label: String
    private let lock = NSLock()
    /// Directory entries by path ("" for the root), as read.
    private var trees: [String: [TreeEntry]] = [:]

    /// The source at `revision`, rooted at `subdirectory` of the repository ("" for the top).
    public init(repository: Repository, revision: String, subdirectory: String) throws {
        readers = repository.readers
        let commit = try repository.commitID(revision)
        var tree = try repository.commitInfo(commit).tree
        for part in subdirectory.split(separator: "/") where !part.isEmpty && part != "." {
            guard let entry = try repository.treeEntries(tree).first(where: { $0.name == part && $0.kind == .tree }) else {
                throw Diagnostic.error(at: nil, "\(revision) has no directory \(subdirectory)", hint: "the source root moved; name revisions that hold it")
            }
            tree = entry.id
        }
        root = tree
        let prefix = subdirectory.isEmpty || subdirectory == "." ? "" : subdirectory.hasSuffix("/") ? subdirectory : subdirectory + "/"
        label = "\(revision):\(prefix)"
    }

    public func displayPath(_ path: String) -> String { label + path }

    /// The entries of a directory; nil when there is no such directory. The lock is not
    /// held while libgit2 reads: two workers missing the cache at once both read the tree,
    /// which is cheaper than making every other reader wait.
    func entries(_ directory: String) throws -> [TreeEntry]? {
        let parts = directory.split(separator: "/").filter { !$0.isEmpty && $0 != "." }
        let key = parts.joined(separator: "/")
        if let cached = lock.withLock({ trees[key] }) { return cached }
        var tree = root
        if let name = parts.last {
            guard let entry = try entries(parts.dropLast().joined(separator: "/"))?.first(where: { $0.name == name }),
                  entry.kind == .tree else { return nil }
            tree = entry.id
        }
        let list = try readers.withRepository { try $0.treeEntries(tree) }
        lock.withLock { trees[key] = list }
        return list
    }

    public func readFile(_ path: String) throws -> String? {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        guard let entry = try entries(parent)?.first(where: { $0.name == name }), entry.kind == .blob else { return nil }
        let data = try readers.withRepository { try $0.readBlob(entry.id) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic.error(at: SourceLocation(file: displayPath(path), line: 1, column: 1), "the file is not UTF-8 text")
        }
        return text
    }

    public func list(_ path: String) throws -> [SourceEntry]? {
        try entries(path)?.map { SourceEntry(name: $0.name, isDirectory: $0.kind == .tree) }.sorted { $0.name < $1.name }
    }
}

extension Repository {
    /// The commit a revision names (`HEAD~2`, `main`, a sha).
    /// A revision that names nothing, or not a commit, is an error that says what was
    /// expected and lists the branches and tags there are; libgit2's own message is not
    /// shown.
    public func commitID(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, handle, revision + "^{commit}")
        guard result == 0 else {
            let known = (try? references(under: "refs/heads/"))?.map { String($0.name.dropFirst("refs/heads/".count)) } ?? []
            let tags = (try? references(under: "refs/tags/"))?.map { String($0.name.dropFirst("refs/tags/".count)) } ?? []
            let what: String
            switch result {
            case GIT_EAMBIGUOUS.rawValue: what = "is ambiguous: more than one object starts with it"
            case GIT_EPEEL.rawValue: what = "names an object that is not a commit"
            case GIT_EINVALIDSPEC.rawValue: what = "is not a valid revision"
            default: what = "is not a revision in this repository"
            }
            var hint = "expected a commit id, a branch, a tag or an expression such as HEAD~1"
            if let closest = Suggestion.closest(to: revision, in: known + tags) {
                hint = "did you mean \(closest)?"
            } else if !known.isEmpty {
                hint += "; branches: " + known.prefix(8).joined(separator: ", ") + (known.count > 8 ? ", …" : "")
                if !tags.isEmpty { hint += "; tags: " + tags.prefix(8).joined(separator: ", ") + (tags.count > 8 ? ", …" : "") }
            }
            throw Diagnostic.error(at: nil, "\"\(revision)\" \(what)", hint: hint)
        }
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object).pointee)
    }

    /// The best common ancestor of two commits.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID {
        var out = git_oid()
        var x = a.raw, y = b.raw
        try GitError.check(git_merge_base(&out, handle, &x, &y), "find the merge base of \(a.short) and \(b.short)")
        return ObjectID(out)
    }

    /// The repository's default branch: what `origin/HEAD` points at, else `main` or `master`.
    public func defaultBranch() -> String? {
        var ref: OpaquePointer?
        if git_reference_lookup(&ref, handle, "refs/remotes/origin/HEAD") == 0 {
            defer { git_reference_free(ref) }
            if let target = git_reference_symbolic_target(ref) { return String(cString: target) }
        }
        for candidate in ["refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"] {
            if (try? resolve(candidate)) ?? nil != nil { return candidate }
        }
        return nil
    }
}
