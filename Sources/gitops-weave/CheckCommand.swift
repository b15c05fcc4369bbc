import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that the rendered branch matches a fresh render of the source.",
        discussion: """
            Renders the source's working tree exactly as publish does and compares every file \
            of each environment with what the rendered branch holds, by git blob id (only \
            render-info.txt, which names the source revision, is not compared). Exit status: 0 \
            when every environment is up to date; 1 when one is stale, with each stale \
            environment and why: files publish would add (+), change (~) or remove (-); never \
            rendered (not on the branch, or no branch at all); or removed from the source but \
            still on the branch (checked when no environment is named). Render errors are \
            printed and also exit 1.

            Use it as a CI gate: after a merge to main, `gitops-weave check` fails until \
            `gitops-weave publish` has run for that source.
            """)

    @Argument(help: "Environments to check (default: all of them).")
    var environments: [String] = []

    @Option(help: ArgumentHelp("The source repository's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    @Option(help: ArgumentHelp("The repository holding the rendered branch (default: the source repository).", valueName: "PATH"))
    var repo: String?

    @Option(help: ArgumentHelp("The rendered branch (directory layout): a name, or a full reference such as refs/remotes/origin/rendered.", valueName: "NAME"))
    var branch = "rendered"

    @Option(help: "directory: one folder per environment on --branch; branch: one branch env/<name> per environment.")
    var layout: RenderedLayout = .directory

    @Option(help: "How to report: text, or json for machines.")
    var format: ReportFormat = .text

    func run() throws {
        try Diagnostics.exitOnError(check)
    }

    func check() throws {
        let project = try Project.load(from: FileSystemSource(root: source), stacks: .bundled)
        let allNames = try project.environmentNames()
        let names = environments.isEmpty ? allNames : environments
        let provenance = SourceRevision.read(source)

        // Render exactly as publish does.
        let renderer = Renderer(project: project)
        var rendered: [RenderedEnvironment] = []
        var diagnostics: [(String, Diagnostic)] = []
        var failed: [String] = []
        for name in names {
            let outcome = renderer.render(named: name)
            diagnostics += outcome.diagnostics.map { (name, $0) }
            if outcome.failed { failed.append(name); continue }
            rendered.append(RenderedEnvironment(outcome, target: project.target, stacks: project.stacks, provenance: provenance))
        }
        if !failed.isEmpty {
            let summary = Diagnostic.error(at: nil, "cannot check \(failed.joined(separator: ", ")): the source does not render",
                                           hint: "fix the errors above; publish would refuse this source too")
            switch format {
            case .text:
                for (_, d) in diagnostics { Diagnostics.print(d) }
                Diagnostics.print(summary)
            case .json:
                printJSON([
                    "fresh": false,
                    "renderFailed": failed,
                    "diagnostics": diagnostics.map { Diagnostics.json($1, environment: $0) } + [Diagnostics.json(summary, environment: nil)],
                ])
            }
            throw ExitCode(1)
        }
        if format == .text {
            for (_, d) in diagnostics { Diagnostics.print(d) }
        }

        let repository = try openRepository()
        let target = RenderedBranch(repository: repository, layout: layout, branch: branch)
        let report = try Freshness.check(rendered, against: target, environmentsInSource: environments.isEmpty ? Set(allNames) : nil)
        switch format {
        case .text: printText(report, provenance: provenance)
        case .json:
            printJSON([
                "fresh": report.isFresh,
                "branch": layout == .directory ? RenderedBranch.qualified(branch) : "refs/heads/env/*",
                "layout": layout.rawValue,
                "branchExists": report.branchExists,
                "checked": report.checked,
                "sourceCommit": provenance.sourceRevision ?? NSNull(),
                "sourceDirty": provenance.sourceDirty,
                "lastPublishedSource": report.lastProcessedSource ?? NSNull(),
                "stale": report.stale.map { s -> [String: Any] in
                    var o: [String: Any] = ["environment": s.environment, "reason": s.reason.rawValue]
                    if s.reason == .differs {
                        o["added"] = s.added
                        o["changed"] = s.changed
                        o["removed"] = s.removed
                    }
                    return o
                },
                "diagnostics": diagnostics.map { Diagnostics.json($1, environment: $0) },
            ])
        }
        if !report.isFresh { throw ExitCode(1) }
    }

    func openRepository() throws -> Repository {
        if let repo {
            if PublishCommand.isURL(repo) {
                throw Diagnostic.error(at: nil, "check reads a local repository, not \(repo)",
                                       hint: "clone or fetch it, then pass --repo PATH (and --branch refs/remotes/origin/rendered for a fetched branch)")
            }
            guard let opened = try Repository.discover(containing: repo) else {
                throw Diagnostic.error(at: nil, "\(repo) is not a git repository")
            }
            return opened
        }
        guard let opened = try Repository.discover(containing: source) else {
            throw Diagnostic.error(at: nil, "\(source) is not in a git repository, so there is no rendered branch to check",
                                   hint: "pass --repo PATH")
        }
        return opened
    }

    var branchLabel: String {
        layout == .directory ? "branch \(branch)" : "branches env/<name>"
    }

    func printText(_ report: Freshness.Report, provenance: RenderedEnvironment.Provenance) {
        var source = provenance.sourceRevision.map { String($0.prefix(7)) } ?? "the working tree"
        if provenance.sourceDirty { source += " with uncommitted changes" }
        if report.isFresh {
            print("fresh: \(report.checked.count) environment\(report.checked.count == 1 ? "" : "s") on \(branchLabel) match a render of \(source)")
            return
        }
        let count = report.stale.count
        print("stale: \(count) environment\(count == 1 ? "" : "s") on \(branchLabel) differ\(count == 1 ? "s" : "") from a render of \(source)")
        if !report.branchExists {
            print("  \(branchLabel) does not exist: never rendered")
        }
        for s in report.stale {
            switch s.reason {
            case .neverRendered:
                print("  \(s.environment): never rendered (not on \(branchLabel))")
            case .removedFromSource:
                print("  \(s.environment): removed from the source, still on \(branchLabel)")
            case .differs:
                var counts: [String] = []
                if !s.added.isEmpty { counts.append("\(s.added.count) to add") }
                if !s.changed.isEmpty { counts.append("\(s.changed.count) changed") }
                if !s.removed.isEmpty { counts.append("\(s.removed.count) to remove") }
                print("  \(s.environment): files differ (\(counts.joined(separator: ", ")))")
                for f in s.added { print("    + \(f)") }
                for f in s.changed { print("    ~ \(f)") }
                for f in s.removed { print("    - \(f)") }
            }
        }
        if let last = report.lastProcessedSource {
            print("the branch was last published from source \(String(last.prefix(7))); run `gitops-weave publish` to bring it up to date")
        } else {
            print("run `gitops-weave publish` to bring it up to date")
        }
    }

    func printJSON(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
