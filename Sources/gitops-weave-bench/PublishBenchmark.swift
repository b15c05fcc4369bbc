import ArgumentParser
import Foundation
import GitSync
import Overlays

/// `gitops-weave-bench publish`: committing N rendered environments with libgit2, against
/// writing the same files to a work tree and running `git add -A && git commit`.
struct PublishBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Time publish of N environments against render, and against git add -A && git commit.",
        discussion: """
            Generates N environments over the project's real base and layers (tier × storage \
            × platform, parameters varied), renders them all, then times, each in a new \
            repository:

              render         Renderer + RenderedEnvironment for every environment
              publish        the first commit of all N environments (render excluded)
              no-op          publishing the same environments again: no commit
              one changed    one environment re-rendered with another parameter value
              git CLI        the same files written to a work tree (not timed), then
                             `git add -A && git commit` (timed)

            Targets: publish of 1,000 environments within 1 s of render; git CLI / publish \
            of at least 5. The git CLI is the benchmark's oracle; the product never runs it.
            """)

    @Option(help: "Number of environments to generate.")
    var envs: Int = 1000

    @Option(help: "Timed repetitions; the median is reported.")
    var repetitions: Int = 3

    @Option(help: "Seed of the environment generator.")
    var seed: UInt64 = 7

    @Option(help: ArgumentHelp("The project root whose gitops-weave.yaml, base/ and layers/ are used.", valueName: "DIR"))
    var project = "."

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() throws {
        let source = try StackSource(projectRoot: project, count: envs, seed: seed)
        defer { source.remove() }
        let loaded = try Project.load(from: FileSystemSource(root: source.root.path))
        let provenance = RenderedEnvironment.Provenance(sourceRevision: String(repeating: "a", count: 40), sourceDirty: false)

        func renderAll() throws -> [RenderedEnvironment] {
            let renderer = Renderer(project: loaded)
            return try source.names.map { name in
                let outcome = renderer.render(named: name)
                if outcome.failed { throw ValidationError("\(name): \(outcome.diagnostics.map(\.description).joined(separator: "\n"))") }
                return RenderedEnvironment(outcome, target: loaded.target, provenance: provenance)
            }
        }

        var render = Samples(), first = Samples(), noop = Samples(), oneChanged = Samples(), gitCLI = Samples()
        var rendered: [RenderedEnvironment] = []
        var files = 0, bytes = 0
        _ = try renderAll() // warm-up
        for _ in 0..<repetitions {
            let r = try timed { try renderAll() }
            render.add(r.nanoseconds)
            rendered = r.result
        }
        files = rendered.reduce(0) { $0 + $1.files.count }
        bytes = rendered.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.contents.utf8.count } }

        // One environment re-rendered with another value, for the "one changed" publish.
        var changed = rendered
        do {
            var env = try loaded.environment(named: source.names[0])
            env.parameterValues["wandbHost"] = .scalar(.string("https://changed.example.com"), at: env.location)
            let outcome = Renderer(project: loaded).render(env)
            changed[0] = RenderedEnvironment(outcome, target: loaded.target, provenance: provenance)
        }

        let author = Signature(name: "bench", email: "bench@localhost")
        var options = Publisher.Options(
            author: author, source: .init(commit: String(repeating: "a", count: 40), repository: "bench", dirty: false, author: author),
            environmentsInSource: Set(source.names))
        options.credentials = Credentials()

        for _ in 0..<repetitions {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gitops-weave-bench-repo-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: dir) }
            let repo = try Repository.initialize(at: dir.path, bare: true)
            let publisher = Publisher(repository: repo)
            first.add(try timed { _ = try publisher.publish(rendered, options: options) }.nanoseconds)
            noop.add(try timed { _ = try publisher.publish(rendered, options: options) }.nanoseconds)
            oneChanged.add(try timed { _ = try publisher.publish(changed, options: options) }.nanoseconds)
            gitCLI.add(try Self.gitAddCommit(rendered))
        }

        let ms = { (s: Samples) in s.median / 1e6 }
        let beyond = ms(first)
        if json {
            var o = JSONObject()
            o.set("environments", envs)
            o.set("files", files)
            o.set("bytes", bytes)
            o.set("render_ms", ms(render))
            o.set("publish_ms", ms(first))
            o.set("noop_publish_ms", ms(noop))
            o.set("one_changed_publish_ms", ms(oneChanged))
            o.set("git_add_commit_ms", ms(gitCLI))
            o.set("git_cli_over_publish", ms(gitCLI) / ms(first))
            print(o.render(indent: 0))
            return
        }
        print("gitops-weave-bench publish: \(Format.grouped(envs)) environments, \(Format.grouped(files)) files, \(Format.grouped(bytes)) bytes; median of \(repetitions)")
        print("")
        let rows: [(String, Double)] = [
            ("render (all environments)", ms(render)),
            ("publish, first commit (render excluded)", ms(first)),
            ("publish again, nothing changed", ms(noop)),
            ("publish, one environment changed", ms(oneChanged)),
            ("git add -A && git commit, same files", ms(gitCLI)),
        ]
        for (label, value) in rows {
            print(Format.padRight(label, 44) + Format.padLeft(Format.fixed(value, 1) + " ms", 12))
        }
        print("")
        print("publish beyond render: \(Format.fixed(beyond, 1)) ms (target ≤ 1000 ms: \(beyond <= 1000 ? "met" : "missed"))")
        let ratio = ms(gitCLI) / ms(first)
        print("git CLI / publish: \(Format.fixed(ratio, 1))× (target ≥ 5×: \(ratio >= 5 ? "met" : "missed"))")
    }

    /// Writes the files to a new work tree (not timed) and times `git add -A && git commit`.
    static func gitAddCommit(_ environments: [RenderedEnvironment]) throws -> UInt64 {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gitops-weave-bench-worktree-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for env in environments {
            let envDir = dir.appendingPathComponent(env.name)
            try fm.createDirectory(at: envDir, withIntermediateDirectories: true)
            for f in env.files { fm.createFile(atPath: envDir.appendingPathComponent(f.path).path, contents: Data(f.contents.utf8)) }
        }
        try run(["git", "init", "-q"], in: dir)
        try run(["git", "config", "user.email", "bench@localhost"], in: dir)
        try run(["git", "config", "user.name", "bench"], in: dir)
        return try timed {
            try run(["git", "add", "-A"], in: dir)
            try run(["git", "commit", "-q", "-m", "render"], in: dir)
        }.nanoseconds
    }

    static func run(_ arguments: [String], in dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = dir
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("\(arguments.joined(separator: " ")) failed") }
    }
}
