import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gitops-weave-bench engine`: parse, merge and emit N StatefulSets and their patches,
/// against libyaml's event API as the floor.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time parse, merge and emit of N StatefulSets against libyaml's event-API floor.",
        discussion: """
            Generates N apps/v1 StatefulSets of about 3.5 KB each (labels, annotations, two \
            containers with env, ports, resources and volume mounts, volumes, tolerations, \
            affinity, volumeClaimTemplates) and one strategic merge patch for each, then \
            times, in memory:

              parse   YAMLParser on the base stream and the patch stream
              merge   Resource.load, then ResourcePatcher.applyStrategic for every patch
              emit    YAMLEmitter.emitStream of the merged resources
              total   parse + merge + emit

            and the floor, libyaml's event API with no tree:

              floor_parse       yaml_parser_parse over the same input bytes
              floor_parse_emit  yaml_parser_parse over the engine's output bytes,
                                each event handed to yaml_emitter_emit, which
                                writes to memory (the same bytes again)
              floor             floor_parse + floor_parse_emit

            The ratio total / floor says how much the trees, the merge and our own emitter \
            cost over libyaml reading the same input and writing the same output. The \
            target is below 2.5. bench/README.md explains every figure.
            """)

    @Option(help: "Number of StatefulSets (and patches) to generate.")
    var resources: Int = 1000

    @Option(help: "Timed repetitions, after one untimed warm-up; the median is reported.")
    var repetitions: Int = 7

    @Option(help: "Seed of the input generator; the same seed gives the same bytes.")
    var seed: UInt64 = 42

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Flag(name: .shortAndLong, help: "Do not print progress on standard error.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Also write the generated input and the engine's output (base.yaml, patches.yaml, merged.yaml) to this directory, e.g. to replay them with `gitops-weave merge` or a profiler.",
        valueName: "DIR"))
    var writeFiles: String?

    /// The ratio the engine should stay under.
    static let targetRatio = 2.5

    /// How this binary was compiled: a debug build's figures say nothing about the engine.
    static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    func validate() throws {
        guard resources > 0 else { throw ValidationError("--resources must be at least 1") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        if Self.buildConfiguration == "debug" {
            fputs("gitops-weave-bench: warning: this is a debug build; its figures are meaningless. Use swift run -c release.\n", stderr)
        }
        progress("generating \(resources) StatefulSets and patches (seed \(seed))")
        let workload = WorkloadGenerator.generate(resources: resources, seed: seed)
        var run = EngineRun(workload: workload, repetitions: repetitions)
        do {
            try run.run(progress: progress)
        } catch {
            fputs("gitops-weave-bench: error: \(error)\n", stderr)
            throw ExitCode.failure
        }
        let peak = peakResidentBytes()
        if let dir = writeFiles {
            do {
                try writeFile(dir + "/base.yaml", workload.base)
                try writeFile(dir + "/patches.yaml", workload.patches)
                try writeFile(dir + "/merged.yaml", run.output)
                progress("wrote base.yaml, patches.yaml and merged.yaml to \(dir)")
            } catch {
                fputs("gitops-weave-bench: error: \(error)\n", stderr)
                throw ExitCode.failure
            }
        }
        if !run.floorOutputIsIdentical {
            let at = zip(run.floorOutput, run.output).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(run.floorOutput.count, run.output.count)
            fputs("gitops-weave-bench: warning: libyaml's re-emitted output differs from the engine's at byte \(at) " +
                  "(\(run.floorOutput.count) vs \(run.output.count) bytes); the floor is not exactly like for like\n", stderr)
        }
        print(json ? jsonReport(run, peak: peak) : tableReport(run, peak: peak))
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        guard let f = fopen(path, "wb") else {
            throw EngineRun.Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        guard written == bytes.count else { throw EngineRun.Failure(description: "cannot write \(path): short write") }
    }

    private func progress(_ message: String) {
        if !quiet { fputs("gitops-weave-bench: \(message)\n", stderr) }
    }

    // MARK: Reports

    private static let tableRows: [(EngineRun.Phase, String)] = [
        (.parse, "parse (base + patches)"),
        (.merge, "merge"),
        (.emit, "emit"),
        (.total, "total"),
        (.floorParse, "floor: libyaml parse of input"),
        (.floorParseEmit, "floor: libyaml parse+emit of output"),
        (.floor, "floor"),
    ]

    private static let infoRows: [(EngineRun.Phase, String)] = [
        (.floorParseOutput, "libyaml parse of output only"),
        (.floorEmitOnly, "libyaml emit only (events pre-parsed)"),
    ]

    private static func megabytesPerSecond(bytes: Int, nanoseconds: Double) -> Double {
        nanoseconds > 0 ? Double(bytes) * 1_000 / nanoseconds : .infinity
    }

    private func tableReport(_ run: EngineRun, peak: Int?) -> String {
        let w = run.workload
        var lines: [String] = []
        lines.append("gitops-weave-bench engine: \(Format.grouped(w.resourceCount)) StatefulSets, seed \(seed), " +
                     "median of \(repetitions) repetition\(repetitions == 1 ? "" : "s") after 1 warm-up; \(Self.buildConfiguration) build; libyaml \(LibYAMLFloor.version)")
        lines.append("input:  base \(Format.grouped(w.base.count)) B (average resource \(Format.grouped(Int(w.averageResourceBytes.rounded()))) B), " +
                     "patches \(Format.grouped(w.patches.count)) B (average patch \(Format.grouped(Int(w.averagePatchBytes.rounded()))) B); " +
                     "\(Format.grouped(run.inputEvents)) libyaml events")
        lines.append("output: \(Format.grouped(run.outputBytes)) B, \(Format.grouped(run.outputEvents)) libyaml events; " +
                     "libyaml's re-emitted output is \(run.floorOutputIsIdentical ? "byte-identical" : "NOT identical (\(Format.grouped(run.floorOutput.count)) B)")")
        lines.append("")

        let widths = (phase: 38, bytes: 11, ms: 11, mbs: 9)
        func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            Format.padRight(a, widths.phase) + Format.padLeft(b, widths.bytes) + Format.padLeft(c, widths.ms) + Format.padLeft(d, widths.mbs)
        }
        func phaseRow(_ phase: EngineRun.Phase, _ label: String) -> String {
            let median = run.samples[phase]?.median ?? 0
            let bytes = run.bytes(of: phase)
            return row(label, Format.grouped(bytes), Format.fixed(median / 1e6, 2),
                       Format.fixed(Self.megabytesPerSecond(bytes: bytes, nanoseconds: median), 1))
        }
        lines.append(row("phase", "bytes", "median ms", "MB/s"))
        lines.append(String(repeating: "-", count: widths.phase + widths.bytes + widths.ms + widths.mbs))
        for (phase, label) in Self.tableRows {
            lines.append(phaseRow(phase, label))
            if phase == .total { lines.append("") }
        }
        lines.append("")
        lines.append("for information (not part of the ratio):")
        for (phase, label) in Self.infoRows { lines.append(phaseRow(phase, label)) }
        lines.append("")
        let ratio = run.ratio
        lines.append("ratio total/floor: \(Format.fixed(ratio, 2)) (target < \(Format.fixed(Self.targetRatio, 1)): \(ratio < Self.targetRatio ? "met" : "NOT met"))")
        lines.append("stricter, for information: total/(floor parse of input + emit only) = \(Format.fixed(run.strictRatio, 2))")
        func mib(_ bytes: Int?) -> String { bytes.map { Format.fixed(Double($0) / 1_048_576, 1) + " MiB" } ?? "unavailable" }
        lines.append("peak RSS (VmHWM): \(mib(peak)) for the whole process; \(mib(run.enginePeakResidentBytes)) during the engine's parse, merge and emit")
        lines.append("MB/s is 10^6 bytes per second of the bytes column; every phase runs in memory, single-threaded.")
        return lines.joined(separator: "\n")
    }

    private func jsonReport(_ run: EngineRun, peak: Int?) -> String {
        let w = run.workload
        var root = JSONObject()
        root.set("benchmark", "engine")
        root.set("resources", w.resourceCount)
        root.set("repetitions", repetitions)
        root.set("seed", seed)
        root.set("build", Self.buildConfiguration)
        root.set("libyaml", LibYAMLFloor.version)

        var input = JSONObject()
        input.set("base_bytes", w.base.count)
        input.set("patch_bytes", w.patches.count)
        input.set("average_resource_bytes", w.averageResourceBytes, digits: 1)
        input.set("average_patch_bytes", w.averagePatchBytes, digits: 1)
        input.set("libyaml_events", run.inputEvents)
        root.set("input", input)

        var output = JSONObject()
        output.set("bytes", run.outputBytes)
        output.set("libyaml_events", run.outputEvents)
        output.set("floor_output_identical", run.floorOutputIsIdentical)
        root.set("output", output)

        var phases = JSONObject()
        for phase in EngineRun.Phase.allCases {
            let samples = run.samples[phase] ?? Samples()
            let bytes = run.bytes(of: phase)
            var p = JSONObject()
            p.set("bytes", bytes)
            p.set("median_ms", samples.median / 1e6)
            p.set("min_ms", samples.minimum / 1e6)
            p.set("max_ms", samples.maximum / 1e6)
            p.set("mb_per_s", Self.megabytesPerSecond(bytes: bytes, nanoseconds: samples.median), digits: 1)
            p.set("samples_ms", numbers: samples.nanoseconds.map { Double($0) / 1e6 })
            phases.set(phase.rawValue, p)
        }
        root.set("phases", phases)
        root.set("ratio", run.ratio)
        root.set("target_ratio", Self.targetRatio, digits: 1)
        root.set("target_met", run.ratio < Self.targetRatio)
        root.set("ratio_strict", run.strictRatio)
        if let peak { root.set("peak_rss_bytes", peak) } else { root.setNull("peak_rss_bytes") }
        if let p = run.enginePeakResidentBytes { root.set("engine_peak_rss_bytes", p) } else { root.setNull("engine_peak_rss_bytes") }
        return root.render()
    }
}
