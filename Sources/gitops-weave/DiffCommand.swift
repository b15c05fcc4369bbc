import ArgumentParser
import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a change does to each environment's rendered manifests.",
        discussion: """
            Renders the source at BASE and at HEAD, straight from git objects (no checkout, no \
            temporary clone), and compares every environment resource by resource. The \
            comparison is semantic: key order and formatting never show as a change. Secret \
            values are redacted in every format.

            BASE defaults to the merge base of HEAD with the default branch (origin/HEAD, else \
            main or master); HEAD defaults to the working tree.

            --format markdown writes a pull-request comment: a summary table, then one \
            <details> section per environment, within --max-chars (65,000 by default, under \
            GitHub's comment limit), cut at resource boundaries with a note; --split writes \
            every part to numbered files instead.

            --env NAME (repeatable) compares only the environments named, --selector those \
            whose labels match.

            Only the environments whose inputs differ between the revisions are rendered (their \
            file, the project file, the base, their layers, the CRDs): the others cannot change. \
            HEAD's rendered environments are validated. --full renders and validates every \
            environment at both revisions.

            Exit status, like git diff --exit-code: 0 when no environment changes, 1 when one \
            does or on an error, 2 for a usage error.
            """)

    @OptionGroup var revisions: RevisionRange

    @OptionGroup var selection: EnvironmentOptions

    @Option(help: "text (a unified diff, coloured on a terminal unless NO_COLOR is set), markdown, or json.")
    var format: DiffFormat = .text

    @Flag(help: "With --format markdown, write every part to numbered files instead of cutting.")
    var split = false

    @Option(help: "The size budget of one Markdown part, in characters.")
    var maxChars = 65_000

    @Option(help: ArgumentHelp("Where --split writes its parts.", valueName: "DIR"))
    var out = "."

    @Flag(help: "Render and validate every environment at both revisions, also those whose inputs did not change.")
    var full = false

    @OptionGroup var validation: ValidationOptions

    func validate() throws {
        if maxChars < 2_000 { throw ValidationError("--max-chars must be at least 2000") }
        if split && format != .markdown { throw ValidationError("--split goes with --format markdown") }
    }

    func run() throws {
        var diff: RenderDiff?
        try Diagnostics.run(format: format == .json ? .json : .text) {
            diff = try revisions.comparison(environments: selection.selection, selector: try selection.labelSelector(), full: full) { project, environments in
                try validation.checkHead(project, environments, head: revisions.head)
            }.diff()
        }
        guard let diff else { return }
        switch format {
        case .text:
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            FileHandle.standardOutput.write(Data(diff.text(color: color).utf8))
        case .markdown:
            let parts = diff.markdown(maxChars: maxChars, split: split, fullDiffCommand: fullDiffCommand)
            if split {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for (i, part) in parts.enumerated() {
                    let path = (out as NSString).appendingPathComponent("gitops-weave-diff-\(i + 1).md")
                    try part.write(toFile: path, atomically: true, encoding: .utf8)
                    print(path)
                }
            } else {
                FileHandle.standardOutput.write(Data(parts[0].utf8))
            }
        case .json:
            try JSONOutput.print(DiffReport(diff))
        }
        if !diff.isEmpty { throw ExitCode(1) }
    }

    /// This comparison again, writing every Markdown part: what the truncation note suggests.
    var fullDiffCommand: String {
        var words = ["gitops-weave", "diff"]
        if let base = revisions.base { words.append(base) }
        if let head = revisions.head { words.append(head) }
        if revisions.source != "." { words += ["--source", revisions.source] }
        for env in selection.named { words += ["--env", env] }
        words += ["--format", "markdown", "--split"]
        if maxChars != 65_000 { words += ["--max-chars", String(maxChars)] }
        return words.map(ShellWord.quoted).joined(separator: " ")
    }
}

/// A word for a POSIX shell, quoted only when it must be.
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@~^,+".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

enum DiffFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

struct AffectedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "affected",
        abstract: "List the environments whose rendered output differs between two revisions.",
        discussion: """
            Prints one environment name per line, for a CI matrix. Same defaults as diff: BASE \
            is the merge base with the default branch, HEAD the working tree; --env NAME \
            considers only the environments named. Exit status: 0, 1 on an error, 2 for a \
            usage error.
            """)

    @OptionGroup var revisions: RevisionRange

    @OptionGroup var selection: EnvironmentOptions

    func run() throws {
        try Diagnostics.run {
            for env in try revisions.comparison(environments: selection.selection, selector: try selection.labelSelector()).diff().environments {
                print(env.name)
            }
        }
    }
}
