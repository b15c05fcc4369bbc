import CGit2
import Foundation

// Pushing to a repository on this machine (a path or a file:// URL).
//
// libgit2's local transport checks that an update is a fast-forward against the tips it
// listed when it connected, then writes the remote reference with force: two publishers
// pushing at the same moment can both pass the check, and the second silently replaces
// the first one's commit. Here the objects are copied into the other repository directly
// and its reference moves by compare-and-swap, as `git receive-pack` does.

extension Repository {
    /// The directory of the repository `nameOrURL` (a configured remote, a URL or a path)
    /// points at, when it is on this machine; nil for network remotes.
    func localRemotePath(_ nameOrURL: String) -> String? {
        var url = nameOrURL
        var remote: OpaquePointer?
        if git_remote_lookup(&remote, handle, nameOrURL) == 0 {
            defer { git_remote_free(remote) }
            guard let configured = git_remote_pushurl(remote) ?? git_remote_url(remote) else { return nil }
            url = String(cString: configured)
        }
        if url.hasPrefix("file://") {
            return URL(string: url)?.path ?? String(url.dropFirst("file://".count))
        }
        if url.contains("://") { return nil }
        // scp-like `host:path` is ssh.
        if !url.hasPrefix("/"), !url.hasPrefix("."), let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") {
            return nil
        }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory) && isDirectory.boolValue ? url : nil
    }

    /// Pushes `src:dst` refspecs (`:dst` deletes) into the repository at `path`. Each
    /// reference moves only from the value read before copying; a concurrent update, or a
    /// tip that is not an ancestor of what is pushed, throws `PushError.rejected`.
    func pushLocal(to path: String, refspecs: [String]) throws {
        let target = try Repository.open(path)
        for spec in refspecs {
            var text = Substring(spec)
            let force = text.hasPrefix("+")
            if force { text = text.dropFirst() }
            guard let colon = text.lastIndex(of: ":") else {
                throw GitError(operation: "push to \(path)", code: -1, message: "refspec \(spec) has no destination")
            }
            let source = String(text[..<colon]), destination = String(text[text.index(after: colon)...])
            let old = try target.resolve(destination)
            if source.isEmpty {
                guard let old else { continue }
                do {
                    try target.deleteReference(destination, expected: old)
                } catch let error as ReferenceUpdateError {
                    throw PushError.rejected(reference: destination, reason: error.description)
                }
                continue
            }
            let new = try revision(source)
            if let old, old != new, !force {
                guard hasObject(old) else {
                    throw PushError.rejected(reference: destination, reason: "the remote's \(destination) (\(old.short)) has commits that are not present locally")
                }
                guard try isDescendant(new, of: old) else {
                    throw PushError.rejected(reference: destination, reason: "non-fast-forward: \(new.short) does not contain the remote's \(old.short)")
                }
            }
            try copyObjects(reachableFrom: new, to: target)
            guard old != new else { continue }
            do {
                try target.updateReference(destination, to: new, expected: old, message: "push")
            } catch let error as ReferenceUpdateError {
                throw PushError.rejected(reference: destination, reason: error.description)
            }
        }
    }

    /// A commit named by a reference or by its id.
    func revision(_ spec: String) throws -> ObjectID {
        if let id = ObjectID(hex: spec) { return id }
        var object: OpaquePointer?
        try GitError.check(git_revparse_single(&object, handle, spec), "resolve \(spec)")
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object).pointee)
    }

    func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws -> Bool {
        var a = commit.raw, b = ancestor.raw
        return try GitError.check(git_graph_descendant_of(handle, &a, &b), "compare \(commit.short) with \(ancestor.short)") == 1
    }

    /// Copies every object reachable from `start` that `target` lacks, children before
    /// parents, so an object present in `target` always has everything it refers to.
    func copyObjects(reachableFrom start: ObjectID, to target: Repository) throws {
        var sourceDatabase: OpaquePointer?, targetDatabase: OpaquePointer?
        try GitError.check(git_repository_odb(&sourceDatabase, handle), "open the object database")
        defer { git_odb_free(sourceDatabase) }
        try GitError.check(git_repository_odb(&targetDatabase, target.handle), "open the object database of \(target.gitDirectory)")
        defer { git_odb_free(targetDatabase) }

        var stack: [(id: ObjectID, expanded: Bool)] = [(start, false)]
        var visited = Set<ObjectID>()
        while let (id, expanded) = stack.popLast() {
            var raw = id.raw
            if expanded {
                var object: OpaquePointer?
                try GitError.check(git_odb_read(&object, sourceDatabase, &raw), "read object \(id.short)")
                defer { git_odb_object_free(object) }
                var written = git_oid()
                try GitError.check(
                    git_odb_write(&written, targetDatabase, git_odb_object_data(object), git_odb_object_size(object), git_odb_object_type(object)),
                    "copy object \(id.short) to \(target.gitDirectory)")
                continue
            }
            guard visited.insert(id).inserted, git_odb_exists(targetDatabase, &raw) != 1 else { continue }
            var size = 0
            var type = GIT_OBJECT_INVALID
            try GitError.check(git_odb_read_header(&size, &type, sourceDatabase, &raw), "read object \(id.short)")
            stack.append((id, true))
            switch type {
            case GIT_OBJECT_COMMIT:
                let info = try commitInfo(id)
                stack.append((info.tree, false))
                for parent in info.parents { stack.append((parent, false)) }
            case GIT_OBJECT_TREE:
                for entry in try treeEntries(id) { stack.append((entry.id, false)) }
            default:
                break
            }
        }
    }
}
