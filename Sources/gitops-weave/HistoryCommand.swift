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

    @Option(help: ArgumentHelp("The rendered branch (directory layout): a name, or a full reference such as refs/remotes/origin/rendered.", valueName: "NAME"))
    var branch = "rendered"

    @Option(help: "directory: one folder per environment on --branch; branch: one branch env/<name> per environment.")
    var layout: RenderedLayout = .directory

    @Option(help: ArgumentHelp("List at most this many commits.", valueName: "N"))
    var limit: Int?

    @Option(help: "How to report: text, or json for machines.")
    var format: ReportFormat = .text

    func run() throws {
        try Diagnostics.exitOnError(history)
    }

    func history() throws {
        // Usage errors exit 1 like every other error (ArgumentParser's own would exit 64).
        let selector = try resource.map { try ResourceSelector(parsing: $0) }
        var path: FieldPath?
        if let field {
            guard selector != nil else {
                throw Diagnostic.error(at: nil, "--field needs --resource: a field belongs to one resource",
                                       hint: "add --resource Kind/name, e.g. --resource ClickHouseInstallation/wandb")
            }
            path = try FieldPath(parsing: field)
        }
        if let limit, limit < 1 {
            throw Diagnostic.error(at: nil, "--limit must be at least 1, not \(limit)")
        }

        let location = repo ?? "."
        if PublishCommand.isURL(location) {
            throw Diagnostic.error(at: nil, "history reads a local repository, not \(location)",
                                   hint: "clone or fetch it, then pass --repo PATH (and --branch refs/remotes/origin/rendered for a fetched branch)")
        }
        guard let repository = try Repository.discover(containing: location) else {
            throw Diagnostic.error(at: nil, "\(location) is not in a git repository", hint: "pass --repo PATH")
        }
        let rendered = RenderedBranch(repository: repository, layout: layout, branch: branch)
        let reference = rendered.reference(for: environment)
        if try rendered.tip(for: environment) == nil {
            throw Diagnostic.error(at: nil, layout == .directory
                                   ? "branch \(branch) does not exist in \(repository.workTree ?? repository.gitDirectory)"
                                   : "environment \(environment) was never rendered: there is no branch env/\(environment)",
                                   hint: layout == .directory ? "publish first, or name the branch with --branch" : "is the name right? Or publish it first")
        }
        let query = EnvironmentHistory.Query(environment: environment, resource: selector, field: path, limit: limit)
        let result = try EnvironmentHistory(branch: rendered).run(query)
        guard result.environmentSeen else {
            var hint = "publish it first, or check the name"
            if let known = try rendered.environmentTrees()?.keys.sorted(), !known.isEmpty {
                hint = "environments on \(branch): " + known.joined(separator: ", ")
            }
            throw Diagnostic.error(at: nil, "environment \(environment) was never rendered on \(branchLabel)", hint: hint)
        }
        if let selector, result.entries.isEmpty, result.complete, !result.resourceSeen {
            throw Diagnostic.error(at: nil, "\(environment) never had a resource \(selector) on \(branchLabel)",
                                   hint: "resources are named Kind/name as `gitops-weave history \(environment)` lists them, e.g. ClickHouseInstallation/wandb")
        }
        if let path, let selector, result.complete, !result.fieldSeen, format == .text {
            Diagnostics.print(Diagnostic(.warning, at: nil, "\(path) matched nothing in any version of \(selector)",
                                         hint: "check the path; list elements are picked with [key=value], e.g. clusters[name=weavecluster]"))
        }

        switch format {
        case .text: printText(result, selector: selector, path: path)
        case .json: printJSON(result, reference: reference, selector: selector, path: path)
        }
    }

    var branchLabel: String {
        layout == .directory ? "branch \(branch)" : "branch env/\(environment)"
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

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
            let source = e.sourceCommit.map { "source \(String($0.prefix(7)))" } ?? "source unknown"
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

    func printJSON(_ result: EnvironmentHistory.Result, reference: String, selector: ResourceSelector?, path: FieldPath?) {
        func signature(_ s: Signature) -> [String: Any] { ["name": s.name, "email": s.email] }
        func resource(_ id: ResourceID?, file: String) -> [String: Any] {
            var o: [String: Any] = ["file": file]
            if let id {
                o["kind"] = id.kind
                o["name"] = id.name
                o["apiVersion"] = id.apiVersion
                o["namespace"] = id.namespace ?? NSNull()
            } else if let parsed = RenderedFileName(file) {
                o["kind"] = parsed.kind
                o["name"] = parsed.name
                o["namespace"] = parsed.namespace ?? NSNull()
            }
            return o
        }
        let object: [String: Any] = [
            "environment": environment,
            "layout": layout.rawValue,
            "reference": reference,
            "resource": selector?.text ?? NSNull(),
            "field": path?.description ?? NSNull(),
            "complete": result.complete,
            "commits": result.entries.map { e -> [String: Any] in
                var o: [String: Any] = [
                    "commit": e.commit.hex,
                    "date": Self.date(e.time),
                    "author": signature(e.author),
                    "sourceCommit": e.sourceCommit ?? NSNull(),
                    "sourceAuthor": signature(e.sourceAuthor),
                    "environmentChange": e.environmentChange.rawValue,
                    "resources": e.resources.map { r -> [String: Any] in
                        var o = resource(r.id, file: r.file)
                        o["change"] = r.kind.rawValue
                        return o
                    },
                ]
                if path != nil {
                    o["fields"] = e.fields.map { f -> [String: Any] in
                        var o = resource(f.id, file: f.file)
                        o["path"] = f.path
                        o["before"] = f.before ?? NSNull()
                        o["after"] = f.after ?? NSNull()
                        return o
                    }
                }
                return o
            },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
