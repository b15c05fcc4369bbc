import CGit2
import Foundation

/// New objects collected in memory (libgit2's mempack backend) and written to disk as one
/// packfile, instead of one loose file per object. A publish of 1,000 environments writes
/// one pack rather than twelve thousand files; the pack lands before any reference moves,
/// so a crash leaves at worst an unreferenced pack.
final class ObjectBatch {
    private let odb: OpaquePointer
    private let backend: UnsafeMutablePointer<git_odb_backend>
    private unowned let repository: Repository
    private(set) var pending = 0

    init(_ repository: Repository) throws {
        var odb: OpaquePointer?
        try GitError.check(git_repository_odb(&odb, repository.handle), "open the object database")
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try GitError.check(git_mempack_new(&backend), "create an in-memory object store")
        // Highest priority: new objects go to memory first. The odb owns the backend now.
        try GitError.check(git_odb_add_backend(odb, backend, 1000), "attach the in-memory object store")
        self.odb = odb!
        self.backend = backend!
        self.repository = repository
    }

    deinit {
        git_odb_free(odb)
    }

    func noteWrite() { pending += 1 }

    /// Writes what is in memory to `objects/pack/` and empties the store.
    func flush() throws {
        guard pending > 0 else { return }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try GitError.check(git_mempack_dump(&buffer, repository.handle, backend), "pack the new objects")
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try GitError.check(git_odb_write_pack(&writer, odb, nil, nil), "start writing a pack")
        defer { writer?.pointee.free(writer) }
        var stats = git_indexer_progress()
        try GitError.check(writer!.pointee.append(writer, buffer.ptr, buffer.size, &stats), "write the pack")
        try GitError.check(writer!.pointee.commit(writer, &stats), "index the pack")
        try GitError.check(git_mempack_reset(backend), "empty the in-memory object store")
        pending = 0
    }

    /// Writes raw object bytes (the object is hashed by libgit2).
    func write(_ data: Data, type: git_object_t) throws -> ObjectID {
        var oid = git_oid()
        try data.withUnsafeBytes { buffer in
            try GitError.check(git_odb_write(&oid, odb, buffer.baseAddress, buffer.count, type), "write an object")
        }
        noteWrite()
        return ObjectID(oid)
    }
}

extension Repository {
    /// The id a blob with these bytes has, without writing it.
    public func hashBlob(_ data: Data) -> ObjectID {
        var oid = git_oid()
        data.withUnsafeBytes { _ = git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        return ObjectID(oid)
    }

    /// The bytes of a tree object, as git serialises it: entries sorted by name, with
    /// directories compared as if their name ended in "/".
    static func treeBytes(_ entries: [TreeEntry]) -> Data {
        let sorted = entries.sorted { a, b in
            let x = Array(a.name.utf8) + (a.kind == .tree ? [0x2F] : [])
            let y = Array(b.name.utf8) + (b.kind == .tree ? [0x2F] : [])
            return x.lexicographicallyPrecedes(y)
        }
        var data = Data()
        for e in sorted {
            data.append(contentsOf: Array((e.kind == .tree ? "40000 " : "100644 ").utf8))
            data.append(contentsOf: Array(e.name.utf8))
            data.append(0)
            withUnsafeBytes(of: e.id.raw.id) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The id a tree of these entries has, without writing it.
    public func hashTree(_ entries: [TreeEntry]) -> ObjectID {
        let bytes = Self.treeBytes(entries)
        var oid = git_oid()
        bytes.withUnsafeBytes { _ = git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_TREE) }
        return ObjectID(oid)
    }

    /// Writes a tree of blobs and subtrees whose objects exist (or are pending): to the
    /// in-memory batch when one is attached, else as a loose object.
    func writeTreeBytes(_ entries: [TreeEntry]) throws -> ObjectID {
        let bytes = Self.treeBytes(entries)
        if let batch { return try batch.write(bytes, type: GIT_OBJECT_TREE) }
        var odb: OpaquePointer?
        try GitError.check(git_repository_odb(&odb, handle), "open the object database")
        defer { git_odb_free(odb) }
        var oid = git_oid()
        try bytes.withUnsafeBytes { buffer in
            try GitError.check(git_odb_write(&oid, odb, buffer.baseAddress, buffer.count, GIT_OBJECT_TREE), "write a tree")
        }
        return ObjectID(oid)
    }
}
