import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// One run of the engine benchmark: the engine's three phases and libyaml's floor, measured
/// in the same process on the same bytes, repetition after repetition.
struct EngineRun {
    enum Phase: String, CaseIterable {
        case parse, merge, emit, total
        case floorParse = "floor_parse"
        case floorParseEmit = "floor_parse_emit"
        case floor
        case floorEmitOnly = "floor_emit_only"
        case floorParseOutput = "floor_parse_output"
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let workload: Workload
    let repetitions: Int
    var samples: [Phase: Samples] = [:]
    /// The engine's output, from the warm-up; every repetition must reproduce it.
    var output: [UInt8] = []
    /// What libyaml wrote when it re-emitted the engine's output.
    var floorOutput: [UInt8] = []
    /// Events libyaml reads from the input (base and patches) and from the output.
    var inputEvents = 0
    var outputEvents = 0
    /// Peak RSS while the engine ran the warm-up (input resident, trees built, output
    /// written), with the kernel's mark reset just before; nil where it cannot be reset.
    var enginePeakResidentBytes: Int?

    init(workload: Workload, repetitions: Int) {
        self.workload = workload
        self.repetitions = repetitions
    }

    var inputBytes: Int { workload.base.count + workload.patches.count }
    var outputBytes: Int { output.count }

    /// The bytes a phase reads or writes, for its throughput.
    func bytes(of phase: Phase) -> Int {
        switch phase {
        case .parse, .merge, .floorParse: return inputBytes
        case .emit, .floorParseEmit, .floorEmitOnly, .floorParseOutput: return outputBytes
        case .total, .floor: return inputBytes + outputBytes
        }
    }

    var floorOutputIsIdentical: Bool { floorOutput == output }

    /// total / floor, from the medians of the per-repetition sums.
    var ratio: Double {
        let floor = samples[.floor]?.median ?? 0
        return floor > 0 ? (samples[.total]?.median ?? 0) / floor : .infinity
    }

    /// total / (floor_parse + floor_emit_only): against a floor that does not parse the
    /// output again before emitting it. For information; medians of per-repetition sums.
    var strictRatio: Double {
        guard let total = samples[.total], let parse = samples[.floorParse], let emit = samples[.floorEmitOnly] else { return .infinity }
        var strict = Samples()
        for (p, e) in zip(parse.nanoseconds, emit.nanoseconds) { strict.add(p + e) }
        return strict.median > 0 ? total.median / strict.median : .infinity
    }

    /// One warm-up repetition (checked, not recorded), then `repetitions` recorded ones.
    mutating func run(progress: (String) -> Void) throws {
        for repetition in 0...repetitions {
            let warmUp = repetition == 0
            progress(warmUp ? "warm-up" : "repetition \(repetition) of \(repetitions)")
            try runOnce(record: !warmUp)
        }
    }

    private mutating func record(_ phase: Phase, _ ns: UInt64) {
        samples[phase, default: Samples()].add(ns)
    }

    private mutating func runOnce(record shouldRecord: Bool) throws {
        // The engine's trees are freed when runEngine returns, before the floor's clock
        // starts: teardown is timed in neither.
        let (parseNS, mergeNS, emitNS) = try runEngine()

        // MARK: The floor, on the same bytes.
        let (inputEvents, floorParseNS) = try timed {
            try LibYAMLFloor.parse(workload.base) + LibYAMLFloor.parse(workload.patches)
        }
        let (floorOutput, floorParseEmitNS) = try timed {
            try LibYAMLFloor.parseAndEmit(output)
        }

        // MARK: For information: the floor's second part, split into parse and emit.
        let (outputEvents, floorParseOutputNS) = try timed { try LibYAMLFloor.parse(output) }
        let events = try LibYAMLFloor.events(output)
        let (emitOnlyOutput, floorEmitOnlyNS) = try timed {
            try LibYAMLFloor.emit(consuming: events)
        }
        blackHole(emitOnlyOutput.count)

        if self.floorOutput.isEmpty {
            self.floorOutput = floorOutput
            self.inputEvents = inputEvents
            self.outputEvents = outputEvents
        }

        guard shouldRecord else { return }
        record(.parse, parseNS)
        record(.merge, mergeNS)
        record(.emit, emitNS)
        record(.total, parseNS + mergeNS + emitNS)
        record(.floorParse, floorParseNS)
        record(.floorParseEmit, floorParseEmitNS)
        record(.floor, floorParseNS + floorParseEmitNS)
        record(.floorParseOutput, floorParseOutputNS)
        record(.floorEmitOnly, floorEmitOnlyNS)
    }

    /// Parses, merges and emits once; returns the three phase times in nanoseconds. The
    /// first call keeps the output and checks the merge, later ones check that the output
    /// did not change.
    private mutating func runEngine() throws -> (parse: UInt64, merge: UInt64, emit: UInt64) {
        var baseBytes = workload.base
        var patchBytes = workload.patches
        let parser = YAMLParser()
        let measurePeak = output.isEmpty && resetPeakResident()

        let (documents, parseNS) = try timed { () throws -> (base: [Node], patches: [Node]) in
            let base = try parser.parseStream(bytes: &baseBytes, file: "base.yaml")
            let patches = try parser.parseStream(bytes: &patchBytes, file: "patches.yaml")
            return (base, patches)
        }

        let (patcher, mergeNS) = try timed { () throws -> ResourcePatcher in
            var patcher = ResourcePatcher(resources: try Resource.load(documents.base), registry: SchemaRegistry(adding: [WeaveStack().mergeTypes]))
            for patch in documents.patches where !patch.isNull {
                try patcher.applyStrategic(patch)
            }
            return patcher
        }

        let (text, emitNS) = timed { YAMLEmitter().emitStream(patcher.resources.map(\.node)) }
        if measurePeak { enginePeakResidentBytes = peakResidentBytes() }

        // Nothing is freed inside the timed regions above.
        withExtendedLifetime((documents, patcher, text)) {}

        if output.isEmpty {
            try verify(patcher)
            output = Array(text.utf8)
        } else if text.utf8.count != output.count || !text.utf8.elementsEqual(output) {
            throw Failure(description: "the engine's output changed between repetitions (\(output.count) then \(text.utf8.count) bytes)")
        }
        return (parseNS, mergeNS, emitNS)
    }

    /// Checks, once, that the merge did what the patches say: every resource is there, with
    /// the patched replica count and server image.
    private func verify(_ patcher: ResourcePatcher) throws {
        let resources = patcher.resources
        guard resources.count == workload.resourceCount else {
            throw Failure(description: "expected \(workload.resourceCount) merged resources, found \(resources.count)")
        }
        for (i, r) in resources.enumerated() {
            let replicas = r.node["spec"]?["replicas"]?.scalar?.intValue
            guard replicas == workload.expectedReplicas[i] else {
                throw Failure(description: "\(r.id): replicas is \(replicas.map(String.init) ?? "missing"), the patch set \(workload.expectedReplicas[i])")
            }
            let server = r.node["spec"]?["template"]?["spec"]?["containers"]?.sequence?.first { $0["name"]?.stringValue == "server" }
            guard let image = server?["image"]?.stringValue, image == workload.expectedImages[i] else {
                throw Failure(description: "\(r.id): the server image was not patched to \(workload.expectedImages[i])")
            }
        }
    }
}
