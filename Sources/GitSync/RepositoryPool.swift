import Foundation

/// Handles on one git directory, lent to readers on several threads.
///
/// libgit2 lets a repository handle, and every object read through it, be used by one thread
/// at a time: most of its structures take no lock. Rather than queue every read behind one
/// lock, each reader borrows a handle of its own and gives it back when done, so render
/// workers read in parallel. Handles are opened as readers need them (about one per worker)
/// and kept for the next; a handle is never lent to two readers at once, and none of them is
/// the caller's own `Repository`, which stays with its thread.
///
/// A handle opened here sees what is on disk: objects still in an `ObjectBatch` of another
/// handle are not visible through it until that batch is flushed.
final class RepositoryPool: @unchecked Sendable {
    /// The git directory every handle is opened on.
    let path: String
    private let lock = NSLock()
    private var idle: [Repository] = []
    private var opened = 0
    /// Idle handles beyond this are closed: a burst of readers does not pin its handles.
    private let maxIdle: Int

    init(path: String, maxIdle: Int = max(8, 2 * ProcessInfo.processInfo.activeProcessorCount)) {
        self.path = path
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a handle no other thread uses meanwhile. Neither the handle nor any
    /// libgit2 object read through it may outlive `body`.
    func withRepository<T>(_ body: (Repository) throws -> T) throws -> T {
        let repository = try borrow()
        defer { giveBack(repository) }
        return try body(repository)
    }

    /// How many handles were opened so far (for tests).
    var handlesOpened: Int { lock.withLock { opened } }

    private func borrow() throws -> Repository {
        if let reused = lock.withLock({ idle.popLast() }) { return reused }
        // Opening reads the configuration and the pack list: done outside the lock, so
        // one reader's open does not hold up another's reuse.
        let repository = try Repository.open(path)
        lock.withLock { opened += 1 }
        return repository
    }

    /// Keeps the handle for the next reader; past `maxIdle` it is dropped, and freed (outside
    /// the lock) when the borrower lets go of it.
    private func giveBack(_ repository: Repository) {
        lock.withLock {
            if idle.count < maxIdle { idle.append(repository) }
        }
    }
}
