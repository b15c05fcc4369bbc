import Foundation
@testable import GitSync
import Testing
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Helpers

/// A scratch directory for one test, removed at the end, and the `git` CLI run in an
/// environment without the user's configuration: TestSupport's `GitSandbox`, with the
/// string paths these tests use.
typealias Sandbox = GitSandbox

extension GitSandbox {
    /// Runs git; returns (status, stdout without the final newline, stderr).
    @discardableResult
    func run(_ arguments: [String], in directory: String, input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
        let r = try gitOutput(arguments, in: URL(fileURLWithPath: directory), input: input)
        return (r.status, r.stdout.hasSuffix("\n") ? String(r.stdout.dropLast()) : r.stdout, r.stderr)
    }

    /// Runs git, which must succeed; its stdout.
    @discardableResult
    func git(_ arguments: String..., in directory: String, input: Data? = nil) throws -> String {
        try git(arguments: arguments, in: URL(fileURLWithPath: directory), input: input)
    }

    /// A repository made by `git init` (bare or not).
    func gitInit(_ name: String, bare: Bool = false) throws -> String {
        try makeRepository(name, bare: bare).path
    }
}

let alice = Signature(name: "Alice", email: "alice@example.com")

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
let noCredentials = Credentials.fromEnvironment([:])

/// A commit of these files (and parents) in `repo`.
func commit(_ repo: Repository, _ files: [String: String], parents: [ObjectID] = [], message: String = "test") throws -> ObjectID {
    let tree = try repo.writeTree(files: files.map { ($0.key, Data($0.value.utf8)) })
    return try repo.createCommit(tree: tree, parents: parents, message: message, author: alice)
}

/// Expects `body` to throw `ReferenceUpdateError.moved`.
func expectMoved(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected ReferenceUpdateError.moved, nothing was thrown", sourceLocation: sourceLocation)
    } catch ReferenceUpdateError.moved {
    } catch {
        Issue.record("expected ReferenceUpdateError.moved, got \(error)", sourceLocation: sourceLocation)
    }
}

func expectRejected(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected PushError.rejected, nothing was thrown", sourceLocation: sourceLocation)
    } catch PushError.rejected {
    } catch {
        Issue.record("expected PushError.rejected, got \(error)", sourceLocation: sourceLocation)
    }
}

// MARK: - Objects

@Suite("GitSync objects")
struct ObjectTests {
    static let samples: [Data] = [
        Data(),
        Data("hello\n".utf8),
        Data((0...255).map(UInt8.init)),
        Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }),
    ]

    @Test("writeBlob then readBlob gives the same bytes back; the id is what git computes")
    func blobRoundTrip() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        for (i, data) in Self.samples.enumerated() {
            let id = try repo.writeBlob(data)
            #expect(try repo.readBlob(id) == data, "sample \(i)")
            #expect(repo.hasObject(id))
            #expect(repo.hashBlob(data) == id, "sample \(i)")
            if ExternalTool.hasGit {
                let file = box.path("sample\(i)")
                try data.write(to: URL(fileURLWithPath: file))
                #expect(try box.git("hash-object", file, in: box.path("repo")) == id.hex, "sample \(i)")
                #expect(try box.git("cat-file", "-t", id.hex, in: box.path("repo")) == "blob")
            }
        }
        // Writing the same bytes again gives the same object.
        #expect(try repo.writeBlob(Self.samples[1]) == (try repo.writeBlob(Self.samples[1])))
    }

    /// Names whose order differs between a plain byte sort and git's (a directory sorts as
    /// if its name ended in "/").
    static let files: [String: String] = [
        "README.md": "# readme\n",
        "a.b": "dot\n",
        "a-b/y": "dash dir\n",
        "a/x.txt": "x\n",
        "a/b/c.txt": "c\n",
        "a0": "zero\n",
        "foo.txt": "foo file\n",
        "foo/bar": "foo dir\n",
        "foo-bar": "dash file\n",
        "z/deep/er/file.yaml": "kind: ConfigMap\n",
        "empty": "",
    ]

    @Test("writeTree(files:) with nested paths gives the tree git builds with hash-object and mktree",
          .enabled(if: ExternalTool.hasGit, "the git CLI is not installed"))
    func treeMatchesGit() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let ours = try repo.writeTree(files: Self.files.map { ($0.key, Data($0.value.utf8)) })

        // git's own tree: blobs with hash-object, trees bottom-up with mktree.
        let gitRepo = try box.gitInit("git")
        func mktree(_ prefix: String) throws -> String {
            var lines: [String] = []
            var dirs = Set<String>()
            for (path, text) in Self.files where path.hasPrefix(prefix) {
                let rest = path.dropFirst(prefix.count)
                if let slash = rest.firstIndex(of: "/") {
                    dirs.insert(String(rest[..<slash]))
                } else {
                    let blob = try box.git("hash-object", "-w", "--stdin", in: gitRepo, input: Data(text.utf8))
                    lines.append("100644 blob \(blob)\t\(rest)")
                }
            }
            for dir in dirs { lines.append("040000 tree \(try mktree(prefix + dir + "/"))\t\(dir)") }
            return try box.git("mktree", in: gitRepo, input: Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        let theirs = try mktree("")
        #expect(ours.hex == theirs)

        // And `git ls-tree -r` reads our tree back: every path, with the blob git computes.
        let listing = try box.git("ls-tree", "-r", ours.hex, in: box.path("repo")).split(separator: "\n").map(String.init)
        var expected: [String] = []
        for (path, text) in Self.files {
            let blob = try box.git("hash-object", "--stdin", in: gitRepo, input: Data(text.utf8))
            expected.append("100644 blob \(blob)\t\(path)")
        }
        #expect(listing.sorted() == expected.sorted())
        #expect(try box.run(["fsck", "--strict", "--no-progress"], in: box.path("repo")).status == 0)
    }

    @Test("hashTree and writeTree agree, directories sorting as git sorts them")
    func hashTreeMatchesWriteTree() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: true)
        let blob = try repo.writeBlob(Data("x".utf8))
        let sub = try repo.writeTree([TreeEntry(name: "inner", id: blob, kind: .blob)])
        let entries = [
            TreeEntry(name: "foo", id: sub, kind: .tree),
            TreeEntry(name: "foo.txt", id: blob, kind: .blob),
            TreeEntry(name: "foo-bar", id: blob, kind: .blob),
            TreeEntry(name: "foo0", id: blob, kind: .blob),
            TreeEntry(name: "a", id: sub, kind: .tree),
        ]
        let written = try repo.writeTree(entries)
        #expect(repo.hashTree(entries) == written)
        #expect(repo.hashTree(entries.reversed()) == written)
        #expect(try repo.treeEntries(written).map(\.name) == ["a", "foo-bar", "foo.txt", "foo", "foo0"])
    }

    @Test("createCommit writes a commit without moving any reference; commitInfo reads it back")
    func commitRoundTrip() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let first = try commit(repo, ["a": "1"], message: "first\n\nbody\n")
        let second = try commit(repo, ["a": "2"], parents: [first], message: "second\n")
        let info = try repo.commitInfo(second)
        #expect(info.parents == [first])
        #expect(info.message == "second\n")
        #expect(info.author == alice)
        #expect(try repo.treeEntries(info.tree).map(\.name) == ["a"])
        #expect(try repo.commitInfo(first).parents.isEmpty)
        #expect(try repo.references(under: "refs/").isEmpty)
        #expect(try repo.headCommitID() == nil)
    }
}

// MARK: - References

@Suite("GitSync references")
struct ReferenceTests {
    @Test("updateReference is a compare-and-swap: a stale expected value throws .moved and changes nothing")
    func compareAndSwap() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let c1 = try commit(repo, ["f": "1"])
        let c2 = try commit(repo, ["f": "2"], parents: [c1])
        let c3 = try commit(repo, ["f": "3"], parents: [c1])
        let ref = "refs/heads/rendered"

        try repo.updateReference(ref, to: c1, expected: nil, message: "create")
        #expect(try repo.resolve(ref) == c1)
        // Creating a reference that exists (expected nil) fails.
        expectMoved { try repo.updateReference(ref, to: c2, expected: nil, message: "create again") }
        #expect(try repo.resolve(ref) == c1)

        try repo.updateReference(ref, to: c2, expected: c1, message: "advance")
        #expect(try repo.resolve(ref) == c2)

        // A writer who still thinks the branch is at c1.
        do {
            try repo.updateReference(ref, to: c3, expected: c1, message: "stale")
            Issue.record("a stale compare-and-swap succeeded")
        } catch ReferenceUpdateError.moved(let name, let expected, let actual) {
            #expect(name == ref)
            #expect(expected == c1)
            #expect(actual == c2)
        }
        #expect(try repo.resolve(ref) == c2)
        if ExternalTool.hasGit {
            #expect(try box.git("rev-parse", "rendered", in: box.path("repo")) == c2.hex)
        }
    }

    @Test("a reference whose lock another writer holds is reported as locked, and is not changed")
    func lockedReference() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let c1 = try commit(repo, ["f": "1"])
        let c2 = try commit(repo, ["f": "2"], parents: [c1])
        try repo.updateReference("refs/heads/x", to: c1, expected: nil, message: "create")
        let lock = box.path("repo/.git/refs/heads/x.lock")
        FileManager.default.createFile(atPath: lock, contents: Data())
        do {
            try repo.updateReference("refs/heads/x", to: c2, expected: c1, message: "locked")
            Issue.record("an update went through another writer's lock")
        } catch ReferenceUpdateError.locked(let name, _) {
            #expect(name == "refs/heads/x")
        } catch ReferenceUpdateError.moved {
            Issue.record("a held lock was reported as a moved reference")
        }
        try FileManager.default.removeItem(atPath: lock)
        #expect(try repo.resolve("refs/heads/x") == c1)
    }

    @Test("deleteReference only deletes the value expected")
    func deleteCompareAndSwap() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let c1 = try commit(repo, ["f": "1"])
        let c2 = try commit(repo, ["f": "2"], parents: [c1])
        try repo.updateReference("refs/heads/env/dev", to: c2, expected: nil, message: "create")
        expectMoved { try repo.deleteReference("refs/heads/env/dev", expected: c1) }
        #expect(try repo.resolve("refs/heads/env/dev") == c2)
        try repo.deleteReference("refs/heads/env/dev", expected: c2)
        #expect(try repo.resolve("refs/heads/env/dev") == nil)
        expectMoved { try repo.deleteReference("refs/heads/env/dev", expected: c2) }
        if ExternalTool.hasGit {
            #expect(try box.run(["rev-parse", "--verify", "-q", "refs/heads/env/dev"], in: box.path("repo")).status != 0)
        }
    }

    @Test("references(under:) lists one prefix, sorted; headBranch names HEAD's branch")
    func listing() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let c1 = try commit(repo, ["f": "1"])
        for name in ["refs/heads/env/b", "refs/heads/env/a", "refs/heads/other", "refs/heads/environment", "refs/tags/env/x"] {
            try repo.updateReference(name, to: c1, expected: nil, message: "create")
        }
        let listed = try repo.references(under: "refs/heads/env/")
        #expect(listed.map(\.name) == ["refs/heads/env/a", "refs/heads/env/b"])
        #expect(listed.allSatisfy { $0.target == c1 })
        #expect(try repo.references(under: "refs/heads/nothing/").isEmpty)
        #expect(repo.headBranch() == "refs/heads/master" || repo.headBranch() == "refs/heads/main")
    }

    @Test("setNote attaches and replaces a note; note reads it; git notes agrees")
    func notes() throws {
        let box = try Sandbox()
        let repo = try Repository.initialize(at: box.path("repo"), bare: false)
        let c1 = try commit(repo, ["f": "1"])
        let c2 = try commit(repo, ["f": "2"], parents: [c1])
        let notesRef = "refs/notes/gitops-weave"
        #expect(try repo.note(on: c1, notesRef: notesRef) == nil)
        try repo.setNote("source-commit: aaa\n", on: c1, notesRef: notesRef, author: alice)
        #expect(try repo.note(on: c1, notesRef: notesRef) == "source-commit: aaa\n")
        try repo.setNote("source-commit: bbb\n", on: c1, notesRef: notesRef, author: alice)
        #expect(try repo.note(on: c1, notesRef: notesRef) == "source-commit: bbb\n")
        #expect(try repo.note(on: c2, notesRef: notesRef) == nil)
        #expect(try repo.note(on: c1, notesRef: "refs/notes/other") == nil)
        if ExternalTool.hasGit {
            #expect(try box.git("notes", "--ref=gitops-weave", "show", c1.hex, in: box.path("repo")) == "source-commit: bbb")
            #expect(try box.git("rev-list", "--count", notesRef, in: box.path("repo")) == "2")
        }
    }

    @Test("a libgit2 error carries libgit2's own message")
    func libgit2Message() throws {
        let box = try Sandbox()
        let missing = box.path("not-a-repository")
        try FileManager.default.createDirectory(atPath: missing, withIntermediateDirectories: true)
        do {
            _ = try Repository.open(missing)
            Issue.record("opened a directory that is no repository")
        } catch let error as GitError {
            #expect(error.code < 0)
            #expect(error.message.contains("could not find repository"), "\(error.message)")
            #expect(error.message.contains(missing), "\(error.message)")
            #expect(error.description.hasPrefix("open repository \(missing): "), "\(error)")
        }
        #expect(try Repository.discover(containing: missing) == nil)
        let repo = try Repository.initialize(at: box.path("repo"), bare: true)
        do {
            _ = try repo.readBlob(try #require(ObjectID(hex: String(repeating: "ab", count: 20))))
            Issue.record("read a blob that does not exist")
        } catch let error as GitError {
            #expect(!error.message.isEmpty && !error.message.hasPrefix("error "), "\(error.message)")
        }
    }
}

// MARK: - Remotes

@Suite("GitSync remotes", .enabled(if: ExternalTool.hasGit, "the git CLI is not installed"))
struct RemoteTests {
    @Test("push, remoteReferences and fetch against a bare repository, by path and file:// URL")
    func pushAndFetch() throws {
        let box = try Sandbox()
        let bare = try box.gitInit("remote.git", bare: true)
        let local = try Repository.initialize(at: box.path("local"), bare: false)
        let c1 = try commit(local, ["env/a.yaml": "a: 1\n"])
        try local.updateReference("refs/heads/rendered", to: c1, expected: nil, message: "create")

        #expect(try local.remoteReferences(bare, credentials: noCredentials).isEmpty)
        try local.push(bare, refspecs: ["refs/heads/rendered:refs/heads/rendered"], credentials: noCredentials)
        #expect(try box.git("rev-parse", "rendered", in: bare) == c1.hex)
        #expect(try local.remoteReferences(bare, credentials: noCredentials)["refs/heads/rendered"] == c1)
        #expect(try local.remoteReferences("file://\(bare)", credentials: noCredentials)["refs/heads/rendered"] == c1)

        // A commit pushed by id (what publish does), to a file:// URL.
        let c2 = try commit(local, ["env/a.yaml": "a: 2\n"], parents: [c1])
        try local.push("file://\(bare)", refspecs: ["\(c2.hex):refs/heads/rendered"], credentials: noCredentials)
        #expect(try box.git("rev-parse", "rendered", in: bare) == c2.hex)
        #expect(try box.git("show", "rendered:env/a.yaml", in: bare) == "a: 2")
        #expect(try box.run(["fsck", "--strict", "--no-progress"], in: bare).status == 0)

        // Another repository fetches it.
        let other = try Repository.initialize(at: box.path("other"), bare: true)
        #expect(!other.hasObject(c2))
        try other.fetch(bare, refspecs: ["+refs/heads/rendered:refs/remotes/x/rendered"], credentials: noCredentials)
        #expect(try other.resolve("refs/remotes/x/rendered") == c2)
        #expect(other.hasObject(c2) && other.hasObject(c1))
        #expect(try other.treeEntries(try other.commitInfo(c2).tree).map(\.name) == ["env"])

        // Deleting a remote branch.
        try local.push(bare, refspecs: [":refs/heads/rendered"], credentials: noCredentials)
        #expect(try box.run(["rev-parse", "--verify", "-q", "refs/heads/rendered"], in: bare).status != 0)
    }

    @Test("a push that is not a fast-forward surfaces as PushError.rejected and changes nothing")
    func rejection() throws {
        let box = try Sandbox()
        let bare = try box.gitInit("remote.git", bare: true)
        let a = try Repository.initialize(at: box.path("a"), bare: true)
        let b = try Repository.initialize(at: box.path("b"), bare: true)
        let base = try commit(a, ["f": "base"])
        try a.push(bare, refspecs: ["\(base.hex):refs/heads/rendered"], credentials: noCredentials)
        try b.fetch(bare, refspecs: ["+refs/heads/rendered:refs/remotes/origin/rendered"], credentials: noCredentials)

        // a moves the branch on; b, still at base, pushes its own child of base.
        let fromA = try commit(a, ["f": "a"], parents: [base])
        try a.push(bare, refspecs: ["\(fromA.hex):refs/heads/rendered"], credentials: noCredentials)
        let fromB = try commit(b, ["f": "b"], parents: [base])
        // b lacks a's commit.
        expectRejected { try b.push(bare, refspecs: ["\(fromB.hex):refs/heads/rendered"], credentials: noCredentials) }
        #expect(try box.git("rev-parse", "rendered", in: bare) == fromA.hex)
        // b has a's commit, and its own still does not descend from it.
        try b.fetch(bare, refspecs: ["+refs/heads/rendered:refs/remotes/origin/rendered"], credentials: noCredentials)
        expectRejected { try b.push(bare, refspecs: ["\(fromB.hex):refs/heads/rendered"], credentials: noCredentials) }
        #expect(try box.git("rev-parse", "rendered", in: bare) == fromA.hex)
        // Rebuilt on a's commit, it lands.
        let rebuilt = try commit(b, ["f": "b"], parents: [fromA])
        try b.push(bare, refspecs: ["\(rebuilt.hex):refs/heads/rendered"], credentials: noCredentials)
        #expect(try box.git("rev-parse", "rendered", in: bare) == rebuilt.hex)
        #expect(try box.run(["fsck", "--strict", "--no-progress"], in: bare).status == 0)
    }

    @Test("over git:// (git daemon on 127.0.0.1): push by id, ls-remote, and a rejected push")
    func gitDaemon() throws {
        let box = try Sandbox()
        let served = box.path("served")
        let bare = try box.gitInit("served/repo.git", bare: true)
        let daemon = try GitDaemon(sandbox: box, base: URL(fileURLWithPath: served))
        defer { daemon.stop() }
        let url = "git://127.0.0.1:\(daemon.port)/repo.git"

        let a = try Repository.initialize(at: box.path("a"), bare: true)
        let b = try Repository.initialize(at: box.path("b"), bare: true)
        let base = try commit(a, ["f": "base"])
        try a.push(url, refspecs: ["\(base.hex):refs/heads/rendered"], credentials: noCredentials)
        #expect(try box.git("rev-parse", "rendered", in: bare) == base.hex)
        #expect(try a.remoteReferences(url, credentials: noCredentials)["refs/heads/rendered"] == base)
        // The temporary reference used to push by id is gone.
        #expect(try a.references(under: "refs/gitops-weave/").isEmpty)

        try b.fetch(url, refspecs: ["+refs/heads/rendered:refs/remotes/origin/rendered"], credentials: noCredentials)
        let fromA = try commit(a, ["f": "a"], parents: [base])
        try a.push(url, refspecs: ["\(fromA.hex):refs/heads/rendered"], credentials: noCredentials)
        let fromB = try commit(b, ["f": "b"], parents: [base])
        expectRejected { try b.push(url, refspecs: ["\(fromB.hex):refs/heads/rendered"], credentials: noCredentials) }
        try b.fetch(url, refspecs: ["+refs/heads/rendered:refs/remotes/origin/rendered"], credentials: noCredentials)
        expectRejected { try b.push(url, refspecs: ["\(fromB.hex):refs/heads/rendered"], credentials: noCredentials) }
        #expect(try box.git("rev-parse", "rendered", in: bare) == fromA.hex)
    }
}

@Suite("where a publish builds: the starting-point policy")
struct StartingPointTests {
    static func id(_ c: Character) -> ObjectID { ObjectID(hex: String(repeating: c, count: 40))! }

    /// History: a ← b ← c, and d unrelated; e diverged from a.
    static let parents: [Character: Character] = ["b": "a", "c": "b", "e": "a"]

    static func descends(_ a: ObjectID, _ b: ObjectID) -> Bool {
        var c = Character(String(a.hex.prefix(1)))
        while let p = parents[c] {
            if id(p) == b { return true }
            c = p
        }
        return false
    }

    static func related(_ a: ObjectID, _ b: ObjectID) -> Bool {
        func root(_ x: ObjectID) -> Character {
            var c = Character(String(x.hex.prefix(1)))
            while let p = parents[c] { c = p }
            return c
        }
        return root(a) == root(b)
    }

    static func choose(_ local: Character?, _ remote: Character?) -> StartingPoint {
        StartingPoint.choose(local: local.map(id), remote: remote.map(id), descends: descends, related: related)
    }

    @Test("neither, one, equal, fast-forward either way, diverged, unrelated")
    func policy() {
        #expect(Self.choose(nil, nil) == .newHistory)
        #expect(Self.choose("b", nil) == .local(Self.id("b")))
        #expect(Self.choose(nil, "b") == .remote(Self.id("b")))
        #expect(Self.choose("b", "b") == .remote(Self.id("b")))
        #expect(Self.choose("a", "c") == .remote(Self.id("c")))
        #expect(Self.choose("c", "a") == .local(Self.id("c")))
        #expect(Self.choose("e", "c") == .diverged(local: Self.id("e"), remote: Self.id("c"), related: true))
        #expect(Self.choose("d", "c") == .diverged(local: Self.id("d"), remote: Self.id("c"), related: false))
    }
}
