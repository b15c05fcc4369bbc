import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// An environment whose committed files are not what a fresh render produces.
public struct StaleEnvironment: Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// Its files differ from the render.
        case differs
        /// The source has it; the branch does not.
        case neverRendered = "never-rendered"
        /// The branch has it; the source no longer does.
        case removedFromSource = "removed-from-source"
    }

    public var environment: String
    public var reason: Reason
    /// Files as publishing would change them: `added` are rendered but not on the branch,
    /// `changed` differ, `removed` are on the branch but no longer rendered.
    public var added: [String] = []
    public var changed: [String] = []
    public var removed: [String] = []

    public init(environment: String, reason: Reason, added: [String] = [], changed: [String] = [], removed: [String] = []) {
        self.environment = environment
        self.reason = reason
        self.added = added
        self.changed = changed
        self.removed = removed
    }
}

/// Compares committed environments with a fresh render by blob id: nothing committed is
/// read except tree listings, and the render is hashed in memory.
public enum Freshness {
    /// Name the source revision, so they differ on every commit (render-info.txt, the
    /// hydrator contract's files), or are written by publish alone: never compared.
    public static let ignoredFiles: Set<String> = HydratorContract.pathFiles.union([RenderedEnvironment.metadataFile, HydratorContract.attributesFile])

    /// The difference between a rendered environment's files and a committed one's, by
    /// blob id; nil when they match (ignored files aside).
    public static func compare(environment: String, rendered: [String: ObjectID], committed: [String: ObjectID]) -> StaleEnvironment? {
        var stale = StaleEnvironment(environment: environment, reason: .differs)
        for (path, id) in rendered where !ignoredFiles.contains(path) {
            if let old = committed[path] {
                if old != id { stale.changed.append(path) }
            } else {
                stale.added.append(path)
            }
        }
        for path in committed.keys where rendered[path] == nil && !ignoredFiles.contains(path) {
            stale.removed.append(path)
        }
        guard !(stale.added.isEmpty && stale.changed.isEmpty && stale.removed.isEmpty) else { return nil }
        stale.added.sort(); stale.changed.sort(); stale.removed.sort()
        return stale
    }

    /// The outcome of checking a branch against a render.
    public struct Report: Sendable {
        /// False when the directory layout's branch does not exist at all.
        public var branchExists: Bool
        /// The environments compared, in the order given.
        public var checked: [String]
        /// Stale environments: those checked, then any left over from removed environments.
        public var stale: [StaleEnvironment]
        /// The source commit the last publish recorded on the branch tip (its note), if any.
        public var lastProcessedSource: String?
        public var isFresh: Bool { stale.isEmpty }
    }

    /// Checks `rendered` against what `branch` holds. With `environmentsInSource`, folders
    /// (or `env/` branches) that gitops-weave wrote for environments not in it are stale too.
    public static func check(_ rendered: [RenderedEnvironment], against branch: RenderedBranch,
                             environmentsInSource: Set<String>?) throws -> Report {
        let repository = branch.repository
        guard let committed = try branch.environmentTrees() else {
            return Report(branchExists: false, checked: rendered.map(\.name),
                          stale: rendered.map { StaleEnvironment(environment: $0.name, reason: .neverRendered) },
                          lastProcessedSource: nil)
        }
        var stale: [StaleEnvironment] = []
        for env in rendered {
            guard let tree = committed[env.name] else {
                stale.append(StaleEnvironment(environment: env.name, reason: .neverRendered))
                continue
            }
            let prepared = Publisher.prepare(env)
            // Equal trees need no listing at all (the usual case: render-info.txt matches too
            // when the branch was published from this very source commit).
            if prepared.tree == tree { continue }
            if let difference = compare(environment: env.name, rendered: prepared.files, committed: try branch.files(of: tree)) {
                stale.append(difference)
            }
        }
        if let environmentsInSource {
            for (name, tree) in committed.sorted(by: { $0.key < $1.key }) where !environmentsInSource.contains(name) {
                guard try branch.isRenderedEnvironment(tree) else { continue }
                stale.append(StaleEnvironment(environment: name, reason: .removedFromSource))
            }
        }
        var last: String?
        if branch.layout == .directory, let tip = try repository.resolve(RenderedBranch.qualified(branch.branch)),
           let note = try repository.note(on: tip, notesRef: Publisher.notesReference) {
            last = note.split(separator: "\n").first { $0.hasPrefix("source-commit: ") }
                .map { String($0.dropFirst("source-commit: ".count)) }
        }
        return Report(branchExists: true, checked: rendered.map(\.name), stale: stale, lastProcessedSource: last)
    }
}
