import CGit2
import Foundation

/// One entry of a tree: a file (blob) or a directory (tree).
public struct TreeEntry: Hashable, Sendable {
    public enum Kind: Sendable { case blob, tree }

    public var name: String
    public var id: ObjectID
    public var kind: Kind
}

/// Who made a commit.
public struct Signature: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// Reads `Name <email>`; nil when it is not of that form.
    public init?(parsing text: String) {
        guard let open = text.lastIndex(of: "<"), text.hasSuffix(">") else { return nil }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = text[text.index(after: open)..<text.index(before: text.endIndex)]
        guard !name.isEmpty, !email.isEmpty, !email.contains(" ") else { return nil }
        self.init(name: name, email: String(email))
    }

    public var description: String { "\(name) <\(email)>" }
}

/// A commit as read back.
public struct CommitInfo: Sendable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var message: String
    public var author: Signature
    /// The committer's time, in seconds since 1970.
    public var time: Int64
    /// When the author wrote it.
    public var authorTime: Int64
    /// The author's time zone, in minutes east of UTC.
    public var authorOffset: Int = 0
}

// MARK: - Reading and writing objects

extension Repository {
    /// Writes file contents as a blob; writing bytes that exist already costs a lookup.
    public func writeBlob(_ data: Data) throws -> ObjectID {
        var oid = git_oid()
        try data.withUnsafeBytes { buffer in
            try GitError.check(git_blob_create_from_buffer(&oid, handle, buffer.baseAddress, buffer.count), "write a blob")
        }
        return ObjectID(oid)
    }

    public func readBlob(_ id: ObjectID) throws -> Data {
        var blob: OpaquePointer?
        var raw = id.raw
        try GitError.check(git_blob_lookup(&blob, handle, &raw), "read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// The entries of a tree, in git's order.
    public func treeEntries(_ id: ObjectID) throws -> [TreeEntry] {
        var tree: OpaquePointer?
        var raw = id.raw
        try GitError.check(git_tree_lookup(&tree, handle, &raw), "read tree \(id.short)")
        defer { git_tree_free(tree) }
        let count = git_tree_entrycount(tree)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            let kind: TreeEntry.Kind
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE: kind = .tree
            case GIT_OBJECT_BLOB: kind = .blob
            default: continue // submodules are not ours to touch, and are kept by the caller's tree builder
            }
            entries.append(TreeEntry(name: String(cString: git_tree_entry_name(entry)), id: ObjectID(git_tree_entry_id(entry).pointee), kind: kind))
        }
        return entries
    }

    /// Writes one tree from its entries. Entries of other kinds in `base` (submodules,
    /// executables, symlinks) are kept as they were when `base` is given and the entry is
    /// not replaced or removed.
    public func writeTree(_ entries: [TreeEntry], keepingOthersFrom base: ObjectID? = nil, removing removed: Set<String> = []) throws -> ObjectID {
        var source: OpaquePointer?
        if let base {
            var raw = base.raw
            try GitError.check(git_tree_lookup(&source, handle, &raw), "read tree \(base.short)")
        }
        defer { if source != nil { git_tree_free(source) } }
        var builder: OpaquePointer?
        try GitError.check(git_treebuilder_new(&builder, handle, source), "start a tree")
        defer { git_treebuilder_free(builder) }
        for name in removed {
            _ = git_treebuilder_remove(builder, name)
        }
        for entry in entries {
            var raw = entry.id.raw
            let mode = entry.kind == .tree ? GIT_FILEMODE_TREE : GIT_FILEMODE_BLOB
            try GitError.check(git_treebuilder_insert(nil, builder, entry.name, &raw, mode), "add \(entry.name) to a tree")
        }
        var oid = git_oid()
        try GitError.check(git_treebuilder_write(&oid, builder), "write a tree")
        return ObjectID(oid)
    }

    /// Writes a directory of files (paths may contain `/`) as a tree, bottom up.
    public func writeTree(files: [(path: String, contents: Data)]) throws -> ObjectID {
        try writeTree(Dictionary(files, uniquingKeysWith: { _, last in last }), over: nil)
    }

    /// `base` with the files at these paths (from its root; `/` separates folders) replaced
    /// or added, its folders rewritten bottom up; a new tree of them alone when `base` is nil.
    public func writeTree(_ files: [String: Data], over base: ObjectID?) throws -> ObjectID {
        var direct: [TreeEntry] = []
        var nested: [String: [String: Data]] = [:]
        for (path, data) in files {
            if let slash = path.firstIndex(of: "/") {
                nested[String(path[..<slash]), default: [:]][String(path[path.index(after: slash)...])] = data
            } else {
                direct.append(TreeEntry(name: path, id: try writeBlob(data), kind: .blob))
            }
        }
        let existing = try base.map { try treeEntries($0) } ?? []
        for (folder, inner) in nested {
            let old = existing.first { $0.name == folder && $0.kind == .tree }?.id
            direct.append(TreeEntry(name: folder, id: try writeTree(inner, over: old), kind: .tree))
        }
        return try writeTree(direct, keepingOthersFrom: base)
    }

    public func commitInfo(_ id: ObjectID) throws -> CommitInfo {
        var commit: OpaquePointer?
        var raw = id.raw
        try GitError.check(git_commit_lookup(&commit, handle, &raw), "read commit \(id.short)")
        defer { git_commit_free(commit) }
        var parents: [ObjectID] = []
        for i in 0..<git_commit_parentcount(commit) {
            if let p = git_commit_parent_id(commit, i) { parents.append(ObjectID(p.pointee)) }
        }
        let author = git_commit_author(commit)!.pointee
        return CommitInfo(
            id: id, tree: ObjectID(git_commit_tree_id(commit).pointee), parents: parents,
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            author: Signature(name: String(cString: author.name), email: String(cString: author.email)),
            time: Int64(git_commit_time(commit)), authorTime: Int64(author.when.time), authorOffset: Int(author.when.offset))
    }

    /// Creates a commit object without moving any reference.
    public func createCommit(tree: ObjectID, parents: [ObjectID], message: String, author: Signature, committer: Signature? = nil) throws -> ObjectID {
        var treeObject: OpaquePointer?
        var treeRaw = tree.raw
        try GitError.check(git_tree_lookup(&treeObject, handle, &treeRaw), "read tree \(tree.short)")
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { for p in parentObjects { git_commit_free(p) } }
        for parent in parents {
            var p: OpaquePointer?
            var raw = parent.raw
            try GitError.check(git_commit_lookup(&p, handle, &raw), "read commit \(parent.short)")
            parentObjects.append(p)
        }
        let authorSignature = try makeSignature(author)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try makeSignature(committer ?? author)
        defer { git_signature_free(committerSignature) }
        var oid = git_oid()
        try parentObjects.withUnsafeMutableBufferPointer { buffer in
            try GitError.check(
                git_commit_create(&oid, handle, nil, authorSignature, committerSignature, "UTF-8", message, treeObject,
                                  buffer.count, buffer.baseAddress),
                "create a commit")
        }
        return ObjectID(oid)
    }

    func makeSignature(_ s: Signature) throws -> UnsafeMutablePointer<git_signature>? {
        var sig: UnsafeMutablePointer<git_signature>?
        try GitError.check(git_signature_now(&sig, s.name, s.email), "make a signature for \(s.description)")
        return sig
    }

    /// The signature git would use here (user.name and user.email), if configured.
    public func defaultSignature() -> Signature? {
        var sig: UnsafeMutablePointer<git_signature>?
        guard git_signature_default(&sig, handle) == 0, let s = sig else { return nil }
        defer { git_signature_free(s) }
        return Signature(name: String(cString: s.pointee.name), email: String(cString: s.pointee.email))
    }

    /// Whether an object is in the object database.
    public func hasObject(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        defer { git_odb_free(odb) }
        var raw = id.raw
        return git_odb_exists(odb, &raw) == 1
    }
}
