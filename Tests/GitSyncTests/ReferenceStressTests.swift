import Foundation
@testable import GitSync
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The stress tests of GitSync's references: writers on several threads racing to create,
/// and to compare-and-swap, the same references. They are kept apart so that `swift test
/// --skip StressTests` leaves them out and `swift test --filter StressTests` runs them alone;
/// CI runs everything.
@Suite("GitSync references: stress (racing writers)")
struct ReferenceStressTests {
    @Test("writers racing to create the same reference: exactly one wins, and the reference names its commit")
    func creationRace() throws {
        let box = try Sandbox()
        let path = box.path("repo")
        let setup = try Repository.initialize(at: path, bare: true)
        let writers = 6, rounds = 40
        // One commit per writer and round, made up front.
        var commits: [[ObjectID]] = []
        for w in 0..<writers {
            commits.append(try (0..<rounds).map { try commit(setup, ["w": "\(w)-\($0)"]) })
        }
        let results = Locked(Array(repeating: Array(repeating: false, count: writers), count: rounds))
        let frozen = commits
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            guard let repo = try? Repository.open(path) else { return }
            for round in 0..<rounds {
                let won = (try? repo.updateReference("refs/heads/race-\(round)", to: frozen[w][round], expected: nil, message: "race")) != nil
                results.withLock { $0[round][w] = won }
            }
        }
        let outcome = results.withLock { $0 }
        for round in 0..<rounds {
            let winners = outcome[round].enumerated().filter(\.element).map(\.offset)
            #expect(winners.count == 1, "round \(round): \(winners.count) writers created the reference")
            if let w = winners.first {
                #expect(try setup.resolve("refs/heads/race-\(round)") == commits[w][round], "round \(round): the winner's commit was overwritten")
            }
        }
    }

    @Test("writers racing compare-and-swap updates on one branch: no update is lost")
    func updateRace() throws {
        let box = try Sandbox()
        let path = box.path("repo")
        let setup = try Repository.initialize(at: path, bare: true)
        let root = try commit(setup, ["n": "root"])
        try setup.updateReference("refs/heads/counter", to: root, expected: nil, message: "root")
        let writers = 6, perWriter = 15
        let landed = Locked(0)
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            guard let repo = try? Repository.open(path) else { return }
            var done = 0
            while done < perWriter {
                guard let tip = try? repo.resolve("refs/heads/counter"),
                      let next = try? commit(repo, ["n": "\(w)-\(done)"], parents: [tip]) else { continue }
                do {
                    try repo.updateReference("refs/heads/counter", to: next, expected: tip, message: "next")
                    done += 1
                    landed.withLock { $0 += 1 }
                } catch {
                    continue
                }
            }
        }
        #expect(landed.withLock { $0 } == writers * perWriter)
        // Every successful update is in the first-parent chain.
        var length = 0
        var cursor = try setup.resolve("refs/heads/counter")
        while let id = cursor, id != root {
            length += 1
            cursor = try setup.commitInfo(id).parents.first
        }
        #expect(length == writers * perWriter)
    }
}
