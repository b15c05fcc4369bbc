import ArgumentParser
import GitSync
import LocalFiles
import Overlays
import MergeEngine
import YAMLModel
import Foundation

// The options several commands share, each declared once. A command puts the group where
// the option goes in its help (`@OptionGroup var source: SourceOptions`); the help text
// is the same in every command.

/// `--source DIR`: the directory holding gitops-weave.yaml, for the commands that read the
/// source as it is on disk (render, validate, publish, check, explain, sync-config).
struct SourceOptions: ParsableArguments {
    @Option(name: .customLong("source"),
            help: ArgumentHelp("The source repository's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var directory = "."

    /// The source's files.
    var files: FileSystemSource { FileSystemSource(root: directory) }

    /// The project in `directory`, with the stacks this program is built with.
    func loadProject() throws -> Project {
        try Project.load(from: files, stacks: .bundled)
    }
}

/// `[<base>] [<head>] --source DIR`: the two revisions of the source that diff and affected
/// compare, and where the source is.
struct RevisionRange: ParsableArguments {
    @Argument(help: "The revision to compare from (default: the merge base with the default branch).")
    var base: String?

    @Argument(help: "The revision to compare to (default: the working tree).")
    var head: String?

    @Option(help: ArgumentHelp("The source's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    /// The comparison of the source at `base` and at `head`; `inspectHead` sees what HEAD
    /// rendered.
    func comparison(environments: [String]? = nil, selector: LabelSelector? = nil, full: Bool = false, inspectHead: ((Project, [RenderedEnvironment]) throws -> Void)? = nil) throws -> RevisionComparison {
        try refuseEnvironmentAsRevision()
        var comparison = RevisionComparison(source: source, base: base, head: head, stacks: .bundled, inspectHead: inspectHead)
        comparison.environments = environments
        comparison.selector = selector
        comparison.incremental = !full
        return comparison
    }

    /// `diff HEAD dev-minio` reads dev-minio as a revision; when it is none but names an
    /// environment, say how to compare one environment.
    func refuseEnvironmentAsRevision() throws {
        let revisions = [base, head].compactMap { $0 }
        guard !revisions.isEmpty else { return }
        let repository = try? Repository.discover(containing: source)
        let environments = (try? Project.load(from: FileSystemSource(root: source), stacks: .bundled).environmentNames()) ?? []
        for revision in revisions where environments.contains(revision) {
            if let repository, (try? repository.commitID(revision)) != nil { continue }
            let others = revisions.filter { $0 != revision }
            throw Diagnostic.error(at: nil, "\(revision) is an environment, not a revision",
                                   hint: "compare one environment with --env: gitops-weave diff \((others + ["--env", revision]).joined(separator: " "))")
        }
    }
}

/// `--format text|json`: text for people, JSON on standard output for machines (diff has
/// its own `--format`, with markdown).
struct ReportFormatOptions: ParsableArguments {
    @Option(help: "How to report: text, or json for machines.")
    var format: ReportFormat = .text
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--layout directory|branch`: how the rendered environments are laid out in git (publish,
/// and with `--branch` in RenderedBranchOptions, check and history).
struct LayoutOptions: ParsableArguments {
    @Option(help: "directory: one folder per environment on --branch; branch: one branch env/<name> per environment.")
    var layout: RenderedLayout = .directory
}

extension RenderedLayout: ExpressibleByArgument {}

/// `--branch NAME --layout directory|branch`: the rendered branch that check and history
/// read (publish, which writes it, describes its `--branch` differently).
struct RenderedBranchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The rendered branch (directory layout): a name, or a full reference such as refs/remotes/origin/rendered.", valueName: "NAME"))
    var branch = "rendered"

    @OptionGroup var layoutOptions: LayoutOptions

    var layout: RenderedLayout { layoutOptions.layout }

    /// The rendered branch (or env/<name> branches) in `repository`: the ones publish
    /// writes, so the staging branches (`-next`) when the project's hydrator output has them.
    func renderedBranch(in repository: Repository, hydrator: HydratorOutput?) -> RenderedBranch {
        let suffix = hydrator?.suffix ?? ""
        let name = suffix.isEmpty || branch.hasPrefix("refs/") || branch.hasSuffix(suffix) ? branch : branch + suffix
        return RenderedBranch(repository: repository, layout: layout, branch: name, environmentSuffix: suffix)
    }
}

/// `--env NAME --all`: the environments a command works on, the same way in every command.
/// None named means all of them; `--all` says so explicitly. Commands whose arguments are
/// not revisions also take the names as arguments (EnvironmentArguments).
struct EnvironmentOptions: ParsableArguments {
    @Option(name: .customLong("env"),
            help: ArgumentHelp("An environment to work on (repeatable, or comma-separated; default: all of them).", valueName: "NAME"))
    var env: [String] = []

    @Flag(help: "Every environment (the default when none is named).")
    var all = false

    @Option(name: [.customShort("l"), .customLong("selector")],
            help: ArgumentHelp("The environments whose labels match, in kubectl's label-selector syntax: tier=prod, tier!=dev, storage in (gcs,minio), canary, !canary; commas mean and.", valueName: "SELECTOR"))
    var selector: String?

    /// The names given with --env.
    var named: [String] { env.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } }

    /// Nil for all of them.
    var selection: [String]? { named.isEmpty ? nil : named }

    /// `--selector`, parsed.
    func labelSelector() throws -> LabelSelector? {
        try selector.map { try LabelSelector(parsing: $0) }
    }

    func validate() throws {
        if all && !named.isEmpty { throw ValidationError("name environments or pass --all, not both") }
        if all && selector != nil { throw ValidationError("pass --selector or --all, not both") }
        if selector != nil && !named.isEmpty { throw ValidationError("name environments or pass --selector, not both") }
    }

    /// The environments named, each checked against the project, or those the selector
    /// matches (at least one); all of them when none is named.
    func names(in project: Project, also arguments: [String] = []) throws -> [String] {
        try Self.resolve(arguments + named, selector: try labelSelector(), in: project)
    }

    /// `requested` names, each checked against the project, or the environments `selector`
    /// matches (at least one); all of them when neither is given.
    static func resolve(_ requested: [String], selector: LabelSelector?, in project: Project) throws -> [String] {
        if let selector {
            guard requested.isEmpty else { throw ValidationError("name environments or pass --selector, not both") }
            let matched = try project.environmentNames(matching: selector)
            if matched.isEmpty { throw project.noMatch(selector) }
            return matched
        }
        guard !requested.isEmpty else { return try project.environmentNames() }
        // When environments/ cannot be listed (it leads outside the source, say), each name
        // gets the project's own error for its file.
        let listed = Result { try project.environmentNames() }
        if case .failure = listed { for name in requested { _ = try project.environment(named: name) } }
        let known = try listed.get()
        var seen = Set<String>()
        var names: [String] = []
        for name in requested where seen.insert(name).inserted {
            guard known.contains(name) else {
                // A name that is a path gets the project's own error (it leads outside the
                // source, or into a directory), not a suggestion.
                if name.contains("/") || name.contains("..") { _ = try project.environment(named: name) }
                let closest = Suggestion.closest(to: name, in: known)
                throw Diagnostic.error(at: nil, "no environment named \"\(name)\" in \(project.source.displayPath(project.environmentsDirectory))/",
                                       hint: closest.map { "did you mean \($0)?" } ?? (known.isEmpty ? "there are no environments yet" : "environments: " + known.joined(separator: ", ")))
            }
            names.append(name)
        }
        return names
    }
}

/// `[<environments> ...] --env NAME --all`: EnvironmentOptions, and the names as arguments,
/// for the commands that take no other arguments.
struct EnvironmentArguments: ParsableArguments {
    @Argument(help: "Environments to work on (names of files under environments/; default: all of them).")
    var environments: [String] = []

    @OptionGroup var options: EnvironmentOptions

    func validate() throws {
        if options.all && !environments.isEmpty { throw ValidationError("name environments or pass --all, not both") }
        if options.selector != nil && !environments.isEmpty { throw ValidationError("name environments or pass --selector, not both") }
    }

    /// Whether names or a selector were given (not all environments).
    var isSelection: Bool { !environments.isEmpty || !options.named.isEmpty || options.selector != nil }

    func names(in project: Project) throws -> [String] {
        try options.names(in: project, also: environments)
    }
}
