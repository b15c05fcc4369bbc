import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import LocalFiles

/// `--commit`, `--branch NAME`, `--format`: how set, unset and promote deliver a change.
struct ChangeDelivery: ParsableArguments {
    @Flag(help: "Commit the change on the current branch (the edited files must have no uncommitted changes).")
    var commit = false

    @Option(help: ArgumentHelp("Commit the change on a new branch made from HEAD, without touching the work tree or the index.", valueName: "NAME"))
    var branch: String?

    @Option(help: "How to report: text, or json (the branch, the commit and a Markdown summary for a pull request).")
    var format: ReportFormat = .text

    func validate() throws {
        if commit && branch != nil { throw ValidationError("pass --commit or --branch, not both") }
    }
}

/// `set ENV... NAME=VALUE...`: writes parameter values into environment files, or the
/// project's defaults.
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Write parameter values into environment files (or the project's defaults), changing only the values' characters.",
        discussion: """
            Arguments with `=` are assignments, NAME=VALUE; the others name environments (or \
            select them with --env or --selector). With --default, the project file's default \
            is set instead. VALUE is read by the parameter's declared type: a string as it is \
            (0.75.0 stays a string), an int, true or false, a list as [a, b] or a,b.

            Only the value's characters change: comments, key order, quoting, indentation, \
            blank lines and line endings stay as they were, and a new key goes after the \
            mapping's last entry, at its indentation. The edited source is rendered and \
            validated first; if any affected environment fails to render or breaks a stack \
            rule, nothing is written. Files are replaced atomically.

            Exit status: 0 when the change was made (or there was nothing to change), 1 on an \
            error (nothing written), 2 for a usage error.
            """)

    @Argument(help: ArgumentHelp("Environments, and NAME=VALUE assignments.", valueName: "ENV|NAME=VALUE"))
    var arguments: [String] = []

    @OptionGroup var selection: EnvironmentOptions

    @Flag(name: .customLong("default"), help: "Set the project file's default instead of environments' values.")
    var setDefault = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var delivery: ChangeDelivery

    @OptionGroup var validation: ValidationOptions

    var assignments: [String] { arguments.filter { $0.contains("=") } }
    var environments: [String] { arguments.filter { !$0.contains("=") } }

    func validate() throws {
        if assignments.isEmpty { throw ValidationError("give at least one NAME=VALUE") }
        if setDefault && (!environments.isEmpty || !selection.named.isEmpty || selection.selector != nil) {
            throw ValidationError("--default sets the project's default: name no environments with it")
        }
        if selection.selector != nil && !environments.isEmpty { throw ValidationError("name environments or pass --selector, not both") }
        // Every environment file is never the silent default of a write.
        if !setDefault && environments.isEmpty && selection.named.isEmpty && selection.selector == nil && !selection.all {
            throw ValidationError("say where: name environments, pass --selector or --all, or --default for the project's default")
        }
    }

    func run() throws {
        try Diagnostics.run(format: delivery.format) {
            let runner = try ChangeRunner(command: "set", source: source, delivery: delivery, validation: validation)
            let project = runner.project
            var list: [ParameterChange.Assignment] = []
            for text in assignments {
                let eq = text.firstIndex(of: "=")!
                let name = String(text[..<eq])
                let p = try ParameterChange.declaration(name, in: project)
                list.append(.init(name: name, value: try p.value(parsing: String(text[text.index(after: eq)...]))))
            }
            let target: ParameterChange.Target = setDefault ? .defaults : .environments(try selection.names(in: project, also: environments))
            let change = try ParameterChange.plan(project, target: target, assignments: ["": list])
            let subject = setDefault
                ? "Set the default of " + list.map { "\($0.name) to \(ParameterChange.shown($0.value, of: $0.name))" }.joined(separator: ", ")
                : "Set " + list.map { "\($0.name)=\(ParameterChange.shown($0.value, of: $0.name))" }.joined(separator: ", ")
            try runner.deliver(change, subject: subject)
        }
    }
}

/// `unset ENV... NAME...`: removes parameter values from environment files (or defaults).
struct UnsetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unset",
        abstract: "Remove parameter values from environment files (or the project's defaults).",
        discussion: """
            Arguments that name an environment select it; the others are parameters. An \
            environment without its own value then gets the project's default. With \
            --default the default is removed, which makes the parameter required. As with \
            set, the change is rendered first, and only the value's lines change.
            """)

    @Argument(help: ArgumentHelp("Environments, and the parameters to remove.", valueName: "ENV|NAME"))
    var arguments: [String] = []

    @OptionGroup var selection: EnvironmentOptions

    @Flag(name: .customLong("default"), help: "Remove the project file's default instead.")
    var unsetDefault = false

    @OptionGroup var source: SourceOptions

    @OptionGroup var delivery: ChangeDelivery

    @OptionGroup var validation: ValidationOptions

    func run() throws {
        try Diagnostics.run(format: delivery.format) {
            let runner = try ChangeRunner(command: "unset", source: source, delivery: delivery, validation: validation)
            let project = runner.project
            let known = Set(try project.environmentNames())
            var environments: [String] = []
            var names: [String] = []
            for a in arguments {
                let isEnvironment = known.contains(a), isParameter = project.parameters[a] != nil
                if isEnvironment && isParameter {
                    throw Diagnostic.error(at: nil, "\(a) is both an environment and a parameter", hint: "name the environment with --env \(a)")
                }
                if isEnvironment { environments.append(a) } else { _ = try ParameterChange.declaration(a, in: project); names.append(a) }
            }
            if names.isEmpty { throw ValidationError("name at least one parameter to remove") }
            if !unsetDefault && environments.isEmpty && selection.named.isEmpty && selection.selector == nil && !selection.all {
                throw ValidationError("say where: name environments, pass --selector or --all, or --default for the project's default")
            }
            if unsetDefault && !environments.isEmpty { throw ValidationError("--default removes the project's default: name no environments with it") }
            let target: ParameterChange.Target = unsetDefault ? .defaults : .environments(try selection.names(in: project, also: environments))
            let change = try ParameterChange.plan(project, target: target, assignments: ["": names.map { .init(name: $0, value: nil) }])
            try runner.deliver(change, subject: (unsetDefault ? "Unset the default of " : "Unset ") + names.joined(separator: ", "))
        }
    }
}

/// `promote NAME... --from ENV --to ENV...`: copies values from one environment to others.
struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Copy parameter values from one environment to others, such as staging's weaveTraceTag to every prod environment.",
        discussion: """
            Each NAME gets, in every --to environment (or each one --selector matches), the \
            value --from sees: its own, or the project's default. Environments that have it \
            already are left alone. The change is rendered first, as with set, and printed.
            """)

    @Argument(help: "The parameters to copy.")
    var names: [String] = []

    @Option(help: ArgumentHelp("The environment to copy from.", valueName: "ENV"))
    var from: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("The environments to copy to.", valueName: "ENV"))
    var to: [String] = []

    @Option(name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Copy to the environments whose labels match.", valueName: "SELECTOR"))
    var selector: String?

    @OptionGroup var source: SourceOptions

    @OptionGroup var delivery: ChangeDelivery

    @OptionGroup var validation: ValidationOptions

    func validate() throws {
        if names.isEmpty { throw ValidationError("name at least one parameter to promote") }
        if to.isEmpty == (selector == nil) { throw ValidationError("pass --to ENV... or --selector SELECTOR") }
    }

    func run() throws {
        try Diagnostics.run(format: delivery.format) {
            let runner = try ChangeRunner(command: "promote", source: source, delivery: delivery, validation: validation)
            let project = runner.project
            let targets = try EnvironmentOptions.resolve(to, selector: try selector.map { try LabelSelector(parsing: $0) }, in: project)
                .filter { $0 != from }
            let origin = try project.environment(named: try EnvironmentOptions.resolve([from], selector: nil, in: project)[0])
            var list: [ParameterChange.Assignment] = []
            for name in names {
                _ = try ParameterChange.declaration(name, in: project)
                guard let node = ParameterChange.effectiveValue(name, of: origin, in: project), let value = ParameterChange.value(of: node) else {
                    throw Diagnostic.error(at: nil, "\(from) has no value of \(name) to promote", hint: "set it there first, or give \(name) a default")
                }
                list.append(.init(name: name, value: value))
            }
            let change = try ParameterChange.plan(project, target: .environments(targets), assignments: ["": list], skippingEffective: true)
            try runner.deliver(change, subject: "Promote \(names.joined(separator: ", ")) from \(from)", preposition: "to")
        }
    }
}

/// Plans are rendered, then written, committed and reported the same way by every command.
struct ChangeRunner {
    let command: String
    let delivery: ChangeDelivery
    let validation: ValidationOptions
    let directory: String
    let project: Project
    /// The repository and the source's folder in it, for --commit and --branch.
    let repository: Repository?
    let subdirectory: String

    init(command: String, source: SourceOptions, delivery: ChangeDelivery, validation: ValidationOptions) throws {
        self.command = command
        self.delivery = delivery
        self.validation = validation
        directory = source.directory
        let committing = delivery.commit || delivery.branch != nil
        repository = committing ? try Repository.discover(containing: source.directory) : nil
        if committing && repository?.workTree == nil {
            throw Diagnostic.error(at: nil, "\(source.directory) is not in a git work tree, so there is nothing to commit on",
                                   hint: "drop --commit and --branch to edit the files only")
        }
        subdirectory = repository?.workTree.map { RevisionComparison.relative(source.directory, to: $0) } ?? ""
        if let repository, delivery.branch != nil {
            // A new branch starts from HEAD, not from the work tree.
            guard let head = try repository.headCommitID() else {
                throw Diagnostic.error(at: nil, "the repository has no commits yet: there is nothing to branch from")
            }
            project = try Project.load(from: try GitTreeSource(repository: repository, revision: head, subdirectory: subdirectory), stacks: .bundled)
        } else {
            project = try source.loadProject()
        }
    }

    func repositoryPath(_ path: String) -> String { subdirectory.isEmpty ? path : subdirectory + "/" + path }

    /// The environments whose render the change can alter.
    func affected(_ change: ParameterChange) throws -> [String] {
        switch change.target {
        case .defaults:
            let names = Set(change.changes.map(\.parameter))
            return try project.environmentNames().filter { name in
                let env = try project.environment(named: name)
                return names.contains { env.parameterValues[$0] == nil }
            }
        case .environments:
            var seen = Set<String>()
            return change.changes.compactMap(\.environment).filter { seen.insert($0).inserted }
        }
    }

    /// `preposition` joins the subject to the environments: "Set x=1 in a, b", "Promote x from a to b".
    func deliver(_ change: ParameterChange, subject: String, preposition: String = "in") throws {
        let affected = try affected(change)
        guard !change.files.isEmpty else {
            report(change, affected: affected, made: nil, subject: subject)
            return
        }
        // Render and validate the edited source; nothing is written unless all of it passes.
        let edited = try Project.load(from: change.editedSource(project.source), stacks: .bundled)
        let pipeline = RenderPipeline(renderer: Renderer(project: edited), provenance: .init(sourceRevision: nil, sourceDirty: false),
                                      validator: try validation.validator(for: edited))
        var diagnostics = DiagnosticList(namesEnvironments: affected.count > 1)
        var failed = false
        for result in pipeline.run(affected) {
            diagnostics.append(contentsOf: result.diagnostics, environment: result.name)
            failed = failed || result.failed
        }
        if failed {
            diagnostics.append(.error(at: nil, "nothing was written: the change breaks \(affected.count == 1 ? "the environment" : "environments") above"))
            throw CommandFailure(diagnostics)
        }
        if delivery.format == .text { diagnostics.print() }

        var made: SourceCommit.Made?
        let message = commitMessage(change, subject: subject, preposition: preposition, affected: affected)
        let committed = Dictionary(uniqueKeysWithValues: change.files.map { (repositoryPath($0.path), Data($0.after.utf8)) })
        if let branch = delivery.branch, let repository {
            made = try SourceCommit.commit(committed, in: repository, message: message, author: author(repository), to: .newBranch(branch))
        } else {
            if delivery.commit, let repository, let head = try repository.headCommitID() {
                let atHead = try GitTreeSource(repository: repository, revision: head, subdirectory: subdirectory)
                for file in change.files where try atHead.readFile(file.path) != file.before {
                    throw Diagnostic.error(at: nil, "\(project.source.displayPath(file.path)) has uncommitted changes, which --commit would take along",
                                           hint: "commit or stash them first, or pass --branch NAME to build the change on HEAD")
                }
            }
            for file in change.files {
                try OutputFile.write(file.after, to: URL(fileURLWithPath: directory).appendingPathComponent(file.path).path)
            }
            if delivery.commit, let repository {
                made = try SourceCommit.commit(committed, in: repository, message: message, author: author(repository), to: .currentBranch)
            }
        }
        report(change, affected: affected, made: made, subject: subject)
    }

    func author(_ repository: Repository) -> Signature {
        repository.defaultSignature() ?? Signature(name: "gitops-weave", email: "gitops-weave@localhost")
    }

    // MARK: Messages

    func commitMessage(_ change: ParameterChange, subject: String, preposition: String, affected: [String]) -> String {
        var text = subject
        let envs = change.changes.compactMap(\.environment)
        if case .environments = change.target {
            let unique = Array(NSOrderedSet(array: envs)) as! [String]
            text += " \(preposition) " + (unique.count <= 3 ? unique.joined(separator: ", ") : "\(unique.count) environments")
        }
        text += "\n\n"
        for c in change.changes {
            text += "\(c.environment ?? "default"): \(c.parameter) \(c.oldDisplay) → \(c.newDisplay)\n"
        }
        if case .defaults = change.target {
            text += "\nEnvironments that use the default: " + (affected.isEmpty ? "none" : affected.joined(separator: ", ")) + "\n"
        }
        text += "\nChanged-By: gitops-weave \(command)\n"
        return text
    }

    /// The pull request body: each distinct change once, with the environments it applies to.
    static func markdown(_ change: ParameterChange, subject: String, affected: [String], command: String) -> String {
        var groups: [(parameter: String, old: String?, oldIsDefault: Bool, new: String?, environments: [String])] = []
        for c in change.changes {
            if let i = groups.firstIndex(where: { $0.parameter == c.parameter && $0.old == c.old && $0.oldIsDefault == c.oldIsDefault && $0.new == c.new }) {
                groups[i].environments.append(c.environment ?? "(default)")
            } else {
                groups.append((c.parameter, c.old, c.oldIsDefault, c.new, [c.environment ?? "(default)"]))
            }
        }
        func code(_ s: String?, _ isDefault: Bool = false) -> String {
            s.map { "`\($0.replacingOccurrences(of: "`", with: "'"))`" + (isDefault ? " (default)" : "") } ?? "(unset)"
        }
        var text = "**gitops-weave \(command)**: \(subject)\n\n| parameter | change | environments |\n|---|---|---|\n"
        for g in groups {
            let shown = g.environments.prefix(10).joined(separator: ", ") + (g.environments.count > 10 ? ", … and \(g.environments.count - 10) more" : "")
            text += "| `\(g.parameter)` | \(code(g.old, g.oldIsDefault)) → \(code(g.new)) | \(g.environments.count == 1 ? shown : "\(g.environments.count): \(shown)") |\n"
        }
        if case .defaults = change.target {
            text += "\nThe default applies to \(affected.count) environment\(affected.count == 1 ? "" : "s")"
                + (affected.isEmpty ? "" : ": " + affected.prefix(10).joined(separator: ", ") + (affected.count > 10 ? ", …" : "")) + ".\n"
        }
        return text
    }

    func report(_ change: ParameterChange, affected: [String], made: SourceCommit.Made?, subject: String) {
        switch delivery.format {
        case .text:
            if change.changes.isEmpty { print("nothing to change: every value is as given already") }
            for c in change.changes {
                // The path from the source's root: with --branch the source is HEAD's tree,
                // whose display names the commit.
                print("\(delivery.branch == nil ? project.source.displayPath(c.file) : c.file): \(c.parameter) \(c.oldDisplay) → \(c.newDisplay)")
            }
            if let made {
                print("committed \(made.commit.short) on \(made.reference.replacingOccurrences(of: "refs/heads/", with: ""))")
            }
        case .json:
            try? JSONOutput.print(ChangeReport(
                command: command,
                changes: change.changes.map { .init(file: $0.file, environment: $0.environment, parameter: $0.parameter, old: $0.old, new: $0.new) },
                environments: affected,
                branch: made.map { $0.reference.replacingOccurrences(of: "refs/heads/", with: "") },
                commit: made?.commit.hex,
                summary: Self.markdown(change, subject: subject, affected: affected, command: command)))
        }
    }
}

/// `set|unset|promote --format json`.
struct ChangeReport: Encodable {
    struct Change: Encodable {
        var file: String
        var environment: String?
        var parameter: String
        var old: String?
        var new: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encodeOrNull(environment, forKey: .environment)
            try c.encode(parameter, forKey: .parameter)
            try c.encodeOrNull(old, forKey: .old)
            try c.encodeOrNull(new, forKey: .new)
        }

        enum CodingKeys: String, CodingKey { case file, environment, parameter, old, new }
    }

    var command: String
    var changes: [Change]
    /// The environments whose render the change alters.
    var environments: [String]
    var branch: String?
    var commit: String?
    var summary: String

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(command, forKey: .command)
        try c.encode(changes, forKey: .changes)
        try c.encode(environments, forKey: .environments)
        try c.encodeOrNull(branch, forKey: .branch)
        try c.encodeOrNull(commit, forKey: .commit)
        try c.encode(summary, forKey: .summary)
    }

    enum CodingKeys: String, CodingKey { case command, changes, environments, branch, commit, summary }
}
