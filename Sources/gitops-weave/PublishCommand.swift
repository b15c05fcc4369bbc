import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Render environments and commit them to the branch Argo CD or Flux syncs.",
        discussion: """
            With no options, publish renders every environment of the source repository and \
            commits them into that same repository on branch `rendered`, one folder per \
            environment. The commit is written straight into git's object database: the work \
            tree, the index and HEAD are not touched.

            An environment whose rendered files did not change is left as it is; when nothing \
            changed, no commit is made (and the run still records the source commit it \
            processed, as a note under refs/notes/gitops-weave). Every commit says what changed \
            in each environment and carries the trailers Source-Commit, Source-Repository, \
            Environments and Rendered-By, and Co-authored-by for the source commit's author.

            The branch moves by compare-and-swap, so a concurrent publisher is never \
            overwritten: the work is redone on its commit. With --push, a push rejected \
            because someone else pushed first is retried the same way.

            Credentials for pushes come from the environment: GITOPS_WEAVE_SSH_KEY (and \
            GITOPS_WEAVE_SSH_PASSPHRASE) or the ssh-agent for ssh URLs; GITOPS_WEAVE_TOKEN, \
            GIT_TOKEN or GITHUB_TOKEN (user GITOPS_WEAVE_USERNAME, default x-access-token) for \
            https URLs.
            """)

    @OptionGroup var selection: EnvironmentArguments

    @OptionGroup var source: SourceOptions

    @Option(help: ArgumentHelp("The repository to commit to: a path, or a URL to push to (default: the source repository).", valueName: "PATH|URL"))
    var repo: String?

    @Option(help: "The branch to commit to (directory layout).")
    var branch = "rendered"

    @OptionGroup var layoutOptions: LayoutOptions

    @Flag(help: "Push the branch to --remote after committing (implied when --repo is a URL).")
    var push = false

    @Option(help: "The remote to push to, by name or URL.")
    var remote = "origin"

    @Option(help: ArgumentHelp("Author of the commits (default: git's user.name and user.email).", valueName: "Name <email>"))
    var author: String?

    @Flag(help: "Publish even though the source has uncommitted changes (the commit says so).")
    var allowDirty = false

    @OptionGroup var output: ReportFormatOptions

    @OptionGroup var validation: ValidationOptions

    func validate() throws {
        if let author, Signature(parsing: author) == nil {
            throw ValidationError("--author takes \"Name <email>\", not \"\(author)\"")
        }
    }

    func run() throws {
        try Diagnostics.run(format: output.format, publish)
    }

    func publish() throws {
        let project = try source.loadProject()
        let allNames = try project.environmentNames()
        let names = try selection.names(in: project)
        let sourceRepository = try Repository.discover(containing: source.directory)
        let sourceInfo = try describeSource(sourceRepository)
        if sourceInfo.dirty && !allowDirty {
            throw Diagnostic.error(at: nil, "the source has uncommitted changes, so no commit can name what was rendered",
                                   hint: "commit them first, or pass --allow-dirty (the commit then says the source was dirty)")
        }

        if project.hydrator != nil, sourceInfo.commit == nil || sourceInfo.dirty {
            throw Diagnostic.error(at: nil, "output.hydrator names the dry commit each rendered commit comes from, and \(sourceInfo.commit == nil ? "a source that is not a git commit" : "a source with uncommitted changes") has none",
                                   hint: "commit the changes, then publish; or set output.hydrator: false in \(project.file) to publish without the contract")
        }

        // Render everything first: nothing is committed unless every environment renders.
        let pipeline = RenderPipeline(renderer: Renderer(project: project),
                                      provenance: .init(sourceRevision: sourceInfo.commit, sourceDirty: sourceInfo.dirty),
                                      validator: try validation.validator(for: project))
        let results = pipeline.run(names)
        var diagnostics = DiagnosticList(namesEnvironments: names.count > 1)
        for result in results { diagnostics.append(contentsOf: result.diagnostics, environment: result.name) }
        let rendered = results.compactMap(\.environment)
        if results.contains(where: \.failed) {
            diagnostics.append(.error(at: nil, "nothing was published: fix the errors above and publish again"))
            throw CommandFailure(diagnostics)
        }
        if output.format == .text {
            diagnostics.print()
            validation.printCoverageNote(project, text: true)
        }

        let (target, pushTo) = try targetRepository(sourceRepository)
        let signature = author.flatMap(Signature.init(parsing:)) ?? target.defaultSignature()
            ?? Signature(name: "gitops-weave", email: "gitops-weave@localhost")
        var options = Publisher.Options(author: signature, source: sourceInfo, environmentsInSource: Set(allNames))
        options.branch = branch
        options.layout = layoutOptions.layout
        options.pushTo = pushTo
        options.localIsCache = repo.map(Self.isURL) ?? false
        options.hydrator = project.hydrator
        let result = try Publisher(repository: target).publish(rendered, options: options)
        var reported = diagnostics
        reported.append(contentsOf: result.notices)
        if output.format == .text { DiagnosticList(result.notices).print() }
        try report(result, names: names, source: sourceInfo, diagnostics: reported)
    }

    /// The repository to commit to, and where to push.
    func targetRepository(_ sourceRepository: Repository?) throws -> (Repository, String?) {
        guard let repo else {
            guard let sourceRepository else {
                throw Diagnostic.error(at: nil, "\(source.directory) is not in a git repository, so there is no default place to publish",
                                       hint: "pass --repo PATH|URL")
            }
            return (sourceRepository, push ? try Self.checkRemote(remote, in: sourceRepository) : nil)
        }
        if Self.isURL(repo) {
            return (try Self.scratchRepository(for: repo), repo)
        }
        guard let opened = try Repository.discover(containing: repo) else {
            throw Diagnostic.error(at: nil, "\(repo) is not a git repository", hint: "create it with git init, or pass a URL")
        }
        return (opened, push ? try Self.checkRemote(remote, in: opened) : nil)
    }

    /// `--remote` names a configured remote, or is a URL or a path.
    static func checkRemote(_ remote: String, in repository: Repository) throws -> String {
        let names = repository.remoteNames()
        if names.contains(remote) || isURL(remote) || FileManager.default.fileExists(atPath: remote) { return remote }
        let closest = Suggestion.closest(to: remote, in: names)
        throw Diagnostic.error(at: nil, "no remote named \"\(remote)\" in this repository",
                               hint: closest.map { "did you mean --remote \($0)?" }
                                   ?? (names.isEmpty ? "it has no remotes; add one with git remote add \(remote) URL, or publish to a URL with --repo URL"
                                                     : "remotes: \(names.joined(separator: ", ")); or pass a URL or path"))
    }

    static func isURL(_ s: String) -> Bool {
        s.contains("://") || (s.contains("@") && s.contains(":") && !s.hasPrefix("/"))
    }

    /// A bare repository kept per URL, to build commits in before pushing them.
    static func scratchRepository(for url: String) throws -> Repository {
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        var hash: UInt64 = 14_695_981_039_346_656_037
        for b in url.utf8 { hash = (hash ^ UInt64(b)) &* 1_099_511_628_211 }
        let path = "\(cache)/gitops-weave/repositories/\(String(hash, radix: 16)).git"
        if FileManager.default.fileExists(atPath: path + "/HEAD") { return try Repository.open(path) }
        // Publishers started together must not meet half-way through creating it (libgit2
        // fails on the other's config.lock): each creates its own and renames it into place.
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let fresh = "\(path).new-\(getpid())"
        try? FileManager.default.removeItem(atPath: fresh)
        _ = try Repository.initialize(at: fresh, bare: true)
        if rename(fresh, path) != 0 {
            // Someone else's is in place already.
            try? FileManager.default.removeItem(atPath: fresh)
        }
        return try Repository.open(path)
    }

    func describeSource(_ repository: Repository?) throws -> Publisher.Source {
        guard let repository else {
            return Publisher.Source(commit: nil, repository: URL(fileURLWithPath: source.directory).standardizedFileURL.path, dirty: true, author: nil)
        }
        let head = try repository.headCommitID()
        let info = try head.flatMap { ObjectID(hex: $0) }.map { try repository.commitInfo($0) }
        let location = repository.remoteURL("origin") ?? repository.workTree.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? repository.gitDirectory
        return Publisher.Source(commit: head, repository: location, dirty: try repository.hasUncommittedChanges(),
                                author: info?.author, authorDate: info?.authorTime, authorOffset: info?.authorOffset ?? 0, message: info?.message)
    }

    func report(_ result: Publisher.Result, names: [String], source: Publisher.Source, diagnostics: DiagnosticList) throws {
        switch output.format {
        case .text:
            if result.upToDate {
                print("up to date: no environment changed; recorded source \(source.commit.map { String($0.prefix(12)) } ?? "(unknown)")")
            }
            for (ref, commit) in result.commits {
                print("committed \(commit.short) on \(ref.replacingOccurrences(of: "refs/heads/", with: ""))")
            }
            for c in result.changes {
                print("  \(c.environment): \(c.kind.rawValue)")
            }
        case .json:
            try JSONOutput.print(PublishReport(result, source: source, diagnostics: diagnostics))
        }
    }
}

/// `publish --format json`: whether nothing changed, the commits made (reference and
/// commit id), what changed in each environment, how many times the work was redone after
/// losing a race, and the source commit (null for a source outside git).
struct PublishReport: Encodable {
    struct Commit: Encodable {
        var reference: String
        var commit: String
    }

    /// One environment: `kind` is added, changed or removed; the resources added,
    /// changed and removed, as `Kind/name (namespace ns)`.
    struct Change: Encodable {
        var environment: String
        var kind: String
        var added: [String]
        var changed: [String]
        var removed: [String]
    }

    var upToDate: Bool
    var commits: [Commit]
    var changes: [Change]
    var retries: Int
    var sourceCommit: String?
    /// Warnings and notes of the render (a publish with errors prints FailureReport).
    var diagnostics: [DiagnosticJSON]

    init(_ result: Publisher.Result, source: Publisher.Source, diagnostics: DiagnosticList) {
        upToDate = result.upToDate
        commits = result.commits.map { Commit(reference: $0.reference, commit: $0.commit.hex) }
        changes = result.changes.map {
            Change(environment: $0.environment, kind: $0.kind.rawValue, added: $0.addedResources,
                   changed: $0.changedResources, removed: $0.removedResources)
        }
        retries = result.retries
        sourceCommit = source.commit
        self.diagnostics = diagnostics.json
    }

    enum CodingKeys: String, CodingKey { case upToDate, commits, changes, retries, sourceCommit, diagnostics }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(upToDate, forKey: .upToDate)
        try c.encode(commits, forKey: .commits)
        try c.encode(changes, forKey: .changes)
        try c.encode(retries, forKey: .retries)
        try c.encodeOrNull(sourceCommit, forKey: .sourceCommit)
        try c.encode(diagnostics, forKey: .diagnostics)
    }
}
