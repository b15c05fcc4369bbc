import Foundation
import Overlays
import MergeEngine
import YAMLModel

/// The commits of a rendered branch that changed one environment, newest first.
///
/// The branch's first-parent history is walked from its tip; a commit counts when the
/// environment's tree differs from its first parent's (the commit that created the folder
/// counts, and so does one that removed it). Only trees are compared along the way; files
/// are listed for the commits that count, and read only to name their resources and, with
/// a field, to resolve it.
public struct EnvironmentHistory {
    public let branch: RenderedBranch

    public init(branch: RenderedBranch) {
        self.branch = branch
    }

    /// What a query asks for.
    public struct Query {
        public var environment: String
        public var resource: ResourceSelector?
        /// Needs `resource`.
        public var field: FieldPath?
        /// At most this many entries.
        public var limit: Int?

        public init(environment: String, resource: ResourceSelector? = nil, field: FieldPath? = nil, limit: Int? = nil) {
            self.environment = environment
            self.resource = resource
            self.field = field
            self.limit = limit
        }
    }

    /// One resource file a commit added, changed or removed.
    public struct ResourceChange: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, changed, removed }
        public var kind: Kind
        public var file: String
        /// Read from the file (the new version; the old one when removed); nil when unreadable.
        public var id: ResourceID?

        /// `ClickHouseInstallation/wandb (namespace clickhouse)`, as publish messages name it.
        public var display: String { id?.description ?? RenderedFileName(file)?.display ?? file }
    }

    /// A field's value before and after a commit, as printed: nil when absent.
    public struct FieldChange: Sendable, Equatable {
        public var file: String
        public var id: ResourceID?
        public var path: String
        public var before: String?
        public var after: String?
    }

    public struct Entry: Sendable {
        public enum EnvironmentChange: String, Sendable { case created, changed, removed }
        public var commit: ObjectID
        /// Seconds since 1970 (the commit's committer time).
        public var time: Int64
        /// Who made the rendered commit.
        public var author: Signature
        /// The Source-Commit trailer.
        public var sourceCommit: String?
        /// Co-authored-by when present, else the rendered commit's author.
        public var sourceAuthor: Signature
        /// When the source commit was written (its author date): from the commit's
        /// `Source-Date` trailer, else from the source commit when this repository has it.
        public var sourceDate: Int64?
        public var environmentChange: EnvironmentChange
        /// Filtered to the selected resource, when there is one.
        public var resources: [ResourceChange]
        /// With a field: its changes in this commit (one per matching resource file).
        public var fields: [FieldChange]
    }

    public struct Result: Sendable {
        public var entries: [Entry]
        /// Whether the environment was on the branch in any commit walked.
        public var environmentSeen: Bool
        /// Whether a file of the selected resource appeared in any change walked.
        public var resourceSeen: Bool
        /// Whether the field resolved in any version read.
        public var fieldSeen: Bool
        /// False when the walk stopped at the limit.
        public var complete: Bool
    }

    static let bookkeepingFiles = RenderedEnvironment.bookkeepingFiles

    public func run(_ query: Query) throws -> Result {
        precondition(query.field == nil || query.resource != nil, "a field needs a resource")
        var result = Result(entries: [], environmentSeen: false, resourceSeen: false, fieldSeen: false, complete: true)
        guard let tip = try branch.tip(for: query.environment) else { return result }
        let repository = branch.repository
        var info = try repository.commitInfo(tip)
        var tree = try branch.environmentTree(query.environment, in: info)
        var visited = Set<ObjectID>()
        while visited.insert(info.id).inserted {
            let parent = try info.parents.first.map { try repository.commitInfo($0) }
            let parentTree = try parent.flatMap { try branch.environmentTree(query.environment, in: $0) }
            if tree != nil || parentTree != nil { result.environmentSeen = true }
            if tree != parentTree, let entry = try entry(info, old: parentTree, new: tree, query, &result) {
                result.entries.append(entry)
                if let limit = query.limit, result.entries.count >= limit {
                    result.complete = parent == nil
                    break
                }
            }
            guard let parent else { break }
            info = parent
            tree = parentTree
        }
        return result
    }

    /// The source commit's author date: the `Source-Date` trailer (publishes since it was
    /// added), else the source commit itself when this repository holds it.
    func sourceDate(_ trailers: CommitTrailers) -> Int64? {
        if let text = trailers.first("Source-Date"), let time = CommitTrailers.time(from: text) { return time }
        guard let hex = trailers.first("Source-Commit"), let id = ObjectID(hex: hex),
              branch.repository.hasObject(id) else { return nil }
        return try? branch.repository.commitInfo(id).authorTime
    }

    func entry(_ commit: CommitInfo, old: ObjectID?, new: ObjectID?, _ query: Query, _ result: inout Result) throws -> Entry? {
        let oldFiles = try old.map(branch.files(of:)) ?? [:]
        let newFiles = try new.map(branch.files(of:)) ?? [:]
        var changes: [ResourceChange] = []
        for (path, id) in newFiles where !Self.bookkeepingFiles.contains(path) {
            if let before = oldFiles[path] {
                if before != id { changes.append(ResourceChange(kind: .changed, file: path)) }
            } else {
                changes.append(ResourceChange(kind: .added, file: path))
            }
        }
        for path in oldFiles.keys where newFiles[path] == nil && !Self.bookkeepingFiles.contains(path) {
            changes.append(ResourceChange(kind: .removed, file: path))
        }
        if let selector = query.resource {
            changes = changes.filter { selector.matches(file: $0.file) }
            if changes.isEmpty { return nil }
            result.resourceSeen = true
        }

        let repository = branch.repository
        func text(_ id: ObjectID?) throws -> String? {
            try id.map { String(decoding: try repository.readBlob($0), as: UTF8.self) }
        }
        func resourceID(_ text: String?, file: String) -> ResourceID? {
            guard let text, let doc = try? YAMLParser().parseDocument(text, file: file) else { return nil }
            return (try? Resource(document: doc))?.id
        }

        var fields: [FieldChange] = []
        for i in changes.indices {
            let file = changes[i].file
            let before = try text(oldFiles[file]), after = try text(newFiles[file])
            let label = "\(query.environment)/\(file)@\(commit.id.short)"
            changes[i].id = resourceID(after ?? before, file: label)
            guard let path = query.field else { continue }
            let a = try FieldValue.resolve(path, inFile: before, named: label + "^")
            let b = try FieldValue.resolve(path, inFile: after, named: label)
            if a != nil || b != nil { result.fieldSeen = true }
            guard a != b else { continue }
            let kind = changes[i].id?.kind ?? RenderedFileName(file)?.kind ?? ""
            fields.append(FieldChange(file: file, id: changes[i].id, path: path.description,
                                      before: FieldValue.display(a, path: path, kind: kind),
                                      after: FieldValue.display(b, path: path, kind: kind)))
        }
        if query.field != nil && fields.isEmpty { return nil }
        changes.sort { ($0.kind.order, $0.display, $0.file) < ($1.kind.order, $1.display, $1.file) }

        let trailers = CommitTrailers(message: commit.message)
        let coAuthor = trailers.first("Co-authored-by").flatMap(Signature.init(parsing:))
        return Entry(commit: commit.id, time: commit.time, author: commit.author,
                     sourceCommit: trailers.first("Source-Commit").flatMap { $0 == "unknown" ? nil : $0 },
                     sourceAuthor: coAuthor ?? commit.author,
                     sourceDate: sourceDate(trailers),
                     environmentChange: old == nil ? .created : new == nil ? .removed : .changed,
                     resources: changes, fields: fields)
    }
}

extension EnvironmentHistory.ResourceChange.Kind {
    var order: Int {
        switch self {
        case .added: return 0
        case .changed: return 1
        case .removed: return 2
        }
    }
}
