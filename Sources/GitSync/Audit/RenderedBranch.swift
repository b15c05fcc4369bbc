import CGit2
import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// Where publish keeps rendered environments, read back: one folder per environment on a
/// branch (directory layout), or one branch `env/<name>` per environment (branch layout).
public struct RenderedBranch {
    public let repository: Repository
    public let layout: RenderedLayout
    /// The branch of the directory layout: a name (`rendered`, read as `refs/heads/rendered`)
    /// or a full reference (`refs/remotes/origin/rendered`).
    public let branch: String
    /// What follows an environment's name in its branch (branch layout): `-next` for the
    /// staging branches of the hydrator contract.
    public let environmentSuffix: String

    public init(repository: Repository, layout: RenderedLayout, branch: String, environmentSuffix: String = "") {
        self.repository = repository
        self.layout = layout
        self.branch = branch
        self.environmentSuffix = environmentSuffix
    }

    static let branchPrefix = "refs/heads/env/"

    /// The reference holding an environment.
    public func reference(for environment: String) -> String {
        switch layout {
        case .directory: return Self.qualified(branch)
        case .branch: return Self.branchPrefix + environment + environmentSuffix
        }
    }

    /// `rendered` → `refs/heads/rendered`; full references stay as they are.
    public static func qualified(_ branch: String) -> String {
        branch.hasPrefix("refs/") ? branch : "refs/heads/\(branch)"
    }

    /// The tree of one environment in a commit: its folder (directory layout) or the
    /// commit's root tree (branch layout); nil when the commit has no such folder.
    public func environmentTree(_ environment: String, in commit: CommitInfo) throws -> ObjectID? {
        switch layout {
        case .branch: return commit.tree
        case .directory: return try repository.subtree(named: environment, in: commit.tree)
        }
    }

    /// Every environment the branch (or the `env/` branches) holds now, with its tree;
    /// nil when the directory layout's branch does not exist. Any folder counts here;
    /// `isRenderedEnvironment` tells which ones publish wrote.
    public func environmentTrees() throws -> [String: ObjectID]? {
        switch layout {
        case .directory:
            guard let tip = try repository.resolve(Self.qualified(branch)) else { return nil }
            var out: [String: ObjectID] = [:]
            for e in try repository.treeEntries(try repository.commitInfo(tip).tree) where e.kind == .tree {
                out[e.name] = e.id
            }
            return out
        case .branch:
            var out: [String: ObjectID] = [:]
            for (ref, tip) in try repository.references(under: Self.branchPrefix) {
                var name = String(ref.dropFirst(Self.branchPrefix.count))
                guard !name.contains("/") else { continue }
                if !environmentSuffix.isEmpty {
                    guard name.hasSuffix(environmentSuffix) else { continue }
                    name = String(name.dropLast(environmentSuffix.count))
                }
                out[name] = try repository.commitInfo(tip).tree
            }
            return out
        }
    }

    /// The commit the branch points at (directory layout) or the environment's branch does.
    public func tip(for environment: String) throws -> ObjectID? {
        try repository.resolve(reference(for: environment))
    }

    /// Whether a tree is an environment gitops-weave wrote: it holds `render-info.txt`
    /// starting with gitops-weave's header.
    public func isRenderedEnvironment(_ tree: ObjectID) throws -> Bool {
        guard let info = try repository.treeEntries(tree).first(where: { $0.name == RenderedEnvironment.metadataFile && $0.kind == .blob }) else {
            return false
        }
        return String(decoding: try repository.readBlob(info.id).prefix(64), as: UTF8.self).hasPrefix("# gitops-weave render metadata")
    }

    /// The files of an environment's tree by path, those of its subfolders included
    /// (`prerequisites/namespace_clickhouse.yaml`).
    public func files(of tree: ObjectID) throws -> [String: ObjectID] {
        try repository.blobPaths(in: tree)
    }
}

extension Repository {
    /// Every blob under `tree`, by its path from there.
    func blobPaths(in tree: ObjectID, prefix: String = "") throws -> [String: ObjectID] {
        var out: [String: ObjectID] = [:]
        for e in try treeEntries(tree) {
            switch e.kind {
            case .blob: out[prefix + e.name] = e.id
            case .tree: out.merge(try blobPaths(in: e.id, prefix: prefix + e.name + "/")) { a, _ in a }
            }
        }
        return out
    }

    /// The id of the subtree `name` directly in `tree`, or nil (also when `name` is a file).
    func subtree(named name: String, in tree: ObjectID) throws -> ObjectID? {
        var object: OpaquePointer?
        var raw = tree.raw
        try GitError.check(git_tree_lookup(&object, handle, &raw), "read tree \(tree.short)")
        defer { git_tree_free(object) }
        guard let entry = git_tree_entry_byname(object, name), git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        return ObjectID(git_tree_entry_id(entry).pointee)
    }
}
