import Foundation
import GitSync
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// What the stack benchmark times, for one number of environments.
enum Phase: String, CaseIterable {
    case render
    case floor
    case publishRender = "publish_render"
    case publish
    case publishNoop = "publish_noop"
    case publishOneChanged = "publish_one_changed"
    case gitCLI = "git_add_commit"
    case diff
    case diffOneEnvironment = "diff_one_environment"
    case diffFull = "diff_full"
    case setSelector = "set_selector"
    case kustomizeEach = "kustomize_per_process"
    case kustomizeAll = "kustomize_aggregate"

    var label: String {
        switch self {
        case .render: return "render --all into a directory"
        case .floor: return "floor: libyaml, same bytes in and out"
        case .publishRender: return "publish: render + validate in memory"
        case .publish: return "publish: first commit (beyond render)"
        case .publishNoop: return "publish: again, nothing changed"
        case .publishOneChanged: return "publish: one environment changed"
        case .gitCLI: return "git add -A && git commit, same files"
        case .diff: return "diff HEAD~1 HEAD (one layer changed)"
        case .diffOneEnvironment: return "diff: one environment changed"
        case .diffFull: return "diff --full: one environment changed"
        case .setSelector: return "set --selector tier=dev (a process)"
        case .kustomizeEach: return "kustomize: one process per environment"
        case .kustomizeAll: return "kustomize: one aggregate build"
        }
    }
}

/// A correctness check of a run: the benchmark fails when one does not hold.
struct Check {
    var name: String
    var passed: Bool
    var detail: String
}

/// Everything measured for one number of environments.
struct StackResult {
    var environments: Int
    var inputFiles = 0
    var inputBytes = 0
    var outputFiles = 0
    var outputBytes = 0
    /// Timed repetitions of the phases run in this process.
    var inProcessRepetitions = 0
    /// Resources in all environments together, and in each, in name order.
    var resources = 0
    var resourcesPerEnvironment: [Int] = []
    var samples: [Phase: [PhaseSample]] = [:]
    /// Characters of `diff --format markdown` for the two fleet cases (pullRequests).
    var markdownOneChange: Int?
    var markdownThreeGroups: Int?
    /// Environments per repetition run as their own kustomize process (the figure is scaled
    /// from these to all environments).
    var kustomizeSampled: Int?
    /// Environments in the one aggregate build (the figure is scaled to all of them).
    var kustomizeAggregated: Int?
    var kustomizeNote: String?
    /// The largest child process so far: kustomize's, or an earlier git CLI run's.
    var childrenPeakResident: Int?
    var comparison = OutputComparison.Summary()
    var comparedEnvironments = 0
    /// What each wrote to its object database for the same files: publish's pack, the
    /// git CLI's loose objects.
    var publishedObjectBytes = 0
    var gitCLIObjectBytes = 0
    /// The commit of the first publish of the warm-up, whose tree the git CLI's must equal.
    var firstPublishedCommit: String?
    var checks: [Check] = []

    /// The median sample of a phase: median wall time and cores, the highest peak RSS.
    func median(_ phase: Phase) -> PhaseSample? { samples[phase]?.median }

    func milliseconds(_ phase: Phase) -> Double? { median(phase).map { Double($0.wallNanoseconds) / 1e6 } }

    /// The highest peak RSS of gitops-weave's own phases.
    var peakResident: Int? {
        [Phase.render, .publishRender, .publish, .publishNoop, .publishOneChanged, .diff].compactMap { median($0)?.peakResidentBytes }.max()
    }

    var passed: Bool { checks.allSatisfy(\.passed) }
}

/// One run of the stack benchmark at N environments, in a scratch directory of its own.
struct StackRun {
    struct Options {
        var repetitions: Int
        var scratch: URL
        var project: String
        var kustomizeSample: Int
        var kustomizeAggregate: Int
        var kustomize: Bool
        var keep: Bool
        var progress: (String) -> Void
    }

    let environments: Int
    let options: Options

    /// The phases that run in this process take a few milliseconds at small N, where one
    /// scheduler hiccup moves a median of three; they repeat more there (up to 8 times
    /// --repetitions, for fewer than 250 environments), so each figure rests on about the
    /// same amount of work.
    var inProcessRepetitions: Int { options.repetitions * max(1, min(8, 2000 / environments)) }

    func run() throws -> StackResult {
        let dir = options.scratch.appendingPathComponent("gitops-weave-bench-\(environments)-\(getpid())-\(UUID().uuidString.prefix(6))")
        let fm = FileManager.default
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if options.keep { options.progress("kept \(dir.path)") } else { remove(dir) } }
        var result = StackResult(environments: environments)
        result.inProcessRepetitions = inProcessRepetitions
        let say = { (s: String) in options.progress("[\(environments)] \(s)") }

        say("generating the source")
        let source = try StackSource(projectRoot: options.project, count: environments, seed: 7, root: dir.appendingPathComponent("source"))
        try Processes.git(["init", "-q", "-b", "main"], in: source.root)
        try Processes.git(["add", "-A"], in: source.root)
        try Processes.git(["commit", "-q", "-m", "generated source"], in: source.root)
        let sourceCommit = try Repository.discover(containing: source.root.path)?.headCommitID()
        let provenance = RenderedEnvironment.Provenance(sourceRevision: sourceCommit, sourceDirty: false)
        let names = source.names
        let inputs = try source.inputFiles()
        result.inputFiles = inputs.count

        /// A fresh pipeline for each timed run, as each CLI run starts without a cache.
        func pipeline() throws -> RenderPipeline {
            let project = try Project.load(from: FileSystemSource(root: source.root.path), stacks: StackCatalog([WeaveStack()]))
            return RenderPipeline(renderer: Renderer(project: project), provenance: provenance,
                                  validator: SchemaValidator(schemas: project.validationSchemas))
        }
        func failures(_ results: [RenderPipeline.Result]) -> String? {
            results.first(where: \.failed).map { "\($0.name): " + $0.diagnostics.map(\.description).joined(separator: "; ") }
        }

        // render --all, and the floor on the same bytes, interleaved so both see the same
        // machine conditions.
        let rendered = dir.appendingPathComponent("rendered")
        var floor: RenderFloor?
        for rep in 0...inProcessRepetitions {
            say(rep == 0 ? "render and floor: warm-up" : "render and floor: \(rep)/\(inProcessRepetitions)")
            let out = rep == 0 ? rendered : dir.appendingPathComponent("render-\(rep)")
            let p = try pipeline()
            let (results, sample) = try measure { p.write(names, to: OutputDirectory(out.path)) }
            if let failure = failures(results) { throw BenchError("render failed: \(failure)") }
            if rep == 0 {
                result.resources = results.reduce(0) { $0 + $1.resources }
                result.resourcesPerEnvironment = results.map(\.resources)
                floor = try RenderFloor(inputs: inputs, rendered: rendered, names: names)
                result.inputBytes = floor!.inputBytes
                result.outputFiles = floor!.outputFiles
                result.outputBytes = floor!.outputBytes
                let same = try floor!.identicalManifests()
                result.checks.append(Check(
                    name: "floor writes the same bytes", passed: same.identical == same.total,
                    detail: "libyaml re-emits \(same.identical) of \(same.total) rendered manifests byte for byte" + (same.first.map { "; first difference: \($0)" } ?? "")))
            } else {
                result.samples[.render, default: []].append(sample)
                remove(out)
            }
            let floorOut = dir.appendingPathComponent("floor-\(rep)")
            let (_, floorSample) = try measure { try floor!.run(into: floorOut) }
            if rep > 0 { result.samples[.floor, default: []].append(floorSample) }
            remove(floorOut)
        }

        if options.kustomize {
            try kustomize(source: source, rendered: rendered, pipeline: try pipeline(), dir: dir, into: &result, say: say)
        }
        try publish(names: names, source: source, sourceCommit: sourceCommit, pipeline: pipeline, failures: failures, dir: dir, into: &result, say: say)
        try gitCLI(rendered: rendered, into: &result, say: say)
        try diff(source: source, into: &result, say: say)
        try pullRequests(source: source, into: &result, say: say)
        return result
    }

    // MARK: publish

    func publish(names: [String], source: StackSource, sourceCommit: String?, pipeline: () throws -> RenderPipeline,
                 failures: ([RenderPipeline.Result]) -> String?, dir: URL, into result: inout StackResult, say: (String) -> Void) throws {
        var environments: [RenderedEnvironment] = []
        for rep in 0...inProcessRepetitions {
            say("publish: rendering in memory \(rep)/\(inProcessRepetitions)")
            let p = try pipeline()
            let (results, sample) = try measure { p.run(names) }
            if let failure = failures(results) { throw BenchError("render failed: \(failure)") }
            if rep > 0 { result.samples[.publishRender, default: []].append(sample) }
            environments = results.compactMap(\.environment)
        }
        // One environment re-rendered with another value, for "one environment changed".
        var changed = environments
        do {
            let p = try pipeline()
            var env = try p.renderer.project.environment(named: names[0])
            env.parameterValues["wandbHost"] = .scalar(.string("https://changed.example.com"), at: env.location)
            changed[0] = RenderedEnvironment(p.renderer.render(env), stacks: p.renderer.project.stacks, provenance: p.provenance)
        }
        let author = Signature(name: "bench", email: "bench@localhost")
        var options = Publisher.Options(author: author, source: .init(commit: sourceCommit, repository: "bench", dirty: false, author: author),
                                        environmentsInSource: Set(names))
        options.credentials = Credentials()

        var noopClean = true, oneChangedClean = true
        for rep in 0...inProcessRepetitions {
            say("publish: \(rep)/\(inProcessRepetitions)")
            let repoDir = dir.appendingPathComponent("published-\(rep)")
            _ = try Repository.initialize(at: repoDir.path, bare: true)
            // Each publish opens the repository anew, as each `gitops-weave publish` does.
            let (firstResult, first) = try measure { try Publisher(repository: try Repository.open(repoDir.path)).publish(environments, options: options) }
            if rep == 0 {
                result.firstPublishedCommit = firstResult.commits.first?.commit.hex
                result.publishedObjectBytes = directoryBytes(repoDir.appendingPathComponent("objects"))
            }
            let (noop, noopSample) = try measure { try Publisher(repository: try Repository.open(repoDir.path)).publish(environments, options: options) }
            let (one, oneSample) = try measure { try Publisher(repository: try Repository.open(repoDir.path)).publish(changed, options: options) }
            noopClean = noopClean && noop.upToDate
            oneChangedClean = oneChangedClean && one.commits.count == 1 && one.changes.map(\.environment) == [names[0]]
            if rep > 0 {
                result.samples[.publish, default: []].append(first)
                result.samples[.publishNoop, default: []].append(noopSample)
                result.samples[.publishOneChanged, default: []].append(oneSample)
                remove(repoDir)
            }
        }
        result.checks.append(Check(name: "no-op publish makes no commit", passed: noopClean, detail: "publishing the same environments again left the branch as it was"))
        result.checks.append(Check(name: "one changed environment, one change", passed: oneChangedClean,
                                   detail: "publishing with \(names[0]) changed made one commit touching only \(names[0])"))
    }

    // MARK: git CLI

    /// `git add -A && git commit` of the files render wrote, in a new repository each time;
    /// its tree must be the tree publish committed.
    func gitCLI(rendered: URL, into result: inout StackResult, say: (String) -> Void) throws {
        var cliTree = ""
        for rep in 0...options.repetitions {
            say("git add && commit: \(rep)/\(options.repetitions)")
            remove(rendered.appendingPathComponent(".git"))
            try Processes.git(["init", "-q"], in: rendered)
            let (_, sample) = try measure(children: true) {
                try Processes.git(["add", "-A"], in: rendered)
                try Processes.git(["commit", "-q", "-m", "render"], in: rendered)
            }
            if rep > 0 { result.samples[.gitCLI, default: []].append(sample) }
            cliTree = try Processes.output(["git", "rev-parse", "HEAD^{tree}"], in: rendered)
            result.gitCLIObjectBytes = directoryBytes(rendered.appendingPathComponent(".git/objects"))
        }
        remove(rendered.appendingPathComponent(".git"))
        let published = rendered.deletingLastPathComponent().appendingPathComponent("published-0")
        let publishedTree = try Processes.output(["git", "--git-dir", published.path, "rev-parse", "\(result.firstPublishedCommit ?? "none")^{tree}"], in: rendered)
        result.checks.append(Check(name: "publish commits what render writes", passed: cliTree == publishedTree,
                                   detail: "the git CLI's tree of the rendered directory is \(cliTree.prefix(12)), publish's branch tree is \(publishedTree.prefix(12))"))
    }

    // MARK: diff

    func diff(source: StackSource, into result: inout StackResult, say: (String) -> Void) throws {
        let patch = source.root.appendingPathComponent("layers/prod/patches/clickhouse.yaml")
        let text = try String(contentsOf: patch, encoding: .utf8)
        guard text.contains("replicasCount: 3") else { throw BenchError("layers/prod/patches/clickhouse.yaml no longer sets replicasCount: 3") }
        try text.replacingOccurrences(of: "replicasCount: 3", with: "replicasCount: 5").write(to: patch, atomically: true, encoding: .utf8)
        try Processes.git(["commit", "-q", "-am", "prod: 5 ClickHouse replicas"], in: source.root)

        var changed = 0
        for rep in 0...inProcessRepetitions {
            say("diff: \(rep)/\(inProcessRepetitions)")
            let comparison = RevisionComparison(source: source.root.path, base: "HEAD~1", head: "HEAD", stacks: StackCatalog([WeaveStack()])) { project, environments in
                // As `gitops-weave diff` does: HEAD's environments are validated.
                let validator = SchemaValidator(schemas: project.validationSchemas)
                for env in environments where validator.validate(env.resources).contains(where: { $0.severity == .error }) {
                    throw BenchError("\(env.name) does not validate at HEAD")
                }
            }
            let (diff, sample) = try measure { try comparison.diff() }
            if rep > 0 { result.samples[.diff, default: []].append(sample) }
            changed = diff.environments.count
        }
        let prod = source.names.filter { $0.contains("-prod-") }.count
        result.checks.append(Check(name: "diff finds every prod environment", passed: changed == prod,
                                   detail: "\(changed) environments changed by the prod layer's edit; \(prod) use the prod layer"))

        // One environment's file changes: only it is rendered (its inputs alone differ), and
        // the result is the full comparison's.
        let one = source.root.appendingPathComponent("environments/\(source.names[0]).yaml")
        let envText = try String(contentsOf: one, encoding: .utf8)
        try envText.replacingOccurrences(of: "  wandbHost: https://wandb-0.example.com", with: "  wandbHost: https://wandb-0b.example.com")
            .write(to: one, atomically: true, encoding: .utf8)
        try Processes.git(["commit", "-q", "-am", "one environment"], in: source.root)
        var warmText = "", coldText = "", rendered = -1
        for rep in 0...inProcessRepetitions {
            say("diff, one environment: \(rep)/\(inProcessRepetitions)")
            for incremental in [true, false] {
                var comparison = RevisionComparison(source: source.root.path, base: "HEAD~1", head: "HEAD", stacks: StackCatalog([WeaveStack()]))
                comparison.incremental = incremental
                let (diff, sample) = try measure { try comparison.diff() }
                if rep > 0 { result.samples[incremental ? .diffOneEnvironment : .diffFull, default: []].append(sample) }
                if incremental { warmText = diff.text(color: false); rendered = diff.rendered?.count ?? -1 } else { coldText = diff.text(color: false) }
            }
        }
        result.checks.append(Check(name: "an incremental diff is the full one", passed: warmText == coldText && rendered == 1 && !warmText.isEmpty,
                                   detail: "one environment's edit: \(rendered) environment rendered, and the diff is the same bytes as rendering all \(source.names.count)"))
    }

    // MARK: pull requests

    /// `set --selector tier=dev` as a process (it renders and validates what it changes
    /// before writing), and the size of the Markdown `diff` writes for the issue's two fleet
    /// cases: a one-line default change everywhere, and a change whose value differs by tier.
    func pullRequests(source: StackSource, into result: inout StackResult, say: (String) -> Void) throws {
        guard let weave = try? KustomizeBenchmark.gitopsWeaveBinary(nil) else {
            result.checks.append(Check(name: "pull-request changes", passed: true, detail: "skipped: no gitops-weave binary beside the benchmark"))
            return
        }
        for rep in 0...inProcessRepetitions {
            say("set --selector: \(rep)/\(inProcessRepetitions)")
            let (_, sample) = try measure(children: true) {
                try Processes.run([weave.path, "set", "--selector", "tier=dev", "weaveTraceTag=0.77.\(rep)", "--source", source.root.path])
            }
            if rep > 0 { result.samples[.setSelector, default: []].append(sample) }
        }
        let dev = source.names.filter { $0.contains("-dev-") }.count
        let edited = try Processes.output(["git", "diff", "--name-only"], in: source.root).split(separator: "\n").count
        result.checks.append(Check(name: "set --selector edits exactly the selected files", passed: edited == dev,
                                   detail: "\(edited) environment files changed; \(dev) environments are tier=dev"))
        try Processes.git(["checkout", "-q", "--", "."], in: source.root)

        func markdown() throws -> (text: String, groups: Int) {
            let diff = try RevisionComparison(source: source.root.path, base: "HEAD~1", head: "HEAD", stacks: StackCatalog([WeaveStack()])).diff()
            return (diff.markdown()[0], diff.groups().count)
        }
        let project = source.root.appendingPathComponent(Project.fileName)
        let text = try String(contentsOf: project, encoding: .utf8)
        let old = "weaveTraceTag:\n    type: string\n    default: \"0.74.1\""
        guard text.contains(old) else { throw BenchError("the project file no longer declares weaveTraceTag with default \"0.74.1\"") }
        try text.replacingOccurrences(of: old, with: "weaveTraceTag:\n    type: string\n    default: \"0.75.0\"").write(to: project, atomically: true, encoding: .utf8)
        try Processes.git(["commit", "-q", "-am", "weave-trace 0.75.0"], in: source.root)
        let one = try markdown()
        result.markdownOneChange = one.text.count
        result.checks.append(Check(name: "a one-line default change is one section", passed: one.groups == 1 && one.text.count < 5_000 && !one.text.contains("Truncated"),
                                   detail: "diff --format markdown of weaveTraceTag's default on \(source.names.count) environments: \(one.groups) distinct change, \(one.text.count) characters (target < 5,000), nothing cut"))

        for (i, tier) in StackSource.tiers.enumerated() {
            try Processes.run([weave.path, "set", "--selector", "tier=\(tier)", "weaveTraceTag=0.76.\(i)", "--source", source.root.path])
        }
        try Processes.git(["commit", "-q", "-am", "weave-trace by tier"], in: source.root)
        let three = try markdown()
        result.markdownThreeGroups = three.text.count
        let named = StackSource.tiers.allSatisfy { three.text.contains("· tier=\($0)") }
        result.checks.append(Check(name: "a change by tier is three sections named by their label", passed: three.groups == 3 && named && three.text.count < 8_000 && !three.text.contains("Truncated"),
                                   detail: "\(three.groups) distinct changes\(named ? ", named tier=dev, tier=staging, tier=prod" : ""), \(three.text.count) characters (target < 8,000), nothing cut"))
    }

    // MARK: kustomize

    func kustomize(source: StackSource, rendered: URL, pipeline: RenderPipeline, dir: URL, into result: inout StackResult, say: (String) -> Void) throws {
        guard Processes.available("kubectl") else {
            result.kustomizeNote = "kubectl is not installed: kustomize was not measured"
            return
        }
        say("kustomize: writing the equivalent tree")
        let tree = try KustomizeTree(source: source, project: pipeline.renderer.project, renderer: pipeline.renderer,
                                     into: dir.appendingPathComponent("kustomize"), aggregating: options.kustomizeAggregate)
        let names = source.names
        let count = min(names.count, max(1, options.kustomizeSample))
        let sample = (0..<count).map { names[$0 * names.count / count] }
        result.kustomizeSampled = count
        let outputs = dir.appendingPathComponent("kustomize-out")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)

        let scale = Double(names.count) / Double(count)
        for rep in 0...options.repetitions {
            say("kustomize: \(count) processes \(rep)/\(options.repetitions)")
            let failure = FirstFailure()
            let (_, s) = measure(children: true) {
                DispatchQueue.concurrentPerform(iterations: sample.count) { i in
                    do {
                        try Processes.run(["kubectl", "kustomize", tree.directory(of: sample[i]).path],
                                          output: outputs.appendingPathComponent(sample[i] + ".yaml"))
                    } catch {
                        failure.record(error)
                    }
                }
            }
            if let error = failure.error { throw error }
            if rep > 0 {
                result.samples[.kustomizeEach, default: []].append(PhaseSample(
                    wallNanoseconds: UInt64(Double(s.wallNanoseconds) * scale), cpuNanoseconds: UInt64(Double(s.cpuNanoseconds) * scale), peakResidentBytes: nil))
            }
        }

        // Compare every sampled environment with gitops-weave's render of it.
        say("kustomize: comparing \(count) environments")
        let ours = pipeline.run(sample)
        for (name, mine) in zip(sample, ours) {
            guard let env = mine.environment else { throw BenchError("\(name) does not render") }
            let text = try String(contentsOf: outputs.appendingPathComponent(name + ".yaml"), encoding: .utf8)
            let built = try YAMLParser().parseStream(text, file: "kubectl kustomize \(name)")
            // kustomize passes a Chart through as it was merged; the target's form (an
            // Argo CD Application, or Flux's source and HelmRelease) is a step it lacks, so
            // its merged Chart goes through that same step before the two are compared.
            let target = try pipeline.renderer.project.environment(named: name).target
            let theirs = TargetForms.apply(try built.filter { !$0.isNull }.map { try Resource(document: $0) }, target: target).resources.map(\.node)
            let summary = try OutputComparison.compare(environment: name, ours: env.resources, theirs: theirs, registry: pipeline.renderer.project.registry)
            result.comparison.resources += summary.resources
            result.comparison.identical += summary.identical
            result.comparison.differences += summary.differences
            result.comparedEnvironments += 1
        }
        let unexplained = result.comparison.unexplained
        result.checks.append(Check(
            name: "kustomize agrees where the semantics agree", passed: unexplained.isEmpty,
            detail: unexplained.isEmpty
                ? "\(result.comparison.resources) resources of \(result.comparedEnvironments) environments compared; every difference explained"
                : "\(unexplained.count) unexplained differences, first: \(unexplained[0].environment) \(unexplained[0].resource) \(unexplained[0].path)"))

        // One aggregate build is a long single process at large N (kustomize's accumulation
        // grows faster than linearly), so it is timed once, without a warm-up: the tree's
        // files are in the page cache already, having just been written.
        say("kustomize: aggregate build of \(tree.aggregated) environments")
        let out = dir.appendingPathComponent("kustomize-all.yaml")
        let (_, aggregate) = try measure(children: true) { try Processes.run(["kubectl", "kustomize", tree.aggregate.path], output: out) }
        let aggregateScale = Double(names.count) / Double(tree.aggregated)
        result.samples[.kustomizeAll] = [PhaseSample(wallNanoseconds: UInt64(Double(aggregate.wallNanoseconds) * aggregateScale),
                                                     cpuNanoseconds: UInt64(Double(aggregate.cpuNanoseconds) * aggregateScale), peakResidentBytes: nil)]
        result.kustomizeAggregated = tree.aggregated
        let documents = try Processes.countDocuments(out)
        remove(out)
        result.childrenPeakResident = CPUTime.now().childrenPeakResident
        let expected = result.resourcesPerEnvironment.prefix(tree.aggregated).reduce(0, +)
        result.checks.append(Check(name: "kustomize's aggregate build holds every environment it builds", passed: documents == expected,
                                   detail: "\(documents) resources in one build of \(tree.aggregated) environments; gitops-weave renders \(expected)"))
    }
}

/// Removes a file or directory tree the benchmark made (not timed).
func remove(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// The bytes of the files under a directory.
func directoryBytes(_ url: URL) -> Int {
    guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
    var total = 0
    for case let file as URL in walker {
        total += (try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) ?? 0
    }
    return total
}
