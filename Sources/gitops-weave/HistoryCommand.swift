import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the rendered commits that changed an environment, newest first.",
        discussion: """
            Walks the rendered branch's first-parent history and lists every commit that changed \
            the environment's folder (the one that created it included): its date, the rendered \
            commit, the source commit (Source-Commit trailer) and the source's author \
            (Co-authored-by, else the commit's author), and the resources it added (+), changed \
            (~) and removed (-).

            --resource Kind/name keeps the commits that changed that resource (the kind matches \
            case-insensitively). --field PATH (with --resource) shows the field's value before \
            and after, as in `spec.configuration.clusters[name=weavecluster].layout.replicasCount`, \
            and keeps only the commits where it changed; "(absent)" means the resource or the \
            path did not exist.

            Secret values are never printed: every value of a Secret, and values under keys \
            that look like secrets (password, passwd, secret, token, apikey, credential, \
            privatekey, accesskey; not keys ending in Ref or Name), show as <redacted>.
            """)

    @Argument(help: "The environment: its folder on --branch, or its branch env/<name>.")
    var environment: String

    @Option(help: ArgumentHelp("Only commits that changed this resource: Kind/name, or Kind/namespace/name.", valueName: "KIND/NAME"))
    var resource: String?

    @Option(help: ArgumentHelp("Show this field of --resource before and after; only commits that changed it.", valueName: "PATH"))
    var field: String?

    @Option(help: ArgumentHelp("The repository holding the rendered branch (default: the one containing the current directory).", valueName: "PATH"))
    var repo: String?

    @OptionGroup var rendered: RenderedBranchOptions

    @Option(help: ArgumentHelp("List at most this many commits.", valueName: "N"))
    var limit: Int?

    @OptionGroup var output: ReportFormatOptions

    /// kubectl's kind names history accepts: built-in, every bundled stack's, and those of
    /// the CRDs of the source in the current directory, when it is one.
    static func kindNames() -> KindNames {
        let stacks = StackCatalog.bundled.stacks.map(\.kindNames).reduce(KindNames.kubernetes) { $0.merging($1) }
        guard let project = try? Project.load(from: FileSystemSource(root: "."), stacks: .bundled) else { return stacks }
        return stacks.merging(project.kindNames)
    }

    func validate() throws {
        if field != nil && resource == nil {
            throw ValidationError("--field needs --resource: a field belongs to one resource (add --resource Kind/name)")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
    }

    func run() throws {
        try Diagnostics.run(format: output.format, history)
    }

    func history() throws {
        let selector = try resource.map { try ResourceSelector(parsing: $0).resolvingKind(Self.kindNames()) }
        let path = try field.map { try FieldPath(parsing: $0) }

        let location = repo ?? "."
        if PublishCommand.isURL(location) {
            throw Diagnostic.error(at: nil, "history reads a local repository, not \(location)",
                                   hint: "clone or fetch it, then pass --repo PATH (and --branch refs/remotes/origin/rendered for a fetched branch)")
        }
        guard let repository = try Repository.discover(containing: location) else {
            throw Diagnostic.error(at: nil, "\(location) is not in a git repository", hint: "pass --repo PATH")
        }
        // The branch named, as it is: history may read a promoted branch as well as the
        // staging branch publish writes (-next, with output.hydrator).
        let target = rendered.renderedBranch(in: repository, hydrator: nil)
        let reference = target.reference(for: environment)
        if try target.tip(for: environment) == nil {
            throw Diagnostic.error(at: nil, rendered.layout == .directory
                                   ? "branch \(rendered.branch) does not exist in \(repository.workTree ?? repository.gitDirectory)"
                                   : "environment \(environment) was never rendered: there is no branch env/\(environment)",
                                   hint: rendered.layout == .directory ? "publish first, or name the branch with --branch" : "is the name right? Or publish it first")
        }
        let query = EnvironmentHistory.Query(environment: environment, resource: selector, field: path, limit: limit)
        let result = try EnvironmentHistory(branch: target).run(query)
        guard result.environmentSeen else {
            var hint = "publish it first, or check the name"
            if let known = try target.environmentTrees()?.keys.sorted(), !known.isEmpty {
                hint = "environments on \(rendered.branch): " + known.joined(separator: ", ")
            }
            throw Diagnostic.error(at: nil, "environment \(environment) was never rendered on \(branchLabel)", hint: hint)
        }
        if let selector, result.entries.isEmpty, result.complete, !result.resourceSeen {
            throw Diagnostic.error(at: nil, "\(environment) never had a resource \(selector) on \(branchLabel)",
                                   hint: "resources are named Kind/name as `gitops-weave history \(environment)` lists them, e.g. ClickHouseInstallation/wandb")
        }
        if let path, let selector, result.complete, !result.fieldSeen, output.format == .text {
            Diagnostics.print(Diagnostic(.warning, at: nil, "\(path) matched nothing in any version of \(selector)",
                                         hint: "check the path; list elements are picked with [key=value], e.g. clusters[name=weavecluster]"))
        }

        switch output.format {
        case .text: printText(result, selector: selector, path: path)
        case .json:
            try JSONOutput.print(HistoryReport(result, environment: environment, layout: rendered.layout, reference: reference,
                                               selector: selector, path: path))
        }
    }

    var branchLabel: String {
        rendered.layout == .directory ? "branch \(rendered.branch)" : "branch env/\(environment)"
    }

    static func date(_ seconds: Int64) -> String { CommitTrailers.date(seconds) }

    static let maxListedResources = 12

    func printText(_ result: EnvironmentHistory.Result, selector: ResourceSelector?, path: FieldPath?) {
        if result.entries.isEmpty {
            var what = environment
            if let selector { what += " \(selector)" }
            if let path { what += " \(path)" }
            print("no commit on \(branchLabel) changed \(what)")
            return
        }
        for (n, e) in result.entries.enumerated() {
            if n > 0 { print("") }
            var source = e.sourceCommit.map { "source \(String($0.prefix(7)))" } ?? "source unknown"
            if let written = e.sourceDate { source += " of \(Self.date(written))" }
            print("\(Self.date(e.time))  \(e.commit.short)  \(source)  \(e.sourceAuthor.description)")
            switch e.environmentChange {
            case .created: print("  new environment")
            case .removed: print("  environment removed")
            case .changed: break
            }
            if path != nil {
                for f in e.fields {
                    let resource = f.id?.description ?? RenderedFileName(f.file)?.display ?? f.file
                    print("  ~ \(resource)")
                    print("    \(f.path): \(f.before ?? "(absent)") → \(f.after ?? "(absent)")")
                }
                continue
            }
            if e.resources.isEmpty { print("  metadata only") }
            let lines = e.resources.map { r -> String in
                let mark = r.kind == .added ? "+" : r.kind == .changed ? "~" : "-"
                return "  \(mark) \(r.display)"
            }
            let shown = selector == nil ? Self.maxListedResources : lines.count
            for line in lines.prefix(shown) { print(line) }
            if lines.count > shown { print("  … and \(lines.count - shown) more") }
        }
    }
}

/// `history --format json`: the environment, the layout, the reference read, the
/// `--resource` and `--field` asked for (null when not), whether the walk reached the
/// first commit, and the commits, newest first.
struct HistoryReport: Encodable {
    struct Person: Encodable {
        var name: String
        var email: String

        init(_ s: Signature) {
            name = s.name
            email = s.email
        }
    }

    /// A rendered file and the resource it holds: kind, name, apiVersion and namespace
    /// from the resource; kind, name and namespace from the file's name when the resource
    /// was not read; the file alone for a file that holds no resource. The namespace is
    /// null for a cluster-scoped resource.
    struct ResourceFile {
        struct Identity {
            var kind: String
            var name: String
            var apiVersion: String?
            var namespace: String?
        }

        var file: String
        var identity: Identity?

        init(_ id: ResourceID?, file: String) {
            self.file = file
            if let id {
                identity = Identity(kind: id.kind, name: id.name, apiVersion: id.apiVersion, namespace: id.namespace)
            } else if let parsed = RenderedFileName(file) {
                identity = Identity(kind: parsed.kind, name: parsed.name, apiVersion: nil, namespace: parsed.namespace)
            }
        }

        func encode(into c: inout KeyedEncodingContainer<ResourceKeys>) throws {
            try c.encode(file, forKey: .file)
            guard let identity else { return }
            try c.encode(identity.kind, forKey: .kind)
            try c.encode(identity.name, forKey: .name)
            try c.encodeIfPresent(identity.apiVersion, forKey: .apiVersion)
            try c.encodeOrNull(identity.namespace, forKey: .namespace)
        }
    }

    /// The keys of a resource file and of what is said about it.
    enum ResourceKeys: String, CodingKey {
        case file, kind, name, apiVersion, namespace, change, path, before, after
    }

    /// A resource the commit added, changed or removed.
    struct ResourceChange: Encodable {
        var resource: ResourceFile
        var change: String

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: ResourceKeys.self)
            try resource.encode(into: &c)
            try c.encode(change, forKey: .change)
        }
    }

    /// The `--field` of a resource before and after the commit; null where it was absent.
    struct FieldChange: Encodable {
        var resource: ResourceFile
        var path: String
        var before: String?
        var after: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: ResourceKeys.self)
            try resource.encode(into: &c)
            try c.encode(path, forKey: .path)
            try c.encodeOrNull(before, forKey: .before)
            try c.encodeOrNull(after, forKey: .after)
        }
    }

    /// One rendered commit: its id and date, its author, the source commit it was rendered
    /// from (null when unknown) and that commit's author, what happened to the
    /// environment, the resources it changed, and with `--field` the field's changes.
    struct Commit: Encodable {
        var commit: String
        var date: String
        var author: Person
        var sourceCommit: String?
        var sourceAuthor: Person
        /// The source commit's author date; null when unknown.
        var sourceDate: String?
        var environmentChange: String
        var resources: [ResourceChange]
        var fields: [FieldChange]?

        enum CodingKeys: String, CodingKey {
            case commit, date, author, sourceCommit, sourceAuthor, sourceDate, environmentChange, resources, fields
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(commit, forKey: .commit)
            try c.encode(date, forKey: .date)
            try c.encode(author, forKey: .author)
            try c.encodeOrNull(sourceCommit, forKey: .sourceCommit)
            try c.encode(sourceAuthor, forKey: .sourceAuthor)
            try c.encodeOrNull(sourceDate, forKey: .sourceDate)
            try c.encode(environmentChange, forKey: .environmentChange)
            try c.encode(resources, forKey: .resources)
            try c.encodeIfPresent(fields, forKey: .fields)
        }
    }

    var environment: String
    var layout: String
    var reference: String
    var resource: String?
    var field: String?
    var complete: Bool
    var commits: [Commit]

    init(_ result: EnvironmentHistory.Result, environment: String, layout: RenderedLayout, reference: String,
         selector: ResourceSelector?, path: FieldPath?) {
        self.environment = environment
        self.layout = layout.rawValue
        self.reference = reference
        resource = selector?.text
        field = path?.description
        complete = result.complete
        commits = result.entries.map { e in
            Commit(commit: e.commit.hex, date: HistoryCommand.date(e.time), author: Person(e.author),
                   sourceCommit: e.sourceCommit, sourceAuthor: Person(e.sourceAuthor),
                   sourceDate: e.sourceDate.map(HistoryCommand.date),
                   environmentChange: e.environmentChange.rawValue,
                   resources: e.resources.map { ResourceChange(resource: ResourceFile($0.id, file: $0.file), change: $0.kind.rawValue) },
                   fields: path == nil ? nil : e.fields.map {
                       FieldChange(resource: ResourceFile($0.id, file: $0.file), path: $0.path, before: $0.before, after: $0.after)
                   })
        }
    }

    enum CodingKeys: String, CodingKey {
        case environment, layout, reference, resource, field, complete, commits
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(environment, forKey: .environment)
        try c.encode(layout, forKey: .layout)
        try c.encode(reference, forKey: .reference)
        try c.encodeOrNull(resource, forKey: .resource)
        try c.encodeOrNull(field, forKey: .field)
        try c.encode(complete, forKey: .complete)
        try c.encode(commits, forKey: .commits)
    }
}
