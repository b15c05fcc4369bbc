/// The stack benchmark's targets (issue 7), checked against the figures of each run.
struct Target {
    enum Kind { case atMost, atLeast }

    var name: String
    var kind: Kind
    var limit: Double
    var unit: String
    /// Only at this number of environments (the absolute targets); nil: at every number.
    var environments: Int?
    var value: (StackResult) -> Double?

    static let all: [Target] = [
        Target(name: "render / floor", kind: .atMost, limit: 3, unit: "×", environments: nil) { r in
            ratio(r.milliseconds(.render), r.milliseconds(.floor))
        },
        Target(name: "kustomize per process / render", kind: .atLeast, limit: 50, unit: "×", environments: nil) { r in
            ratio(r.milliseconds(.kustomizeEach), r.milliseconds(.render))
        },
        Target(name: "kustomize aggregate / render", kind: .atLeast, limit: 10, unit: "×", environments: nil) { r in
            ratio(r.milliseconds(.kustomizeAll), r.milliseconds(.render))
        },
        Target(name: "git CLI / publish", kind: .atLeast, limit: 5, unit: "×", environments: nil) { r in
            ratio(r.milliseconds(.gitCLI), r.milliseconds(.publish))
        },
        Target(name: "publish beyond render", kind: .atMost, limit: 1000, unit: " ms", environments: 1000) { $0.milliseconds(.publish) },
        Target(name: "diff", kind: .atMost, limit: 3000, unit: " ms", environments: 1000) { $0.milliseconds(.diff) },
        Target(name: "diff, one environment / diff --full", kind: .atMost, limit: 0.10 * 100, unit: " %", environments: 1000) { r in
            ratio(r.milliseconds(.diffOneEnvironment), r.milliseconds(.diffFull)).map { $0 * 100 }
        },
        Target(name: "diff, one environment changed", kind: .atMost, limit: 150, unit: " ms", environments: 1000) { $0.milliseconds(.diffOneEnvironment) },
        Target(name: "set --selector tier=dev", kind: .atMost, limit: 1000, unit: " ms", environments: 1000) { $0.milliseconds(.setSelector) },
        Target(name: "Markdown, one default change", kind: .atMost, limit: 5000, unit: " chars", environments: 1000) { $0.markdownOneChange.map(Double.init) },
        Target(name: "Markdown, three tier groups", kind: .atMost, limit: 8000, unit: " chars", environments: 1000) { $0.markdownThreeGroups.map(Double.init) },
        Target(name: "peak memory", kind: .atMost, limit: 400, unit: " MiB", environments: 1000) { r in
            r.peakResident.map { Double($0) / 1_048_576 }
        },
    ]

    static func ratio(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return a / b
    }

    func applies(to r: StackResult) -> Bool { environments == nil || environments == r.environments }

    func met(_ x: Double) -> Bool { kind == .atMost ? x <= limit : x >= limit }

    var wanted: String { (kind == .atMost ? "≤ " : "≥ ") + Format.fixed(limit, 0) + unit }
}

/// Growth from the smallest to the largest run, per environment.
struct Growth {
    var phase: Phase
    /// Milliseconds per environment, by number of environments.
    var perEnvironment: [(environments: Int, milliseconds: Double)]

    /// Per-environment cost at the largest run over the cost at the middle (or smallest)
    /// run: near 1 is linear. The smallest run carries fixed costs (loading, warming
    /// caches) spread over few environments, so the comparison starts at the second run
    /// when there are three or more.
    var factor: Double? {
        guard perEnvironment.count >= 2 else { return nil }
        let from = perEnvironment.count >= 3 ? perEnvironment[perEnvironment.count - 2] : perEnvironment[0]
        let to = perEnvironment[perEnvironment.count - 1]
        return from.milliseconds > 0 ? to.milliseconds / from.milliseconds : nil
    }

    /// Linear within 25 %: noise on a shared two-core machine is about that.
    var linear: Bool? { factor.map { $0 <= 1.25 } }

    static func of(_ results: [StackResult]) -> [Growth] {
        // Not kustomize: its figures are scaled from samples, so linear by construction.
        [Phase.render, .floor, .publishRender, .publish, .publishNoop, .gitCLI, .diff].compactMap { phase in
            let points = results.compactMap { r in r.milliseconds(phase).map { (r.environments, $0 / Double(r.environments)) } }
            return points.isEmpty ? nil : Growth(phase: phase, perEnvironment: points)
        }
    }
}

/// Prints the results: a table per run, the targets, the growth curve and the checks; or
/// one JSON object.
struct StackReport {
    var results: [StackResult]
    var header: [(String, String)]
    var repetitions: Int

    var passed: Bool { results.allSatisfy(\.passed) }

    func text() -> String {
        var out = "gitops-weave-bench: the W&B Weave stack at " + results.map { Format.grouped($0.environments) }.joined(separator: ", ")
            + " environments; medians after a warm-up\n"
        for (k, v) in header { out += "  \(k): \(v)\n" }
        for r in results { out += "\n" + table(r) }
        out += "\ngrowth: milliseconds per environment at " + results.map { Format.grouped($0.environments) }.joined(separator: " / ") + "\n"
        for g in Growth.of(results) {
            let points = g.perEnvironment.map { Format.fixed($0.milliseconds, 3) }.joined(separator: " / ")
            let verdict = g.factor.map { "×\(Format.fixed($0, 2)) from the last two runs: " + (g.linear! ? "linear" : "NOT linear") } ?? ""
            out += "  " + Format.padRight(g.phase.label, 44) + Format.padRight(points, 30) + verdict + "\n"
        }
        out += "\n" + (passed ? "every check passed" : "CHECKS FAILED: the outputs do not agree") + "\n"
        return out
    }

    func table(_ r: StackResult) -> String {
        var out = "\(Format.grouped(r.environments)) environments: \(Format.grouped(r.resources)) resources, \(Format.grouped(r.outputFiles)) files, "
            + "\(Format.fixed(Double(r.outputBytes) / 1e6, 1)) MB written; source \(Format.grouped(r.inputFiles)) files, \(Format.fixed(Double(r.inputBytes) / 1e6, 2)) MB\n"
            + "  repetitions: \(r.inProcessRepetitions) of render, floor, publish and diff; \(repetitions) of the git CLI and kustomize processes\n"
        out += Format.padRight("figure", 44) + Format.padLeft("median", 12) + Format.padLeft("per env", 11) + Format.padLeft("cores", 7) + Format.padLeft("peak RSS", 11) + "\n"
        for phase in Phase.allCases {
            guard let m = r.median(phase) else { continue }
            let ms = Double(m.wallNanoseconds) / 1e6
            var label = phase.label
            if phase == .kustomizeEach, let n = r.kustomizeSampled, n < r.environments { label += " *" }
            if phase == .kustomizeAll, let n = r.kustomizeAggregated, n < r.environments { label += " †" }
            out += Format.padRight(label, 44) + Format.padLeft(Self.duration(ms), 12)
                + Format.padLeft(Format.fixed(ms / Double(r.environments), 3) + " ms", 11)
                + Format.padLeft(Format.fixed(m.cores, 2), 7)
                + Format.padLeft(m.peakResidentBytes.map { Format.fixed(Double($0) / 1_048_576, 0) + " MiB" } ?? "", 11) + "\n"
        }
        if let n = r.kustomizeSampled, n < r.environments {
            out += "  * \(n) of the \(Format.grouped(r.environments)) environments run as processes, two at a time, and scaled to all of them\n"
        }
        if let n = r.kustomizeAggregated, n < r.environments {
            out += "  † one build of \(n) environments, timed once and scaled linearly to \(Format.grouped(r.environments)) (kustomize grows faster than that)\n"
        }
        if let note = r.kustomizeNote { out += "  \(note)\n" }
        if r.publishedObjectBytes > 0 && r.gitCLIObjectBytes > 0 {
            out += "  object database after the first commit: publish \(Format.fixed(Double(r.publishedObjectBytes) / 1e6, 1)) MB (one delta-compressed pack), "
                + "git CLI \(Format.fixed(Double(r.gitCLIObjectBytes) / 1e6, 1)) MB (loose objects)\n"
        }
        if let peak = r.childrenPeakResident { out += "  largest child process so far (kustomize or git): \(Format.fixed(Double(peak) / 1_048_576, 0)) MiB\n" }
        out += "targets:\n"
        for t in Target.all where t.applies(to: r) {
            guard let x = t.value(r) else { continue }
            out += "  " + Format.padRight(t.name, 34) + Format.padLeft(Format.fixed(x, t.unit == "×" ? 1 : 0) + t.unit, 12)
                + "   target " + Format.padRight(t.wanted, 12) + " " + (t.met(x) ? "met" : "MISSED") + "\n"
        }
        if r.comparedEnvironments > 0 {
            out += "kustomize against gitops-weave, \(r.comparedEnvironments) environments: \(r.comparison.identical) of \(r.comparison.resources) resources identical, "
                + "\(r.comparison.resources - r.comparison.identical) differ where the tools' semantics differ:\n"
            for reason in OutputComparison.Reason.allCases {
                let found = r.comparison.differences.filter { $0.reason == reason }
                guard !found.isEmpty else { continue }
                let places = Set(found.map { "\($0.resource.split(separator: "/").first!) \($0.path)" }).sorted()
                out += "  \(found.count) × \(reason.rawValue): " + places.prefix(4).joined(separator: ", ") + (places.count > 4 ? ", …" : "") + "\n"
            }
            for d in r.comparison.unexplained.prefix(10) {
                out += "  unexplained: \(d.environment) \(d.resource) \(d.path)\n      gitops-weave: \(d.ours)\n      kustomize:    \(d.theirs)\n"
            }
        }
        out += "checks:\n"
        for c in r.checks { out += "  \(c.passed ? "ok    " : "FAILED") \(c.name): \(c.detail)\n" }
        return out
    }

    static func duration(_ ms: Double) -> String {
        ms >= 10_000 ? Format.fixed(ms / 1000, 1) + " s" : Format.fixed(ms, 1) + " ms"
    }

    func json() -> String {
        var root = JSONObject()
        var machine = JSONObject()
        for (k, v) in header { machine.set(k, v) }
        root.set("machine", machine)
        root.set("repetitions", repetitions)
        root.set("runs", results.map(run))
        var growth = JSONObject()
        for g in Growth.of(results) {
            var o = JSONObject()
            o.set("per_environment_ms", g.perEnvironment.map { p -> JSONObject in
                var point = JSONObject()
                point.set("environments", p.environments)
                point.set("ms", p.milliseconds, digits: 4)
                return point
            })
            if let f = g.factor { o.set("factor", f) } else { o.setNull("factor") }
            growth.set(g.phase.rawValue, o)
        }
        root.set("growth", growth)
        root.set("passed", passed)
        return root.render(indent: 0)
    }

    func run(_ r: StackResult) -> JSONObject {
        var o = JSONObject()
        o.set("environments", r.environments)
        o.set("in_process_repetitions", r.inProcessRepetitions)
        o.set("resources", r.resources)
        o.set("output_files", r.outputFiles)
        o.set("output_bytes", r.outputBytes)
        o.set("input_files", r.inputFiles)
        o.set("input_bytes", r.inputBytes)
        var phases = JSONObject()
        for phase in Phase.allCases {
            guard let m = r.median(phase) else { continue }
            var p = JSONObject()
            p.set("median_ms", Double(m.wallNanoseconds) / 1e6)
            p.set("per_environment_ms", Double(m.wallNanoseconds) / 1e6 / Double(r.environments), digits: 4)
            p.set("cores", m.cores, digits: 2)
            if let peak = m.peakResidentBytes { p.set("peak_rss_bytes", peak) }
            phases.set(phase.rawValue, p)
        }
        o.set("phases", phases)
        if let n = r.kustomizeSampled { o.set("kustomize_processes_sampled", n) }
        if let n = r.kustomizeAggregated { o.set("kustomize_aggregate_environments", n) }
        if let peak = r.peakResident { o.set("peak_rss_bytes", peak) }
        o.set("published_object_bytes", r.publishedObjectBytes)
        o.set("git_cli_object_bytes", r.gitCLIObjectBytes)
        var targets: [JSONObject] = []
        for t in Target.all where t.applies(to: r) {
            guard let x = t.value(r) else { continue }
            var j = JSONObject()
            j.set("target", t.name)
            j.set("value", x)
            j.set("wanted", t.wanted)
            j.set("met", t.met(x))
            targets.append(j)
        }
        o.set("targets", targets)
        var comparison = JSONObject()
        comparison.set("environments", r.comparedEnvironments)
        comparison.set("resources", r.comparison.resources)
        comparison.set("identical", r.comparison.identical)
        for reason in OutputComparison.Reason.allCases {
            comparison.set(reason.jsonKey, r.comparison.differences.filter { $0.reason == reason }.count)
        }
        o.set("kustomize_comparison", comparison)
        o.set("checks", r.checks.map { c -> JSONObject in
            var j = JSONObject()
            j.set("name", c.name)
            j.set("passed", c.passed)
            j.set("detail", c.detail)
            return j
        })
        return o
    }
}
