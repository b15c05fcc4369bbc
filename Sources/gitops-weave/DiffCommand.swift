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

            Exit status: 0, or 1 with --exit-code when any environment changes; 2 on errors.
            """)

    @Argument(help: "The revision to compare from (default: the merge base with the default branch).")
    var base: String?

    @Argument(help: "The revision to compare to (default: the working tree).")
    var head: String?

    @Option(help: ArgumentHelp("The source's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    @Option(help: "text (a unified diff, coloured on a terminal unless NO_COLOR is set), markdown, or json.")
    var format: DiffFormat = .text

    @Flag(help: "Exit with status 1 when any environment changes.")
    var exitCode = false

    @Flag(help: "With --format markdown, write every part to numbered files instead of cutting.")
    var split = false

    @Option(help: "The size budget of one Markdown part, in characters.")
    var maxChars = 65_000

    @Option(help: ArgumentHelp("Where --split writes its parts.", valueName: "DIR"))
    var out = "."

    @OptionGroup var validation: ValidationOptions

    func validate() throws {
        if maxChars < 2_000 { throw ValidationError("--max-chars must be at least 2000") }
        if split && format != .markdown { throw ValidationError("--split goes with --format markdown") }
    }

    func run() throws {
        let diff: RenderDiff
        do {
            diff = try RevisionComparison(source: source, base: base, head: head, stacks: .bundled) { project, environments in
                try validation.checkHead(project, environments, head: head)
            }.diff()
        } catch let failure as RenderFailure {
            failure.diagnostics.forEach(Diagnostics.print)
            Diagnostics.print(.error(at: nil, "cannot compare: an environment does not render"))
            throw ExitCode(2)
        } catch let d as Diagnostic {
            Diagnostics.print(d)
            throw ExitCode(2)
        } catch let e as ExitCode {
            throw e
        } catch {
            Diagnostics.print(.error(at: nil, "\(error)"))
            throw ExitCode(2)
        }
        switch format {
        case .text:
            let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            FileHandle.standardOutput.write(Data(diff.text(color: color).utf8))
        case .markdown:
            let parts = diff.markdown(maxChars: maxChars, split: split)
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
            let data = try JSONSerialization.data(withJSONObject: diff.json(), options: [.prettyPrinted, .sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        if exitCode && !diff.isEmpty { throw ExitCode(1) }
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
            is the merge base with the default branch, HEAD the working tree. Exit status: 0, \
            or 2 on errors.
            """)

    @Argument(help: "The revision to compare from (default: the merge base with the default branch).")
    var base: String?

    @Argument(help: "The revision to compare to (default: the working tree).")
    var head: String?

    @Option(help: ArgumentHelp("The source's root, holding gitops-weave.yaml.", valueName: "DIR"))
    var source = "."

    func run() throws {
        do {
            for env in try RevisionComparison(source: source, base: base, head: head, stacks: .bundled).diff().environments {
                print(env.name)
            }
        } catch let failure as RenderFailure {
            failure.diagnostics.forEach(Diagnostics.print)
            throw ExitCode(2)
        } catch let d as Diagnostic {
            Diagnostics.print(d)
            throw ExitCode(2)
        } catch {
            Diagnostics.print(.error(at: nil, "\(error)"))
            throw ExitCode(2)
        }
    }
}

