import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// Commits rendered environments to git, straight into the object database: no work tree,
/// no index, and the user's checkout untouched.
///
/// - **Directory layout:** every environment is a folder `<env>/` on one branch. Only the
///   folders of published environments change; other entries (a README, CI files) stay.
/// - **Branch layout:** every environment is its own branch `env/<name>`, like Argo CD's
///   Source Hydrator.
///
/// An environment whose files are unchanged (its `render-info.txt` aside, which records the
/// source revision) is left as it is, so a publish without changes makes no commit. Branches
/// move by compare-and-swap: a concurrent writer is never overwritten; the work is redone on
/// the new tip instead.
public final class Publisher {

    /// Where the rendered source came from, for trailers and notes.
    public struct Source: Sendable {
        public var commit: String?
        public var repository: String
        public var dirty: Bool
        public var author: Signature?
        /// The source commit's author date, in seconds since 1970.
        public var authorDate: Int64?
        /// The author's time zone, in minutes east of UTC.
        public var authorOffset = 0
        /// The source commit's message (for the hydrator contract's subject and body).
        public var message: String?

        public init(commit: String?, repository: String, dirty: Bool, author: Signature?, authorDate: Int64? = nil,
                    authorOffset: Int = 0, message: String? = nil) {
            self.commit = commit
            self.repository = repository
            self.dirty = dirty
            self.author = author
            self.authorDate = authorDate
            self.authorOffset = authorOffset
            self.message = message
        }
    }

    public struct Options: Sendable {
        public var branch = "rendered"
        public var layout = RenderedLayout.directory
        public var author: Signature
        public var source: Source
        /// Every environment of the source: environment folders (or branches) not in it are
        /// removed, since their environment was.
        public var environmentsInSource: Set<String>
        /// Push to this remote (a name or URL) after committing; retried on rejection.
        public var pushTo: String?
        public var credentials = Credentials.fromEnvironment()
        // Enough for a few dozen publishers racing on one branch: each retry waits a little
        // longer (up to ~0.13 s), so this bounds a run that keeps losing to about 4 s.
        public var maxAttempts = 30
        /// The local branches are only this tool's copy of the remote's (the repository
        /// kept per URL for `--repo URL`): they follow the remote, whatever it did.
        public var localIsCache = false
        /// Write Argo CD's hydrator output contract (`HydratorContract`), on the staging
        /// branches when it says so; nil: no contract.
        public var hydrator: HydratorOutput?

        /// The reference of the directory layout's branch.
        var directoryReference: String { "refs/heads/\(branch)\(hydrator?.suffix ?? "")" }

        /// The reference of an environment's branch (branch layout).
        func environmentReference(_ name: String) -> String { Publisher.environmentBranchPrefix + name + (hydrator?.suffix ?? "") }

        public init(author: Signature, source: Source, environmentsInSource: Set<String>) {
            self.author = author
            self.source = source
            self.environmentsInSource = environmentsInSource
        }
    }

    /// What a publish did to one environment.
    public struct EnvironmentChange: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, changed, removed }
        public var environment: String
        public var kind: Kind
        public var addedResources: [String] = []
        public var changedResources: [String] = []
        public var removedResources: [String] = []
    }

    public struct Result: Sendable {
        /// References moved, with their new commits.
        public var commits: [(reference: String, commit: ObjectID)]
        public var changes: [EnvironmentChange]
        /// Compare-and-swap or push retries it took.
        public var retries: Int
        /// What the user should know about where the commits were built: on a
        /// remote-tracking branch, on a new history, with local commits pushed along.
        public var notices: [Diagnostic] = []
        public var upToDate: Bool { commits.isEmpty }

        init(commits: [(reference: String, commit: ObjectID)], changes: [EnvironmentChange], retries: Int) {
            self.commits = commits
            self.changes = changes
            self.retries = retries
        }
    }

    public static let notesReference = "refs/notes/gitops-weave"
    static let environmentBranchPrefix = "refs/heads/env/"

    let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    public func publish(_ environments: [RenderedEnvironment], options: Options) throws -> Result {
        try refuseCheckedOutTargets(options)
        // Hashing touches no repository, so it runs on every core; `prepare` is static so
        // the workers cannot reach `repository`, which belongs to this thread.
        if options.hydrator != nil, options.source.commit == nil || options.source.dirty {
            throw PublishError.hydratorNeedsCommit
        }
        let prepared = environments.concurrentMap { env in
            Self.prepare(env, adding: options.hydrator == nil ? [] : HydratorContract.files(for: env.name, source: options.source, layout: options.layout))
        }
        // Many new objects (a first publish, a change to every environment) go through an
        // in-memory store and land as one pack; a few are written loose, as git does, so
        // that everyday publishes do not pile up small packs.
        // Counting stops at the threshold: a first publish of 1,000 environments need not
        // look up every tree to know it is large.
        var newFiles = 0
        for env in prepared where newFiles <= Self.packThreshold && !repository.hasObject(env.tree) { newFiles += env.files.count }
        // Once attached (by an earlier publish on this repository) the store receives every
        // write, so it must then always be flushed.
        if newFiles > Self.packThreshold || repository.batch != nil { batch = try repository.objectBatch() }
        var result: Result
        switch options.layout {
        case .directory: result = try publishDirectory(prepared, options)
        case .branch: result = try publishBranches(prepared, options)
        }
        result.notices = collectedNotices(options)
        return result
    }

    private var batch: ObjectBatch?
    /// More new files than this are written through an in-memory pack.
    static let packThreshold = 256

    // MARK: Environment trees

    /// An environment hashed but not yet written: its tree id, its files and their ids.
    struct PreparedEnvironment {
        var name: String
        var tree: ObjectID
        var entries: [TreeEntry]
        var files: [String: ObjectID]
        var contents: [ObjectID: Data]
        /// The tree object's bytes, whose id is `tree`.
        var treeBytes: Data
        /// The trees of its subfolders (Flux's `prerequisites/`), innermost first.
        var subtrees: [(id: ObjectID, bytes: Data, entries: [TreeEntry])] = []
        /// `Kind/name` of each resource file, for messages.
        var resourceNames: [String: String]
    }

    /// Hashes an environment's files and tree in memory. An unchanged environment costs
    /// no I/O at all: its tree id equals the one on the branch.
    static func prepare(_ environment: RenderedEnvironment, adding extra: [RenderedEnvironment.File] = []) -> PreparedEnvironment {
        var files: [String: ObjectID] = [:]
        var contents: [ObjectID: Data] = [:]
        var blobs: [(path: Substring, id: ObjectID)] = []
        // Trees list their entries sorted, so the extra files' place does not matter.
        for file in environment.files + extra {
            let data = Data(file.contents.utf8)
            let id = Repository.blobID(data)
            files[file.path] = id
            contents[id] = data
            blobs.append((file.path[...], id))
        }
        var names: [String: String] = [:]
        for r in environment.resources { names[environment.paths[r.id] ?? RenderedEnvironment.fileName(for: r.id)] = r.id.description }
        var subtrees: [(id: ObjectID, bytes: Data, entries: [TreeEntry])] = []
        let entries = treeEntries(blobs, subtrees: &subtrees)
        let treeBytes = Repository.treeBytes(entries)
        return PreparedEnvironment(name: environment.name, tree: Repository.treeID(bytes: treeBytes), entries: entries,
                                   files: files, contents: contents, treeBytes: treeBytes, subtrees: subtrees, resourceNames: names)
    }

    /// The entries of a tree holding `blobs` (paths relative to it); the trees of its
    /// folders are hashed into `subtrees`, innermost first.
    static func treeEntries(_ blobs: [(path: Substring, id: ObjectID)], subtrees: inout [(id: ObjectID, bytes: Data, entries: [TreeEntry])]) -> [TreeEntry] {
        var entries: [TreeEntry] = []
        var folders: [Substring: [(path: Substring, id: ObjectID)]] = [:]
        var order: [Substring] = []
        for blob in blobs {
            guard let slash = blob.path.firstIndex(of: "/") else {
                entries.append(TreeEntry(name: String(blob.path), id: blob.id, kind: .blob))
                continue
            }
            let folder = blob.path[..<slash]
            if folders[folder] == nil { order.append(folder) }
            folders[folder, default: []].append((blob.path[blob.path.index(after: slash)...], blob.id))
        }
        for folder in order {
            let inner = treeEntries(folders[folder]!, subtrees: &subtrees)
            let bytes = Repository.treeBytes(inner)
            let id = Repository.treeID(bytes: bytes)
            subtrees.append((id, bytes, inner))
            entries.append(TreeEntry(name: String(folder), id: id, kind: .tree))
        }
        return entries
    }

    /// Writes an environment's blobs and tree (to the in-memory batch, when there is one).
    func materialize(_ env: PreparedEnvironment) throws {
        guard !repository.hasObject(env.tree) else { return }
        if let batch {
            // Hashed in `prepare`; the in-memory store takes the ids as they are, and keeps
            // one copy of each. No existence check: the pack holds everything the commit
            // reaches either way (see ObjectBatch.flush), and each check costs a stat.
            for (id, data) in env.contents { try batch.writeBlob(data, id: id) }
            for sub in env.subtrees { try batch.writeTree(bytes: sub.bytes, id: sub.id) }
            try batch.writeTree(bytes: env.treeBytes, id: env.tree)
            return
        }
        for (id, data) in env.contents where !repository.hasObject(id) {
            let written = try repository.writeBlob(data)
            precondition(written == id, "blob id mismatch")
        }
        for sub in env.subtrees where !repository.hasObject(sub.id) {
            let written = try repository.writeTreeBytes(sub.entries)
            precondition(written == sub.id, "tree id mismatch")
        }
        let written = try repository.writeTreeBytes(env.entries)
        precondition(written == env.tree, "tree id mismatch")
    }

    /// Files that are not resources: left out of the lists of changed resources.
    static let bookkeepingFiles = RenderedEnvironment.bookkeepingFiles.union(HydratorContract.pathFiles).union([HydratorContract.attributesFile])
    /// Files that name the source commit, so that every commit changes them: a difference in
    /// their contents alone is no change (one in which of them exist is).
    static let volatileFiles: Set<String> = HydratorContract.pathFiles.union([RenderedEnvironment.metadataFile])

    /// Compares an environment with what the branch holds; nil when nothing but its
    /// metadata differs.
    func change(of env: PreparedEnvironment, from old: TreeEntry?) throws -> EnvironmentChange? {
        guard let old, old.kind == .tree else {
            return EnvironmentChange(environment: env.name, kind: .added,
                                     addedResources: env.files.keys.filter { !Self.bookkeepingFiles.contains($0) }.sorted().map { env.resourceNames[$0] ?? $0 })
        }
        if old.id == env.tree { return nil }
        let oldFiles = try repository.blobPaths(in: old.id)
        if Set(oldFiles.keys) == Set(env.files.keys), oldFiles.allSatisfy({ Self.volatileFiles.contains($0.key) || env.files[$0.key] == $0.value }) {
            return nil
        }
        var change = EnvironmentChange(environment: env.name, kind: .changed)
        for (path, id) in env.files where !Self.bookkeepingFiles.contains(path) {
            if let before = oldFiles[path] {
                if before != id { change.changedResources.append(env.resourceNames[path] ?? path) }
            } else {
                change.addedResources.append(env.resourceNames[path] ?? path)
            }
        }
        for path in oldFiles.keys where env.files[path] == nil && !Self.bookkeepingFiles.contains(path) {
            change.removedResources.append(RenderedFileName(path)?.display ?? path)
        }
        change.addedResources.sort(); change.changedResources.sort(); change.removedResources.sort()
        return change
    }

    /// Whether a tree is an environment this tool wrote (it holds our metadata file).
    func isRenderedEnvironment(_ tree: ObjectID) throws -> Bool {
        guard let info = try repository.treeEntries(tree).first(where: { $0.name == RenderedEnvironment.metadataFile && $0.kind == .blob }) else {
            return false
        }
        return String(decoding: try repository.readBlob(info.id).prefix(64), as: UTF8.self).hasPrefix("# gitops-weave render metadata")
    }

    // MARK: Directory layout

    func publishDirectory(_ envs: [PreparedEnvironment], _ options: Options) throws -> Result {
        let ref = options.directoryReference
        var retries = 0
        for attempt in 1...options.maxAttempts {
            let base = try base(ref, options)
            let tip = base.tip
            var rootTree: ObjectID?
            var existing: [String: TreeEntry] = [:]
            if let tip {
                rootTree = try repository.commitInfo(tip).tree
                for e in try repository.treeEntries(rootTree!) { existing[e.name] = e }
            }
            var changes: [EnvironmentChange] = []
            var entries: [TreeEntry] = []
            for env in envs {
                guard let change = try change(of: env, from: existing[env.name]) else { continue }
                try materialize(env)
                changes.append(change)
                entries.append(TreeEntry(name: env.name, id: env.tree, kind: .tree))
            }
            var removed = Set<String>()
            for (name, entry) in existing.sorted(by: { $0.key < $1.key })
            where entry.kind == .tree && !options.environmentsInSource.contains(name) {
                guard try isRenderedEnvironment(entry.id) else { continue }
                removed.insert(name)
                changes.append(EnvironmentChange(environment: name, kind: .removed))
            }
            if changes.isEmpty {
                if try finishUnchanged(ref: ref, base: base, options, attempt: attempt) {
                    return Result(commits: [], changes: [], retries: retries)
                }
                retries += 1
                continue
            }
            if options.hydrator != nil { entries += try hydratorRootEntries(options) }
            let tree = try repository.writeTree(entries, keepingOthersFrom: rootTree, removing: removed)
            let message = CommitMessage(changes: changes, options: options).text
            let commit = try repository.createCommit(tree: tree, parents: tip.map { [$0] } ?? [], message: message, author: options.author)
            batch?.noteCommit(commit)
            if try land(commit, on: ref, replacing: base.local, options, attempt: attempt) {
                try recordSource(on: commit, options)
                return Result(commits: [(ref, commit)], changes: changes, retries: retries)
            }
            retries += 1
        }
        throw PublishError.gaveUp(reference: ref, attempts: options.maxAttempts)
    }

    // MARK: Branch layout

    func publishBranches(_ envs: [PreparedEnvironment], _ options: Options) throws -> Result {
        var commits: [(String, ObjectID)] = []
        var changes: [EnvironmentChange] = []
        var retries = 0
        for env in envs {
            let ref = options.environmentReference(env.name)
            var done = false
            for attempt in 1...options.maxAttempts {
                let base = try base(ref, options)
                let tip = base.tip
                let old = try tip.map { TreeEntry(name: env.name, id: try repository.commitInfo($0).tree, kind: .tree) }
                guard let change = try change(of: env, from: old) else {
                    if try finishUnchanged(ref: ref, base: base, options, attempt: attempt) {
                        done = true
                        break
                    }
                    retries += 1
                    continue
                }
                try materialize(env)
                let message = CommitMessage(changes: [change], options: options).text
                let commit = try repository.createCommit(tree: env.tree, parents: tip.map { [$0] } ?? [], message: message, author: options.author)
                batch?.noteCommit(commit)
                if try land(commit, on: ref, replacing: base.local, options, attempt: attempt) {
                    try recordSource(on: commit, options)
                    commits.append((ref, commit))
                    changes.append(change)
                    done = true
                    break
                }
                retries += 1
            }
            if !done { throw PublishError.gaveUp(reference: ref, attempts: options.maxAttempts) }
        }
        // Branches of environments the source no longer has.
        let suffix = options.hydrator?.suffix ?? ""
        for (ref, tip) in try repository.references(under: Self.environmentBranchPrefix) {
            var name = String(ref.dropFirst(Self.environmentBranchPrefix.count))
            // With staging, env/<name>-next is publish's, and env/<name> the promoter's.
            if !suffix.isEmpty {
                guard name.hasSuffix(suffix) else { continue }
                name = String(name.dropLast(suffix.count))
            }
            guard !options.environmentsInSource.contains(name), !name.contains("/") else { continue }
            guard try isRenderedEnvironment(try repository.commitInfo(tip).tree) else { continue }
            try repository.deleteReference(ref, expected: tip)
            if let remote = options.pushTo {
                try repository.push(remote, refspecs: [":\(ref)"], credentials: options.credentials)
            }
            changes.append(EnvironmentChange(environment: name, kind: .removed))
        }
        return Result(commits: commits, changes: changes, retries: retries)
    }

    // MARK: Moving references

    /// Where a reference's next commit goes: on top of `tip`, with the local branch at
    /// `local` and (when pushing) the remote's at `remoteTip`.
    struct Base {
        var tip: ObjectID?
        var local: ObjectID?
        var remoteTip: ObjectID?
    }

    /// The commit to build on, by StartingPoint's policy; refuses branches that diverged.
    func base(_ ref: String, _ options: Options) throws -> Base {
        let branch = String(ref.dropFirst("refs/heads/".count))
        let local = try repository.resolve(ref)
        guard let remote = options.pushTo else {
            if let local { return Base(tip: local, local: local, remoteTip: nil) }
            // As `git switch rendered` does: start from the remote-tracking branch.
            if let tracking = try repository.trackingBranch(for: branch, preferring: "origin") {
                let fetched = repository.lastFetch(of: tracking.reference)
                    .map { "fetched \(Age.timestamp($0)) (\(Age.describe($0)))" } ?? "fetched at an unknown time"
                notices[ref] = Diagnostic(.note, at: nil, "no local branch \(branch): building on \(tracking.remote)/\(branch) (\(tracking.tip.short)), \(fetched)",
                                          hint: "the remote may have moved since; git fetch \(tracking.remote) first, or publish with --push, which reads the remote itself")
                return Base(tip: tracking.tip, local: nil, remoteTip: nil)
            }
            newHistories.insert(branch)
            return Base(tip: nil, local: nil, remoteTip: nil)
        }
        let remoteTip = try repository.remoteReferences(remote, credentials: options.credentials)[ref]
        if let remoteTip, !repository.hasObject(remoteTip) {
            do {
                try repository.fetch(remote, refspecs: ["+\(ref):refs/gitops-weave/fetched/\(ref.dropFirst("refs/".count))"], credentials: options.credentials)
            } catch {
                // A concurrent publisher sharing this repository may hold the fetched
                // reference's lock; what matters is that the objects arrived.
                guard repository.hasObject(remoteTip) else { throw error }
            }
        }
        if options.localIsCache { return Base(tip: remoteTip, local: local, remoteTip: remoteTip) }
        let point = try StartingPoint.choose(local: local, remote: remoteTip,
                                             descends: { try repository.isDescendant($0, of: $1) },
                                             related: { try repository.related($0, $1) })
        notices[ref] = nil
        switch point {
        case .newHistory:
            newHistories.insert(branch)
        case .local(let tip):
            if let remoteTip {
                let ahead = try repository.commitsAhead(tip, of: remoteTip)
                notices[ref] = Diagnostic(.note, at: nil, "the local \(branch) has \(ahead) commit\(ahead == 1 ? "" : "s") \(remote) lacks: building on \(tip.short) and pushing \(ahead == 1 ? "it" : "them") too")
            }
        case .remote:
            break
        case .diverged(let l, let r, let related):
            throw DivergedBranches(branch: branch, remote: remote, local: l, remoteTip: r, related: related).diagnostic
        }
        return Base(tip: point.tip, local: local, remoteTip: remoteTip)
    }

    /// Notes per reference (the last attempt's), and the branches started anew.
    private var notices: [String: Diagnostic] = [:]
    private var newHistories: Set<String> = []

    func collectedNotices(_ options: Options) -> [Diagnostic] {
        var out = notices.sorted { $0.key < $1.key }.map(\.value)
        if !newHistories.isEmpty {
            let names = newHistories.sorted()
            let listed = names.count <= 3 ? names.joined(separator: ", ") : "\(names.count) branches (\(names.prefix(3).joined(separator: ", ")), …)"
            let elsewhere = options.pushTo.map { "on \($0)" } ?? "as a remote-tracking branch"
            let remoteHint = options.pushTo == nil && !repository.remoteNames().isEmpty
                ? "if a remote already has \(names.count == 1 ? "it" : "them"), git fetch first, then publish again to build on its history" : nil
            out.insert(Diagnostic(.note, at: nil, "\(listed) \(names.count == 1 ? "exists" : "exist") neither here nor \(elsewhere): starting a new history", hint: remoteHint), at: 0)
        }
        return out
    }

    /// Moves the local reference (and pushes); false when someone else was first and the
    /// work must be redone on their commit.
    func land(_ commit: ObjectID, on ref: String, replacing tip: ObjectID?, _ options: Options, attempt: Int) throws -> Bool {
        // Objects reach the disk before the reference that makes them reachable.
        try batch?.flush()
        do {
            if options.pushTo != nil {
                if attempt == 1 { TestHooks.pauseBeforePush() }
                // Push the commit itself, not the local branch: another publisher sharing this
                // repository may have moved the branch since, and its commit is not ours to push.
                try repository.push(options.pushTo!, refspecs: ["\(commit.hex):\(ref)"], credentials: options.credentials)
                // The local branch then mirrors what was pushed. It is a copy, not the
                // target: a concurrent publisher sharing this repository may have moved it
                // further already, and losing that race must not make this run redo a push
                // that landed (nor move the mirror backwards).
                mirror(ref, to: commit, options)
            } else {
                try repository.updateReference(ref, to: commit, expected: tip, message: "gitops-weave publish")
            }
            return true
        } catch is PushError {
            backoff(attempt)
            return false
        } catch ReferenceUpdateError.moved {
            return false
        } catch ReferenceUpdateError.locked where attempt < options.maxAttempts {
            // On the last attempt the lock error itself is thrown: it names the lock file,
            // which a killed git process can leave behind ("kept moving" would mislead).
            backoff(attempt)
            return false
        }
    }

    /// Fast-forwards the local copy of a pushed branch to `commit`; best effort. It stays
    /// where it is when a concurrent publisher already moved it past `commit`, and when
    /// moving it would leave one of its commits behind (a note says so).
    func mirror(_ ref: String, to commit: ObjectID, _ options: Options, message: String = "gitops-weave publish (pushed)") {
        for _ in 0..<5 {
            let current = try? repository.resolve(ref)
            if let current {
                if current == commit || ((try? repository.isDescendant(current, of: commit)) ?? false) { return }
                guard options.localIsCache || ((try? repository.isDescendant(commit, of: current)) ?? false) else {
                    notices[ref] = Diagnostic(.note, at: nil, "the local \(ref.dropFirst("refs/heads/".count)) stays at \(current.short): \(commit.short) does not descend from it, and moving it would leave its commits behind")
                    return
                }
            }
            do {
                try repository.updateReference(ref, to: commit, expected: current, message: message)
                return
            } catch {
                continue
            }
        }
    }

    func backoff(_ attempt: Int) {
        // Jittered, growing waits keep racing publishers from colliding in lockstep.
        let base = min(200_000, 2_000 << min(attempt, 6))
        usleep(UInt32(base / 2 + Int.random(in: 0...(base / 2))))
    }

    /// Nothing changed: keep the branch, and still record which source was processed. The
    /// remote gets the local commits it lacks; the local branch catches up with the remote
    /// (or is created at the remote-tracking branch it started from). False when a push
    /// lost a race and the work must be redone.
    func finishUnchanged(ref: String, base: Base, _ options: Options, attempt: Int) throws -> Bool {
        guard let tip = base.tip else { return true }
        if options.pushTo != nil, base.remoteTip != tip {
            guard try land(tip, on: ref, replacing: base.local, options, attempt: attempt) else { return false }
        } else if base.local != tip {
            mirror(ref, to: tip, options, message: "gitops-weave publish: up to date")
        }
        try recordSource(on: tip, options)
        return true
    }

    /// A note naming the last processed source commit, so a CI check can tell "up to date"
    /// from "never rendered".
    func recordSource(on commit: ObjectID, _ options: Options) throws {
        var text = "source-commit: \(options.source.commit ?? "unknown")\n"
        text += "source-repository: \(options.source.repository)\n"
        if options.source.dirty { text += "source-dirty: true\n" }
        text += "rendered-by: gitops-weave \(GitopsWeaveVersion.current)\n"
        // setNote flushes the batch before it moves the notes reference.
        try repository.setNote(text, on: commit, notesRef: Self.notesReference, author: options.author)
        shareNotes(text, on: commit, ref: Self.notesReference, options)
        // The hydrator's note: how a promoter learns the dry commit was processed, also
        // when it made no new commit.
        if options.hydrator != nil, let dry = options.source.commit {
            let note = HydratorContract.note(drySha: dry)
            try repository.setNote(note, on: commit, notesRef: HydratorContract.notesReference, author: options.author)
            shareNotes(note, on: commit, ref: HydratorContract.notesReference, options)
        }
    }

    /// The root files of the directory layout's hydrator contract, written with every commit.
    func hydratorRootEntries(_ options: Options) throws -> [TreeEntry] {
        let files = [(HydratorContract.metadataFile, HydratorContract.rootMetadata(options.source).json),
                     (HydratorContract.attributesFile, HydratorContract.attributes)]
        return try files.map { name, text in
            let data = Data(text.utf8)
            let id = Repository.blobID(data)
            if let batch { try batch.writeBlob(data, id: id) } else if !repository.hasObject(id) { _ = try repository.writeBlob(data) }
            return TreeEntry(name: name, id: id, kind: .blob)
        }
    }

    /// Pushes the notes alongside the branch, so the remote knows the last processed source
    /// too. Best effort: notes are a record, and a publish that landed must not fail on them.
    func shareNotes(_ text: String, on commit: ObjectID, ref: String, _ options: Options) {
        guard let remote = options.pushTo else { return }
        for _ in 0..<3 {
            do {
                try repository.push(remote, refspecs: ["\(ref):\(ref)"], credentials: options.credentials)
                return
            } catch is PushError {
                // Another publisher's notes landed first: start from theirs, add ours again.
                guard (try? repository.fetch(remote, refspecs: ["+\(ref):\(ref)"], credentials: options.credentials)) != nil,
                      (try? repository.setNote(text, on: commit, notesRef: ref, author: options.author)) != nil else { return }
            } catch {
                return
            }
        }
    }

    /// Writing to a branch the work tree has checked out would leave the checkout behind.
    func refuseCheckedOutTargets(_ options: Options) throws {
        guard let head = repository.headBranch(), !repository.isBare else { return }
        let checkedOut = options.layout == .directory ? head == options.directoryReference : head.hasPrefix(Self.environmentBranchPrefix)
        if checkedOut {
            throw PublishError.checkedOut(branch: String(head.dropFirst("refs/heads/".count)))
        }
    }
}

public enum PublishError: Error, CustomStringConvertible {
    case gaveUp(reference: String, attempts: Int)
    case checkedOut(branch: String)
    case hydratorNeedsCommit

    public var description: String {
        switch self {
        case .gaveUp(let ref, let n):
            return "\(ref) kept moving: gave up after \(n) attempts; nothing was overwritten"
        case .checkedOut(let branch):
            return "branch \(branch) is checked out in this work tree; publishing to it would leave the checkout stale"
        case .hydratorNeedsCommit:
            return "output.hydrator names the dry commit each rendered commit comes from, and a source with uncommitted changes has none: commit them, then publish"
        }
    }
}

/// The message of a publish commit: what changed per environment, then git trailers.
struct CommitMessage {
    let changes: [Publisher.EnvironmentChange]
    let options: Publisher.Options

    static let maxListedResources = 12

    var text: String {
        let source = options.source.commit.map { String($0.prefix(7)) } ?? "a working tree"
        let names = changes.map(\.environment)
        var subject = names.count <= 3
            ? "Render \(names.joined(separator: ", ")) from \(source)"
            : "Render \(names.count) environments from \(source)"
        if options.source.dirty { subject += " (uncommitted changes)" }
        var body: [String] = []
        for c in changes {
            switch c.kind {
            case .removed:
                body.append("\(c.environment): removed (no longer in the source)")
            case .added, .changed:
                var counts: [String] = []
                if !c.addedResources.isEmpty { counts.append("\(c.addedResources.count) added") }
                if !c.changedResources.isEmpty { counts.append("\(c.changedResources.count) changed") }
                if !c.removedResources.isEmpty { counts.append("\(c.removedResources.count) removed") }
                body.append("\(c.environment): \(c.kind == .added ? "new environment, " : "")\(counts.isEmpty ? "metadata only" : counts.joined(separator: ", "))")
                let lines = c.addedResources.map { "  + \($0)" } + c.changedResources.map { "  ~ \($0)" } + c.removedResources.map { "  - \($0)" }
                body += lines.prefix(Self.maxListedResources)
                if lines.count > Self.maxListedResources { body.append("  … and \(lines.count - Self.maxListedResources) more") }
            }
        }
        var trailers = [
            "Source-Commit: \(options.source.commit ?? "unknown")",
            "Source-Repository: \(options.source.repository)",
        ] + (options.source.authorDate.map { ["Source-Date: \(CommitTrailers.date($0))"] } ?? []) + [
            "Environments: \(names.joined(separator: ", "))",
            "Rendered-By: gitops-weave \(GitopsWeaveVersion.current)",
        ]
        if options.source.dirty { trailers.append("Source-Dirty: true") }
        if let author = options.source.author, author != options.author {
            trailers.append("Co-authored-by: \(author.description)")
        }
        return subject + "\n\n" + body.joined(separator: "\n") + "\n\n" + trailers.joined(separator: "\n") + "\n"
    }
}

/// Lets tests make a race happen deterministically. With GITOPS_WEAVE_TEST_PAUSE_BEFORE_PUSH
/// set to a path, the first push of a run waits (up to a minute) until that file exists,
/// after creating `<path>.waiting` to say it is waiting. Unset, it costs one lookup.
enum TestHooks {
    static func pauseBeforePush() {
        guard let path = ProcessInfo.processInfo.environment["GITOPS_WEAVE_TEST_PAUSE_BEFORE_PUSH"] else { return }
        FileManager.default.createFile(atPath: path + ".waiting", contents: nil)
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: path) {
            usleep(100_000)
        }
    }
}
