import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The stress tests of `gitops-weave publish`: many publishers racing on one branch or one
/// remote, and publishes killed (SIGKILL) at random moments. They take seconds each, so they
/// are kept apart: `swift test --skip StressTests` leaves them out, `swift test --filter
/// StressTests` runs them alone; CI runs everything.
@Suite("gitops-weave publish: stress (racing publishers, killed publishes)",
       .enabled(if: ExternalTool.hasGit, "the git CLI is needed to check what publish wrote"))
struct PublishStressTests {
    typealias World = GitWorld

    /// Publishes and requires success (PublishCommandTests' helper).
    @discardableResult
    func publish(_ world: World, _ arguments: [String], in dir: URL, environment: [String: String] = [:],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        try PublishCommandTests().publish(world, arguments, in: dir, environment: environment, sourceLocation: sourceLocation)
    }

    // MARK: Concurrency

    /// Starts `gitops-weave publish e<i> <extra>` for i in 1...n at once; returns their outputs.
    func race(_ w: World, _ src: URL, count: Int, extra: [String]) throws -> [Output] {
        let running = try (1...count).map { try w.startWeave(["publish", "e\($0)"] + extra, in: src) }
        return running.map { $0.wait() }
    }

    /// Every environment landed with exactly one commit each, and the history is a line.
    func expectEveryPublisherLanded(_ w: World, in repo: URL, count: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = (1...count).map { "e\($0)" }
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: repo).sorted() == expected.sorted(), sourceLocation: sourceLocation)
        #expect(try w.git("rev-list", "--count", "rendered", in: repo) == "\(count)", sourceLocation: sourceLocation)
        let perCommit = try w.gitLines("log", "--format=%(trailers:key=Environments,valueonly,unfold)", "rendered", in: repo)
            .filter { !$0.isEmpty }
        #expect(perCommit.sorted() == expected.sorted(), "each publisher makes one commit of its own", sourceLocation: sourceLocation)
        #expect(try w.gitLines("rev-list", "--merges", "rendered", in: repo).isEmpty, sourceLocation: sourceLocation)
        let fsck = try w.gitOutput(["fsck", "--strict", "--no-progress"], in: repo)
        #expect(fsck.status == 0, "\(fsck)", sourceLocation: sourceLocation)
    }

    @Test("20 publishers racing on one branch: every one lands, one commit each")
    func racingPublishers() throws {
        let w = try World()
        let src = try w.generatedSource(environments: 20)
        let started = Date()
        let outputs = try race(w, src, count: 20, extra: [])
        for (i, out) in outputs.enumerated() {
            #expect(out.status == 0, "publisher e\(i + 1): \(out)")
            #expect(out.stdout.contains("committed "), "publisher e\(i + 1): \(out)")
        }
        print("racing publishers: 20 landed in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        try expectEveryPublisherLanded(w, in: src, count: 20)
        #expect(try w.git("status", "--porcelain", in: src).isEmpty)
    }

    enum PushTarget: String, CaseIterable, CustomTestStringConvertible {
        case namedRemote, fileURL
        var testDescription: String { rawValue }
    }

    @Test("20 publishers racing to push to one bare repository: every one lands", arguments: PushTarget.allCases)
    func racingPushers(target: PushTarget) throws {
        let w = try World()
        let src = try w.generatedSource(environments: 20)
        let bare = try w.initRepository("remote.git", bare: true)
        let extra: [String]
        switch target {
        case .namedRemote:
            try w.git("remote", "add", "origin", bare.path, in: src)
            extra = ["--push", "--remote", "origin"]
        case .fileURL:
            extra = ["--repo", "file://\(bare.path)"]
        }
        let started = Date()
        let outputs = try race(w, src, count: 20, extra: extra)
        let elapsed = Date().timeIntervalSince(started)
        for (i, out) in outputs.enumerated() {
            #expect(out.status == 0, "publisher e\(i + 1): \(out)")
        }
        print("racing pushers (\(target.rawValue)): \(outputs.filter { $0.status == 0 }.count) of 20 landed in \(String(format: "%.2f", elapsed)) s")
        try expectEveryPublisherLanded(w, in: bare, count: 20)
        if target == .namedRemote {
            // The source repository's own branch mirrors the remote's final tip (no publisher
            // moved it backwards).
            #expect(try w.git("rev-parse", "rendered", in: src) == (try w.git("rev-parse", "rendered", in: bare)))
        }
        #expect(elapsed < 60)
    }

    // MARK: Crashes

    @Test("publish killed at random moments: the branch is the old commit or a complete new one, never broken")
    func crashes() throws {
        let w = try World()
        // Enough environments that a publish takes a good part of the 0–300 ms window, so
        // kills land during rendering, object writing, the branch update and the note.
        let count = 150
        let src = try w.generatedSource(environments: count)
        // A parameter every environment uses, so every trial changes every folder.
        try w.write(src, "gitops-weave.yaml", "parameters:\n  value:\n    type: string\n  flavor:\n    type: string\n    default: f0\n")
        try w.write(src, "layers/app/resources/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: app
              namespace: default
            data:
              value: ${value}
              flavor: ${flavor}

            """)
        try w.commitAll(src, "flavor")
        try publish(w, ["--all"], in: src)
        let names = (1...count).map { "e\($0)" }.sorted()

        var generator = SplitMix64(seed: 0x5EED_0F_C4A5)
        var landed = 0, killedBefore = 0, finished = 0
        var staleLocks: [String: Int] = [:]
        let trials = 24
        let git = src.appendingPathComponent(".git")
        for trial in 1...trials {
            let old = try w.git("rev-parse", "rendered", in: src)
            try w.write(src, "gitops-weave.yaml",
                        "parameters:\n  value:\n    type: string\n  flavor:\n    type: string\n    default: f\(trial)\n")
            try w.commitAll(src, "flavor \(trial)")
            let delay = UInt32.random(in: 0...300, using: &generator)
            let publisher = try w.startWeave(["publish", "--all"], in: src)
            usleep(delay * 1_000)
            if publisher.process.isRunning {
                kill(publisher.pid, SIGKILL)
            }
            let out = publisher.wait()
            if out.status == 0 && publisher.process.terminationReason == .exit { finished += 1 }

            let now = try w.git("rev-parse", "rendered", in: src)
            if now == old {
                killedBefore += 1
            } else {
                landed += 1
                #expect(try w.git("rev-parse", "rendered~1", in: src) == old, "trial \(trial): the new commit builds on the old one")
                #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src) == names, "trial \(trial) (delay \(delay) ms)")
                #expect(try w.git("show", "rendered:e1/configmap_default_app.yaml", in: src).contains("flavor: f\(trial)"))
            }
            let fsck = try w.gitOutput(["fsck", "--no-progress"], in: src)
            #expect(fsck.status == 0, "trial \(trial) (delay \(delay) ms): \(fsck)")

            // A kill can leave a lock file behind; count and report every one, then clear it.
            for lock in try Self.lockFiles(in: git) {
                staleLocks[lock, default: 0] += 1
                print("crash trial \(trial) (killed after \(delay) ms): stale lock \(lock) left behind; removing it")
                try FileManager.default.removeItem(at: git.appendingPathComponent(lock))
            }
        }
        print("crash trials: \(trials); the branch moved in \(landed), stayed in \(killedBefore); \(finished) runs finished before the kill; stale locks: \(staleLocks.isEmpty ? "none" : staleLocks.map { "\($0.key) ×\($0.value)" }.sorted().joined(separator: ", "))")

        // Afterwards, a publish that is left alone completes and the branch is whole.
        let out = try publish(w, ["--all"], in: src)
        #expect(out.stdout.contains("committed ") || out.stdout.contains("up to date"), "\(out)")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src) == names)
        #expect(try w.git("show", "rendered:e1/configmap_default_app.yaml", in: src).contains("flavor: f\(trials)"))
        #expect(try w.trailer("Source-Commit", of: "rendered", in: src).count == 1)
        #expect(try w.gitOutput(["fsck", "--strict", "--no-progress"], in: src).status == 0)
    }

    /// `*.lock` files under a git directory (relative paths).
    static func lockFiles(in git: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: git.path) else { return [] }
        var locks: [String] = []
        while let path = walker.nextObject() as? String {
            if path.hasSuffix(".lock") { locks.append(path) }
        }
        return locks.sorted()
    }
}
