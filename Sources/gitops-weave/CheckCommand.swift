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

    @OptionGroup var selection: EnvironmentArguments

    @OptionGroup var source: SourceOptions

    @Option(help: ArgumentHelp("The repository holding the rendered branch (default: the source repository).", valueName: "PATH"))
    var repo: String?

    @OptionGroup var rendered: RenderedBranchOptions

    @OptionGroup var output: ReportFormatOptions

    func run() throws {
        try Diagnostics.run(format: output.format, check)
    }

    func check() throws {
        let project = try source.loadProject()
        let allNames = try project.environmentNames()
        let names = try selection.names(in: project)
        let provenance = SourceRevision.read(source.directory)

        // Render exactly as publish does.
        let renderer = Renderer(project: project)
        var renders: [RenderedEnvironment] = []
        var diagnostics = DiagnosticList(namesEnvironments: names.count > 1)
        var failed: [String] = []
        for name in names {
            let outcome = renderer.render(named: name)
            diagnostics.append(contentsOf: outcome.diagnostics, environment: name)
            if outcome.failed { failed.append(name); continue }
            renders.append(RenderedEnvironment(outcome, stacks: project.stacks, provenance: provenance))
        }
        if !failed.isEmpty {
            diagnostics.append(.error(at: nil, "cannot check \(failed.joined(separator: ", ")): the source does not render",
                                      hint: "fix the errors above; publish would refuse this source too"))
            switch output.format {
            case .text:
                diagnostics.print()
            case .json:
                try JSONOutput.print(CheckFailureReport(renderFailed: failed, diagnostics: diagnostics.json, errors: diagnostics.errors))
            }
            throw ExitCode(1)
        }
        if output.format == .text { diagnostics.print() }

        let repository = try openRepository()
        let target = rendered.renderedBranch(in: repository, hydrator: project.hydrator)
        let report = try Freshness.check(renders, against: target, environmentsInSource: selection.isSelection ? nil : Set(allNames))
        switch output.format {
        case .text: printText(report, provenance: provenance, target: target)
        case .json:
            try JSONOutput.print(CheckReport(
                report, provenance: provenance,
                branch: rendered.layout == .directory ? RenderedBranch.qualified(target.branch) : "refs/heads/env/*\(target.environmentSuffix)",
                layout: rendered.layout,
                diagnostics: diagnostics.json))
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
        guard let opened = try Repository.discover(containing: source.directory) else {
            throw Diagnostic.error(at: nil, "\(source.directory) is not in a git repository, so there is no rendered branch to check",
                                   hint: "pass --repo PATH")
        }
        return opened
    }

    func printText(_ report: Freshness.Report, provenance: RenderedEnvironment.Provenance, target: RenderedBranch) {
        let branchLabel = rendered.layout == .directory ? "branch \(target.branch)" : "branches env/<name>\(target.environmentSuffix)"
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
}

/// `check --format json`: whether the branch is fresh; the branch (or `refs/heads/env/*`),
/// its layout and whether it exists; the environments checked; the source commit (null
/// for a source outside git) and whether it was dirty; the source last published (null
/// when none was recorded); each stale environment; every diagnostic of the render.
struct CheckReport: Encodable {
    /// A stale environment and why; the files that differ (`added`, `changed`, `removed`)
    /// only when the reason is `differs`.
    struct Stale: Encodable {
        var environment: String
        var reason: String
        var added: [String]?
        var changed: [String]?
        var removed: [String]?
    }

    var fresh: Bool
    var branch: String
    var layout: String
    var branchExists: Bool
    var checked: [String]
    var sourceCommit: String?
    var sourceDirty: Bool
    var lastPublishedSource: String?
    var stale: [Stale]
    var diagnostics: [DiagnosticJSON]

    init(_ report: Freshness.Report, provenance: RenderedEnvironment.Provenance, branch: String, layout: RenderedLayout, diagnostics: [DiagnosticJSON]) {
        fresh = report.isFresh
        self.branch = branch
        self.layout = layout.rawValue
        branchExists = report.branchExists
        checked = report.checked
        sourceCommit = provenance.sourceRevision
        sourceDirty = provenance.sourceDirty
        lastPublishedSource = report.lastProcessedSource
        stale = report.stale.map { s in
            let differs = s.reason == .differs
            return Stale(environment: s.environment, reason: s.reason.rawValue,
                         added: differs ? s.added : nil, changed: differs ? s.changed : nil, removed: differs ? s.removed : nil)
        }
        self.diagnostics = diagnostics
    }

    enum CodingKeys: String, CodingKey {
        case fresh, branch, layout, branchExists, checked, sourceCommit, sourceDirty, lastPublishedSource, stale, diagnostics
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fresh, forKey: .fresh)
        try c.encode(branch, forKey: .branch)
        try c.encode(layout, forKey: .layout)
        try c.encode(branchExists, forKey: .branchExists)
        try c.encode(checked, forKey: .checked)
        try c.encodeOrNull(sourceCommit, forKey: .sourceCommit)
        try c.encode(sourceDirty, forKey: .sourceDirty)
        try c.encodeOrNull(lastPublishedSource, forKey: .lastPublishedSource)
        try c.encode(stale, forKey: .stale)
        try c.encode(diagnostics, forKey: .diagnostics)
    }
}

/// `check --format json` when the source does not render: `fresh` false, the environments
/// that failed, their diagnostics with the summary last, and the number of errors.
struct CheckFailureReport: Encodable {
    var fresh = false
    var renderFailed: [String]
    var diagnostics: [DiagnosticJSON]
    var errors: Int
}
