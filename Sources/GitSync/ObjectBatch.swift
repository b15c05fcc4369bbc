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
    private let setup: Setup
    private(set) var pending = 0

    /// The libgit2 calls that acquire and release what a batch holds, in the order `init`
    /// makes them. Tests substitute them to fail a step and count what is freed.
    struct Setup {
        /// Takes a reference to the repository's object database.
        var openODB: (_ odb: inout OpaquePointer?, _ repository: OpaquePointer) -> Int32
        var newMempack: (_ backend: inout UnsafeMutablePointer<git_odb_backend>?) -> Int32
        /// On success the object database owns the backend; on failure the caller still does.
        var addBackend: (_ odb: OpaquePointer, _ backend: UnsafeMutablePointer<git_odb_backend>, _ priority: Int32) -> Int32
        var freeBackend: (_ backend: UnsafeMutablePointer<git_odb_backend>) -> Void
        var freeODB: (_ odb: OpaquePointer) -> Void

        static let libgit2 = Setup(
            openODB: { git_repository_odb(&$0, $1) },
            newMempack: { git_mempack_new(&$0) },
            addBackend: { git_odb_add_backend($0, $1, $2) },
            freeBackend: { $0.pointee.free?($0) },
            freeODB: { git_odb_free($0) })
    }

    /// Attaches a mempack backend to the repository's object database. A step that fails
    /// releases what the steps before it acquired, newest first, so a failed publish can be
    /// retried without leaking a backend and an odb reference each time.
    init(_ repository: Repository, setup: Setup = .libgit2) throws {
        var odb: OpaquePointer?
        try GitError.check(setup.openODB(&odb, repository.handle), "open the object database")
        var attached = false
        defer { if !attached { setup.freeODB(odb!) } }
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try GitError.check(setup.newMempack(&backend), "create an in-memory object store")
        defer { if !attached { setup.freeBackend(backend!) } }
        // Highest priority: new objects go to memory first. Once attached, the backend is
        // the odb's to free.
        try GitError.check(setup.addBackend(odb!, backend!, 1000), "attach the in-memory object store")
        attached = true
        self.odb = odb!
        self.backend = backend!
        self.repository = repository
        self.setup = setup
    }

    deinit {
        setup.freeODB(odb)
    }

    /// The commits written to memory: the pack holds what they reach.
    private var commits: [git_oid] = []

    func noteWrite() { pending += 1 }

    func noteCommit(_ id: ObjectID) {
        commits.append(id.raw)
        pending += 1
    }

    /// Writes what is in memory to `objects/pack/` and empties the store.
    func flush() throws {
        guard pending > 0 else { return }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        // git_mempack_dump, but with the delta search on every core: it packs what the
        // commits in memory reach, as git_mempack_dump does.
        var builder: OpaquePointer?
        try GitError.check(git_packbuilder_new(&builder, repository.handle), "start a pack")
        defer { git_packbuilder_free(builder) }
        git_packbuilder_set_threads(builder, UInt32(max(1, ProcessInfo.processInfo.activeProcessorCount)))
        for var commit in commits {
            try GitError.check(git_packbuilder_insert_commit(builder, &commit), "pack commit \(ObjectID(commit).short)")
        }
        try GitError.check(git_packbuilder_write_buf(&buffer, builder), "pack the new objects")
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try GitError.check(git_odb_write_pack(&writer, odb, nil, nil), "start writing a pack")
        defer { writer?.pointee.free(writer) }
        var stats = git_indexer_progress()
        try GitError.check(writer!.pointee.append(writer, buffer.ptr, buffer.size, &stats), "write the pack")
        try GitError.check(writer!.pointee.commit(writer, &stats), "index the pack")
        try GitError.check(git_mempack_reset(backend), "empty the in-memory object store")
        pending = 0
        commits = []
    }

    func writeBlob(_ data: Data, id: ObjectID) throws { try write(data, id: id, type: GIT_OBJECT_BLOB) }
    func writeTree(bytes: Data, id: ObjectID) throws { try write(bytes, id: id, type: GIT_OBJECT_TREE) }

    /// Stores an object whose id the caller has already hashed (`hashBlob`, `hashTree`),
    /// straight into the in-memory store: libgit2's `git_odb_write` would hash it again.
    private func write(_ data: Data, id: ObjectID, type: git_object_t) throws {
        guard let write = backend.pointee.write else { _ = try self.write(data, type: type); return }
        var oid = id.raw
        try data.withUnsafeBytes { buffer in
            try GitError.check(write(backend, &oid, buffer.baseAddress, buffer.count, type), "write an object")
        }
        noteWrite()
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
    public func hashBlob(_ data: Data) -> ObjectID { Self.blobID(data) }

    /// The bytes of a tree object, as git serialises it: entries sorted by name, with
    /// directories compared as if their name ended in "/".
    static func treeBytes(_ entries: [TreeEntry]) -> Data {
        let sorted = entries.map { e in (key: Array(e.name.utf8) + (e.kind == .tree ? [0x2F] : []), entry: e) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.entry)
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
        Self.treeID(bytes: Self.treeBytes(entries))
    }

    // Hashing reads no repository, so these are static: workers on any thread may hash
    // without touching a `Repository` another thread owns.

    /// The id of a blob with these bytes.
    static func blobID(_ data: Data) -> ObjectID { objectID(data, type: GIT_OBJECT_BLOB) }

    /// The id of a tree whose serialised bytes (`treeBytes`) these are.
    static func treeID(bytes: Data) -> ObjectID { objectID(bytes, type: GIT_OBJECT_TREE) }

    /// The id of an object of this type with these bytes, without writing it.
    static func objectID(_ bytes: Data, type: git_object_t) -> ObjectID {
        var oid = git_oid()
        bytes.withUnsafeBytes { _ = git_odb_hash(&oid, $0.baseAddress, $0.count, type) }
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
