import Foundation
import Kustomize
import LocalFiles
import YAMLModel

/// How a figure of the kustomize benchmark builds.
enum BuildMode: String, CaseIterable {
    case kubectl = "kubectl_kustomize"
    case process = "gitops_weave_process"
    case oneProcess = "gitops_weave_one_process"
    case inProcess = "in_process"
    case inProcessAllCores = "in_process_all_cores"

    var label: String {
        switch self {
        case .kubectl: return "kubectl kustomize, one process per build"
        case .process: return "one process per build"
        case .oneProcess: return "one process, all builds"
        case .inProcess: return "in process, one thread"
        case .inProcessAllCores: return "in process, all \(ProcessInfo.processInfo.activeProcessorCount) cores"
        }
    }
}

/// Two outputs of one build that are not the same YAML documents in the same order.
struct Mismatch {
    var build: String
    var detail: String
}

/// Everything measured for one workload: the corpus, or the generated overlays.
struct WorkloadResult {
    var key: String
    var title: String
    var builds: Int
    /// Builds run through kubectl per repetition (its figure is scaled to all builds); nil
    /// when kubectl was not run.
    var kubectlSampled: Int?
    var inProcessRepetitions = 0
    /// kubectl's figures are scaled from its sample to all builds.
    var samples: [BuildMode: [PhaseSample]] = [:]
    /// The largest peak RSS of the mode's processes over a few builds run under GNU time,
    /// outside the timed runs.
    var childPeak: [BuildMode: Int] = [:]
    var compared = 0
    var mismatches: [Mismatch] = []
    var notes: [String] = []

    func median(_ mode: BuildMode) -> PhaseSample? { samples[mode]?.median }

    func milliseconds(_ mode: BuildMode) -> Double? { median(mode).map { Double($0.wallNanoseconds) / 1e6 } }

    func peakResident(_ mode: BuildMode) -> Int? { median(mode)?.peakResidentBytes ?? childPeak[mode] }

    /// kubectl's time over the mode's: how many times faster gitops-weave builds.
    func speedUp(_ mode: BuildMode) -> Double? {
        guard let k = milliseconds(.kubectl), let m = milliseconds(mode), m > 0 else { return nil }
        return k / m
    }
}

/// One run of the kustomize benchmark: both workloads, in a scratch directory of its own.
struct KustomizeRun {
    struct Options {
        var overlays: Int
        var repetitions: Int
        var kubectlSample: Int
        var kubectl: Bool
        var weave: URL
        var shared: URL
        var differences: URL
        var scratch: URL
        var keep: Bool
        var progress: (String) -> Void
    }

    let options: Options

    /// A workload as it is run: its builds, and which of them kubectl builds.
    struct Workload {
        var key: String
        var title: String
        var builds: [BuildTarget]
        var sample: [Int]
        var notes: [String]
    }

    /// What one mode wrote for each build of a workload (the last repetition's).
    typealias Outputs = [Result<String, BenchError>]

    func run() throws -> [WorkloadResult] {
        let dir = options.scratch.appendingPathComponent("gitops-weave-bench-kustomize-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if options.keep { options.progress("kept \(dir.path)") } else { remove(dir) } }

        var workloads: [Workload] = []
        var skipped: WorkloadResult?
        if let corpus = try ConformanceCorpus.load(shared: options.shared, differences: options.differences) {
            let total = corpus.builds.count + corpus.errorCases + corpus.deliberate.count
            workloads.append(Workload(
                key: "conformance",
                title: "conformance corpus: \(corpus.builds.count) builds, the \(total) cases of \(corpus.root.path) less \(corpus.errorCases) error cases"
                    + (corpus.deliberate.isEmpty ? "" : " and \(corpus.deliberate.count) deliberate difference" + (corpus.deliberate.count == 1 ? "" : "s")),
                builds: corpus.builds, sample: Array(corpus.builds.indices),
                notes: corpus.deliberate.map { "not measured, listed in \(options.differences.lastPathComponent): \($0.name): \($0.reason)" }))
        } else {
            skipped = WorkloadResult(key: "conformance", title: "conformance corpus", builds: 0,
                                     notes: ["skipped: no kustomize-conformance/cases in \(options.shared.path) (set GITOPS_WEAVE_SHARED)"])
        }
        options.progress("generating \(options.overlays) overlays")
        let repo = try OverlayRepository(count: options.overlays, seed: 7, root: dir.appendingPathComponent("repository"))
        let count = min(repo.overlays.count, options.kubectlSample)
        workloads.append(Workload(
            key: "overlays", title: "generated repository: \(Format.grouped(repo.overlays.count)) overlays of one base (Deployment, Service, ConfigMap generator)",
            builds: repo.overlays.map { BuildTarget(name: $0, root: repo.root, directory: $0, recorded: nil) },
            sample: (0..<count).map { $0 * repo.overlays.count / count },
            notes: count < repo.overlays.count
                ? ["* kubectl kustomize on \(count) of the \(Format.grouped(repo.overlays.count)) overlays (evenly spaced), scaled to all of them"] : []))

        var results = workloads.map { w in
            WorkloadResult(key: w.key, title: w.title, builds: w.builds.count, kubectlSampled: options.kubectl ? w.sample.count : nil,
                           inProcessRepetitions: options.repetitions * max(1, min(8, 2000 / max(1, w.builds.count))), notes: w.notes)
        }
        var outputs = Array(repeating: [BuildMode: Outputs](), count: workloads.count)

        for (i, w) in workloads.enumerated() {
            let out = dir.appendingPathComponent("out-\(w.key)-weave")
            let (o, samples) = try processes(w.builds, indices: Array(w.builds.indices), into: out, say: "\(w.key): gitops-weave build, \(w.builds.count) processes") {
                [options.weave.path, "build", $0.directory]
            }
            outputs[i][.process] = o
            results[i].samples[.process] = samples
            results[i].childPeak[.process] = peakResident(w) { [options.weave.path, "build", $0.directory] }
        }
        for (i, w) in workloads.enumerated() {
            let out = dir.appendingPathComponent("out-\(w.key)-one")
            let (base, directories) = Self.commonBase(w.builds)
            let arguments = [options.weave.path, "build", "-o", out.path] + directories
            let (o, samples) = oneProcess(arguments, in: base, directories: directories, out: out,
                                          say: "\(w.key): gitops-weave build of \(w.builds.count) directories, one process")
            outputs[i][.oneProcess] = o
            results[i].samples[.oneProcess] = samples
            results[i].childPeak[.oneProcess] = Processes.peakResident(arguments, in: base)
        }
        for (i, w) in workloads.enumerated() {
            let reps = results[i].inProcessRepetitions
            var single: Outputs = [], all: Outputs = []
            for rep in 0...reps {
                options.progress("\(w.key): in process, \(w.builds.count) builds \(rep)/\(reps)")
                let (o, sample) = measure { w.builds.map(Self.build) }
                let (p, parallel) = measure { Self.buildConcurrently(w.builds) }
                if rep > 0 {
                    results[i].samples[.inProcess, default: []].append(sample)
                    results[i].samples[.inProcessAllCores, default: []].append(parallel)
                }
                single = o
                all = p
            }
            outputs[i][.inProcess] = single
            outputs[i][.inProcessAllCores] = all
        }
        if options.kubectl {
            for (i, w) in workloads.enumerated() {
                let out = dir.appendingPathComponent("out-\(w.key)-kubectl")
                let (o, samples) = try processes(w.builds, indices: w.sample, into: out, say: "\(w.key): kubectl kustomize, \(w.sample.count) processes") {
                    ["kubectl", "kustomize", $0.directory]
                }
                let scale = Double(w.builds.count) / Double(w.sample.count)
                results[i].samples[.kubectl] = samples.map {
                    PhaseSample(wallNanoseconds: UInt64(Double($0.wallNanoseconds) * scale), cpuNanoseconds: UInt64(Double($0.cpuNanoseconds) * scale), peakResidentBytes: nil)
                }
                results[i].childPeak[.kubectl] = peakResident(w) { ["kubectl", "kustomize", $0.directory] }
                var full = Outputs(repeating: .failure(BenchError("not built by kubectl")), count: w.builds.count)
                for (k, index) in w.sample.enumerated() { full[index] = o[k] }
                outputs[i][.kubectl] = full
            }
        }

        for (i, w) in workloads.enumerated() {
            options.progress("\(w.key): comparing outputs")
            compare(w, outputs[i], into: &results[i])
        }
        if let skipped { results.insert(skipped, at: 0) }
        return results
    }

    // MARK: processes

    /// Runs one process per build of `indices`, one per core, after a warm-up: the
    /// outputs of the last repetition, and a sample per timed repetition.
    func processes(_ builds: [BuildTarget], indices: [Int], into out: URL, say: String, arguments: (BuildTarget) -> [String]) throws -> (Outputs, [PhaseSample]) {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let errors = Slots<BenchError?>(count: indices.count, nil)
        var samples: [PhaseSample] = []
        for rep in 0...options.repetitions {
            options.progress("\(say) \(rep)/\(options.repetitions)")
            let (_, sample) = measure(children: true) {
                DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                    let build = builds[indices[k]]
                    do {
                        try Processes.run(arguments(build), in: build.root, output: out.appendingPathComponent("\(indices[k]).yaml"))
                        errors[k] = nil
                    } catch {
                        // "COMMAND failed (exit N): STDERR": the command is known.
                        let text = String(describing: error)
                        errors[k] = BenchError(text.range(of: " failed (exit ").map { "exit " + text[$0.upperBound...] } ?? text)
                    }
                }
            }
            if rep > 0 { samples.append(sample) }
        }
        let outputs: Outputs = indices.indices.map { k in
            if let e = errors[k] { return .failure(e) }
            do { return .success(try String(contentsOf: out.appendingPathComponent("\(indices[k]).yaml"), encoding: .utf8)) }
            catch { return .failure(BenchError("reading the output: \(error)")) }
        }
        return (outputs, samples)
    }

    /// Runs `gitops-weave build -o OUT DIR...` once per repetition, after a warm-up: each
    /// build's output is OUT/DIR.yaml.
    func oneProcess(_ arguments: [String], in base: URL, directories: [String], out: URL, say: String) -> (Outputs, [PhaseSample]) {
        var samples: [PhaseSample] = []
        var failure: BenchError?
        for rep in 0...options.repetitions {
            options.progress("\(say) \(rep)/\(options.repetitions)")
            let (_, sample) = measure(children: true) {
                do {
                    try Processes.run(arguments, in: base, output: out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".stdout"))
                    failure = nil
                } catch {
                    failure = BenchError(Self.firstLine(String(describing: error)))
                }
            }
            if rep > 0 { samples.append(sample) }
        }
        let outputs: Outputs = directories.map { d in
            if let failure { return .failure(failure) }
            do { return .success(try String(contentsOf: out.appendingPathComponent(d + ".yaml"), encoding: .utf8)) }
            catch { return .failure(BenchError("reading the output: \(error)")) }
        }
        return (outputs, samples)
    }

    /// The deepest directory holding every build's root, and each build's directory from
    /// there, as `gitops-weave build` names its output file.
    static func commonBase(_ builds: [BuildTarget]) -> (URL, [String]) {
        let roots = builds.map { $0.root.standardizedFileURL.pathComponents }
        var common = roots.first ?? ["/"]
        for r in roots.dropFirst() {
            var n = 0
            while n < common.count, n < r.count, common[n] == r[n] { n += 1 }
            common = Array(common.prefix(n))
        }
        let directories = builds.map { build -> String in
            let parts = build.root.standardizedFileURL.pathComponents.dropFirst(common.count)
                + build.directory.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
            return parts.joined(separator: "/")
        }
        return (URL(fileURLWithPath: NSString.path(withComponents: common)), directories)
    }

    /// The largest peak RSS over at most `rssSample` builds of kubectl's sample, evenly
    /// spaced, the same builds for both tools.
    func peakResident(_ w: Workload, arguments: (BuildTarget) -> [String]) -> Int? {
        let n = min(w.sample.count, Self.rssSample)
        options.progress("\(w.key): peak RSS of \(n) processes under /usr/bin/time")
        return (0..<n).compactMap { k -> Int? in
            let build = w.builds[w.sample[k * w.sample.count / n]]
            return Processes.peakResident(arguments(build), in: build.root)
        }.max()
    }

    static let rssSample = 20

    // MARK: in process

    /// What `gitops-weave build` does between reading the tree and writing standard output:
    /// the build, keys sorted as kustomize writes them, and the emitted stream.
    static func build(_ target: BuildTarget) -> Result<String, BenchError> {
        do {
            let output = try KustomizeBuild(tree: FileSystemSource(root: target.root.path), options: KustomizeBuild.Options()).build(target.directory)
            return .success(output.yaml)
        } catch {
            return .failure(BenchError(String(describing: error)))
        }
    }

    static func buildConcurrently(_ builds: [BuildTarget]) -> Outputs {
        let slots = Slots<Result<String, BenchError>>(count: builds.count, .failure(BenchError("not built")))
        DispatchQueue.concurrentPerform(iterations: builds.count) { i in slots[i] = build(builds[i]) }
        return slots.values
    }

    // MARK: comparison

    /// Every output of every build against the reference: kubectl's when it built it, else
    /// (corpus) what kubectl printed when the case was recorded, else gitops-weave's process.
    func compare(_ w: Workload, _ outputs: [BuildMode: Outputs], into result: inout WorkloadResult) {
        let kubectl = outputs[.kubectl]
        let sampled = Set(w.sample)
        if kubectl == nil {
            result.notes.append(w.builds.first?.recorded != nil
                ? "kubectl not run: gitops-weave's outputs compared with the output kubectl kustomize recorded in the corpus"
                : "kubectl not run: gitops-weave's in-process outputs compared with its processes' outputs only")
        }
        for (i, build) in w.builds.enumerated() {
            var reference: (name: String, text: Result<String, BenchError>)
            if let kubectl, sampled.contains(i) {
                reference = ("kubectl kustomize", kubectl[i])
            } else if kubectl == nil, let recorded = build.recorded {
                reference = ("recorded kubectl output", Result { try String(contentsOf: recorded, encoding: .utf8) }.mapError { BenchError("\($0)") })
            } else {
                reference = ("gitops-weave build", outputs[.process]![i])
            }
            var failed: [(mode: BuildMode, problem: String)] = []
            for mode in [BuildMode.process, .oneProcess, .inProcess, .inProcessAllCores] {
                guard let out = outputs[mode]?[i], reference.name != "gitops-weave build" || mode != .process else { continue }
                if let problem = Self.difference(out, reference.text, name: "gitops-weave build (\(mode.label))", reference: reference.name) {
                    failed.append((mode, problem))
                }
            }
            result.compared += 1
            // The modes run the same code, so they usually fail alike: the first in full.
            if let first = failed.first {
                let others = failed.dropFirst().map(\.mode.label)
                result.mismatches.append(Mismatch(build: build.name, detail: first.problem + (others.isEmpty ? "" : " (also: " + others.joined(separator: ", ") + ")")))
            }
        }
    }

    /// Nil when both parse to the same documents in the same order.
    static func difference(_ a: Result<String, BenchError>, _ b: Result<String, BenchError>, name: String, reference: String) -> String? {
        let ours: String, theirs: String
        switch (a, b) {
        case (.failure(let e), _): return "\(name) failed: \(firstLine(e.description))"
        case (_, .failure(let e)): return "\(reference) failed: \(firstLine(e.description))"
        case (.success(let x), .success(let y)): ours = x; theirs = y
        }
        let x: [Node], y: [Node]
        do {
            x = try YAMLParser().parseStream(ours, file: name).filter { !$0.isNull }
            y = try YAMLParser().parseStream(theirs, file: reference).filter { !$0.isNull }
        } catch {
            return "output does not parse: \(firstLine(String(describing: error)))"
        }
        if x == y { return nil }
        guard x.count == y.count else { return "\(name): \(x.count) documents, \(reference): \(y.count)" }
        let k = x.indices.first { x[$0] != y[$0] }!
        return "\(name) differs from \(reference) at document \(k + 1) (\(identity(y[k])))"
    }

    static func identity(_ node: Node) -> String {
        "\(node["kind"]?.stringValue ?? "?")/\(node["metadata"]?["name"]?.stringValue ?? "?")"
    }

    static func firstLine(_ s: String) -> String {
        String(s.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.prefix(200) ?? "")
    }
}

/// A fixed number of values written from several threads, each slot by one thread.
final class Slots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [T]

    init(count: Int, _ initial: T) { storage = Array(repeating: initial, count: count) }

    subscript(i: Int) -> T {
        get { lock.lock(); defer { lock.unlock() }; return storage[i] }
        set { lock.lock(); storage[i] = newValue; lock.unlock() }
    }

    var values: [T] { lock.lock(); defer { lock.unlock() }; return storage }
}
