import Foundation
import LocalFiles
import Overlays
import MergeEngine
import YAMLModel

/// Environments that do not render; each diagnostic says where and why, and which
/// environment reported it.
public struct RenderFailure: Error, CustomStringConvertible {
    public var diagnostics: [(environment: String?, diagnostic: Diagnostic)]
    public var description: String { diagnostics.map(\.diagnostic.description).joined(separator: "\n") }
}

/// Renders a source at two revisions and compares them.
public struct RevisionComparison {
    public var source: String
    public var base: String?
    public var head: String?
    /// Called with HEAD's project and rendered environments (only when every environment
    /// renders), so a caller can check them without rendering HEAD again.
    public var inspectHead: ((Project, [RenderedEnvironment]) throws -> Void)?
    /// The stacks the projects at both revisions may name.
    public var stacks: StackCatalog
    /// Compare only these environments (nil: all of them). A name neither revision has
    /// is an error.
    public var environments: [String]?
    /// Compare only the environments whose labels match, at either revision; one must.
    public var selector: LabelSelector?
    /// Render only the environments whose inputs differ between the revisions
    /// (`RenderInputs`); the others cannot differ. False renders every one, at both.
    public var incremental = true

    public init(source: String, base: String?, head: String?, stacks: StackCatalog,
                inspectHead: ((Project, [RenderedEnvironment]) throws -> Void)? = nil) {
        self.source = source
        self.stacks = stacks
        self.base = base
        self.head = head
        self.inspectHead = inspectHead
    }

    public func diff() throws -> RenderDiff {
        guard let repo = try Repository.discover(containing: source), let workTree = repo.workTree else {
            throw Diagnostic.error(at: nil, "\(source) is not in a git work tree, so there are no revisions to compare",
                                   hint: "run diff inside the source repository")
        }
        let subdirectory = Self.relative(source, to: workTree)
        // `repo` stays on this thread: both revisions' render workers read through handles
        // of their own, borrowed from `repo.readers` (see GitTreeSource).
        let baseRevision = try base ?? defaultBase(repo)
        let beforeProject = try Project.load(from: try GitTreeSource(repository: repo, revision: baseRevision, subdirectory: subdirectory), stacks: stacks)
        let afterSource: any SourceTree = try head.map { try GitTreeSource(repository: repo, revision: $0, subdirectory: subdirectory) }
            ?? FileSystemSource(root: source)
        let afterProject = try Project.load(from: afterSource, stacks: stacks)
        let beforeNames = try selected(beforeProject), afterNames = try selected(afterProject)
        // An environment whose inputs are the same at both revisions renders alike at both.
        var unchanged = Set<String>()
        if incremental {
            let beforeInputs = RenderInputs(project: beforeProject), afterInputs = RenderInputs(project: afterProject)
            let common = Array(Set(beforeNames).intersection(afterNames))
            let same = common.concurrentMap { name -> Bool in
                guard let a = beforeInputs.digest(of: name), let b = afterInputs.digest(of: name) else { return false }
                return a == b
            }
            for (name, isSame) in zip(common, same) where isSame { unchanged.insert(name) }
        }
        let before = try render(beforeProject, beforeNames.filter { !unchanged.contains($0) })
        let after = try render(afterProject, afterNames.filter { !unchanged.contains($0) })
        if let environments {
            let known = Set(try before.project.environmentNames()).union(try after.project.environmentNames())
            if let unknown = environments.first(where: { !known.contains($0) }) {
                let all = (try? after.project.environmentNames()) ?? []
                let closest = Suggestion.closest(to: unknown, in: all)
                throw Diagnostic.error(at: nil, "no environment named \"\(unknown)\" at either revision",
                                       hint: closest.map { "did you mean \($0)?" } ?? "environments: " + all.joined(separator: ", "))
            }
        }
        if let selector, beforeNames.isEmpty, afterNames.isEmpty {
            throw after.project.noMatch(selector, where: " at either revision")
        }
        try inspectHead?(after.project, after.environments)
        var diff = RenderDiff(before: before.resources, after: after.resources)
        diff.compared = Set(beforeNames).union(afterNames).count
        diff.rendered = after.environments.map(\.name)
        for (project, names) in [(before.project, before.resources.keys), (after.project, after.resources.keys)] {
            for name in names { diff.labels[name] = (try? project.environment(named: name).labels) ?? diff.labels[name] }
        }
        return diff
    }

    func defaultBase(_ repo: Repository) throws -> String {
        guard let branch = repo.defaultBranch() else {
            throw Diagnostic.error(at: nil, "cannot tell the default branch: no origin/HEAD, main or master",
                                   hint: "name the base revision: gitops-weave diff BASE")
        }
        guard let headCommit = try repo.headCommitID().flatMap(ObjectID.init(hex:)) else {
            throw Diagnostic.error(at: nil, "the repository has no commits yet")
        }
        return try repo.mergeBase(headCommit, try repo.commitID(branch)).hex
    }

    /// The environments of a revision this comparison covers.
    func selected(_ project: Project) throws -> [String] {
        var names = try project.environmentNames()
        if let environments { names = names.filter(environments.contains) }
        if let selector { names = try names.filter { selector.matches(try project.environment(named: $0).labels) } }
        return names
    }

    /// The environments named, rendered; any render error stops the comparison.
    func render(_ project: Project, _ names: [String]) throws -> (project: Project, environments: [RenderedEnvironment], resources: [String: [Resource]]) {
        // Laid out as in the rendered tree (order, sync waves), so the diff shows what is
        // committed; validation is the caller's, through `inspectHead`.
        let results = RenderPipeline(renderer: Renderer(project: project), provenance: .init(sourceRevision: nil, sourceDirty: false),
                                     validator: nil).run(names)
        let errors = results.flatMap { r in r.diagnostics.filter { $0.severity == .error }.map { (environment: Optional(r.name), diagnostic: $0) } }
        if !errors.isEmpty { throw RenderFailure(diagnostics: errors) }
        let environments = results.compactMap(\.environment)
        var resources: [String: [Resource]] = [:]
        for env in environments { resources[env.name] = env.resources }
        return (project, environments, resources)
    }

    /// `dir` relative to `root`, both resolved through symbolic links.
    public static func relative(_ dir: String, to root: String) -> String {
        let d = URL(fileURLWithPath: dir).resolvingSymlinksInPath().standardizedFileURL.path
        let r = URL(fileURLWithPath: root).resolvingSymlinksInPath().standardizedFileURL.path
        let trimmedRoot = r.hasSuffix("/") ? String(r.dropLast()) : r
        guard d.hasPrefix(trimmedRoot) else { return "" }
        return String(d.dropFirst(trimmedRoot.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }
}
