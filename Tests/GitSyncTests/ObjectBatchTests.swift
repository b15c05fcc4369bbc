import CGit2
import Foundation
@testable import GitSync
import Testing

/// `ObjectBatch.init` acquires an odb reference, then a mempack backend, then hands the
/// backend to the odb. Each step is failed in turn through `ObjectBatch.Setup`, with the
/// real libgit2 calls underneath, and what was acquired must be released, newest first.
@Suite("GitSync object batch setup")
struct ObjectBatchTests {
    /// What the setup did, in order (single-threaded: one batch per test).
    final class Ledger {
        var events: [String] = []
    }

    /// The real calls, logged, except step `failing` (1: open the odb, 2: create the
    /// mempack, 3: attach it), which fails as libgit2 does, with an error message set.
    static func setup(failing step: Int?, _ ledger: Ledger) -> ObjectBatch.Setup {
        let real = ObjectBatch.Setup.libgit2
        func fail() -> Int32 {
            git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), "injected failure")
            return -1
        }
        return ObjectBatch.Setup(
            openODB: { odb, repository in
                if step == 1 { return fail() }
                let result = real.openODB(&odb, repository)
                if result == 0 { ledger.events.append("open odb") }
                return result
            },
            newMempack: { backend in
                if step == 2 { return fail() }
                let result = real.newMempack(&backend)
                if result == 0 { ledger.events.append("create mempack") }
                return result
            },
            addBackend: { odb, backend, priority in
                if step == 3 { return fail() }
                let result = real.addBackend(odb, backend, priority)
                if result == 0 { ledger.events.append("attach mempack") }
                return result
            },
            freeBackend: { backend in
                ledger.events.append("free mempack")
                real.freeBackend(backend)
            },
            freeODB: { odb in
                ledger.events.append("free odb")
                real.freeODB(odb)
            })
    }

    @Test("a failing step of ObjectBatch.init frees what the steps before it acquired, newest first",
          arguments: [
              (1, "open the object database", [String]()),
              (2, "create an in-memory object store", ["open odb", "free odb"]),
              (3, "attach the in-memory object store", ["open odb", "create mempack", "free mempack", "free odb"]),
          ])
    func failedStepFreesEverything(step: Int, operation: String, expected: [String]) throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: true)
        let ledger = Ledger()
        do {
            _ = try ObjectBatch(repo, setup: Self.setup(failing: step, ledger))
            Issue.record("step \(step) failed and init still succeeded")
        } catch let error as GitError {
            #expect(error.operation == operation)
            #expect(error.message == "injected failure")
        }
        #expect(ledger.events == expected)
        // Nothing is left half-attached: the repository still reads and writes, and a real
        // batch can still be made.
        #expect(repo.batch == nil)
        let blob = try repo.writeBlob(Data("after step \(step)\n".utf8))
        #expect(try repo.readBlob(blob) == Data("after step \(step)\n".utf8))
        let batch = try repo.objectBatch()
        _ = try batch.write(Data("batched\n".utf8), type: GIT_OBJECT_BLOB)
        #expect(batch.pending == 1)
    }

    @Test("a batch that was made releases only its odb reference, when it goes; the odb frees the backend")
    func successfulBatchReleasesOnDeinit() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: true)
        let ledger = Ledger()
        do {
            let batch = try ObjectBatch(repo, setup: Self.setup(failing: nil, ledger))
            #expect(ledger.events == ["open odb", "create mempack", "attach mempack"])
            let id = try batch.write(Data("in memory\n".utf8), type: GIT_OBJECT_BLOB)
            #expect(repo.hasObject(id))
        }
        #expect(ledger.events == ["open odb", "create mempack", "attach mempack", "free odb"])
    }
}
