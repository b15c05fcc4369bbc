import ArgumentParser
import GitSync
import LocalFiles
import Overlays

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
    func comparison(inspectHead: ((Project, [RenderedEnvironment]) throws -> Void)? = nil) -> RevisionComparison {
        RevisionComparison(source: source, base: base, head: head, stacks: .bundled, inspectHead: inspectHead)
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

    /// The rendered branch (or env/<name> branches) in `repository`.
    func renderedBranch(in repository: Repository) -> RenderedBranch {
        RenderedBranch(repository: repository, layout: layout, branch: branch)
    }
}
