import CGit2
import Foundation
import YAMLModel

/// A commit of changed source files on top of HEAD, made in the object database: how `set`
/// and `promote` commit for a bot, on the current branch or on a new one.
public enum SourceCommit {
    public enum Destination: Sendable, Equatable {
        /// The branch HEAD is on; the caller has written the files to the work tree, and
        /// their index entries follow the commit.
        case currentBranch
        /// A new branch made from HEAD; the work tree and the index are not touched.
        case newBranch(String)
    }

    public struct Made: Sendable {
        public var commit: ObjectID
        /// The branch it is on (`refs/heads/...`).
        public var reference: String
        public var parent: ObjectID
    }

    /// Commits `files` (paths from the repository's root, new contents) on top of HEAD.
    public static func commit(_ files: [String: Data], in repository: Repository, message: String, author: Signature,
                              to destination: Destination) throws -> Made {
        guard let head = try repository.headCommitID().flatMap(ObjectID.init(hex:)) else {
            throw Diagnostic.error(at: nil, "the repository has no commits yet: there is nothing to build the change on")
        }
        let reference: String
        switch destination {
        case .currentBranch:
            guard let branch = repository.headBranch() else {
                throw Diagnostic.error(at: nil, "HEAD is detached: --commit needs a branch to commit on (or pass --branch NAME)")
            }
            reference = branch
        case .newBranch(let name):
            reference = "refs/heads/" + name
            guard try repository.resolve(reference) == nil else {
                throw Diagnostic.error(at: nil, "branch \(name) exists already: name a new one, or delete it first")
            }
            guard git_reference_is_valid_name(reference) == 1 else {
                throw Diagnostic.error(at: nil, "\(name) is not a valid branch name")
            }
        }
        let tree = try repository.writeTree(files, over: try repository.commitInfo(head).tree)
        let commit = try repository.createCommit(tree: tree, parents: [head], message: message, author: author)
        // Compare-and-swap: a branch that moved meanwhile is not overwritten.
        try repository.updateReference(reference, to: commit, expected: destination == .currentBranch ? head : nil,
                                       message: "gitops-weave: \(message.prefix { $0 != "\n" })")
        if destination == .currentBranch { try repository.updateIndex(paths: Array(files.keys)) }
        return Made(commit: commit, reference: reference, parent: head)
    }
}

extension Repository {
    /// Stages the work tree's files at `paths` (from the root), as `git add` does.
    public func updateIndex(paths: [String]) throws {
        var index: OpaquePointer?
        try GitError.check(git_repository_index(&index, handle), "open the index")
        defer { git_index_free(index) }
        for path in paths.sorted() {
            try GitError.check(git_index_add_bypath(index, path), "stage \(path)")
        }
        try GitError.check(git_index_write(index), "write the index")
    }
}
