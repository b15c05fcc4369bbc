/// Prints the kustomize benchmark: one table per workload, kubectl and gitops-weave in
/// adjacent columns, then the outputs' comparison; or one JSON object.
struct KustomizeReport {
    var workloads: [WorkloadResult]
    var header: [(String, String)]
    var repetitions: Int
    /// Mismatches listed per workload; the count is always complete.
    var listed = 5

    static let target = 50.0

    var mismatches: Int { workloads.reduce(0) { $0 + $1.mismatches.count } }
    var passed: Bool { mismatches == 0 }

    static let gitopsWeaveModes: [BuildMode] = [.process, .oneProcess, .inProcess, .inProcessAllCores]

    func text() -> String {
        var out = "gitops-weave-bench kustomize: gitops-weave build against kubectl kustomize; medians after a warm-up\n"
        for (k, v) in header { out += "  \(k): \(v)\n" }
        for w in workloads { out += "\n" + table(w) }
        out += "\n" + (passed ? "every output agrees: 0 mismatches" : "OUTPUTS DIFFER: \(mismatches) mismatches") + "\n"
        return out
    }

    func table(_ w: WorkloadResult) -> String {
        var out = w.title + "\n"
        guard w.builds > 0 else { return out + w.notes.map { "  \($0)\n" }.joined() }
        out += "  repetitions: \(repetitions) of the processes, \(w.inProcessRepetitions) in process\n"
        out += Format.padRight("", 24) + Format.padRight("   kubectl kustomize", 33) + "   gitops-weave build\n"
        out += Format.padRight("gitops-weave", 24) + columns("wall", "per build", "peak RSS") + "  " + columns("wall", "per build", "peak RSS")
            + Format.padLeft("speed-up", 10) + "   target ≥ \(Format.fixed(Self.target, 0))×\n"
        let kubectl = cells(w, .kubectl, mark: (w.kubectlSampled ?? w.builds) < w.builds ? " *" : "")
        for mode in Self.gitopsWeaveModes {
            guard w.median(mode) != nil else { continue }
            let ratio = w.speedUp(mode)
            out += Format.padRight(mode.label, 24) + kubectl + "  " + cells(w, mode, mark: "")
                + Format.padLeft(ratio.map { Format.fixed($0, 1) + "×" } ?? "–", 10)
                + "   " + (ratio.map { $0 >= Self.target ? "met" : "MISSED" } ?? "no kubectl") + "\n"
        }
        for note in w.notes { out += "  \(note)\n" }
        out += "  one process, all builds: `gitops-weave build -o OUT DIR...` with every directory, built on every core\n"
        out += "  processes: one per build, as many at a time as there are cores, for both tools; peak RSS: the largest of "
            + "\(min(w.kubectlSampled ?? w.builds, KustomizeRun.rssSample)) builds run once under /usr/bin/time; in process: this process's peak\n"
        out += "outputs: \(w.compared) builds compared as YAML documents in order, \(w.mismatches.count) mismatches\n"
        for m in w.mismatches.prefix(listed) { out += "  MISMATCH \(m.build): \(m.detail)\n" }
        if w.mismatches.count > listed { out += "  … and \(w.mismatches.count - listed) more\n" }
        return out
    }

    private func columns(_ a: String, _ b: String, _ c: String) -> String {
        Format.padLeft(a, 11) + Format.padLeft(b, 11) + Format.padLeft(c, 11)
    }

    private func cells(_ w: WorkloadResult, _ mode: BuildMode, mark: String) -> String {
        guard let ms = w.milliseconds(mode) else { return columns("–", "–", "–") }
        return columns(StackReport.duration(ms) + mark, Format.fixed(ms / Double(w.builds), 3) + " ms",
                       w.peakResident(mode).map { Format.fixed(Double($0) / 1_048_576, 0) + " MiB" } ?? "")
    }

    func json() -> String {
        var root = JSONObject()
        var machine = JSONObject()
        for (k, v) in header { machine.set(k, v) }
        root.set("machine", machine)
        root.set("repetitions", repetitions)
        root.set("workloads", workloads.map(workload))
        root.set("mismatches", mismatches)
        root.set("passed", passed)
        return root.render(indent: 0)
    }

    func workload(_ w: WorkloadResult) -> JSONObject {
        var o = JSONObject()
        o.set("name", w.key)
        o.set("builds", w.builds)
        if let n = w.kubectlSampled { o.set("kubectl_sampled", n) } else { o.setNull("kubectl_sampled") }
        o.set("in_process_repetitions", w.inProcessRepetitions)
        var modes = JSONObject()
        for mode in BuildMode.allCases {
            guard let ms = w.milliseconds(mode) else { continue }
            var m = JSONObject()
            m.set("median_ms", ms)
            m.set("per_build_ms", ms / Double(w.builds), digits: 4)
            if let peak = w.peakResident(mode) { m.set("peak_rss_bytes", peak) }
            if let ratio = w.speedUp(mode), mode != .kubectl { m.set("speed_up", ratio, digits: 1) }
            modes.set(mode.rawValue, m)
        }
        o.set("modes", modes)
        o.set("compared", w.compared)
        o.set("mismatches", w.mismatches.count)
        o.set("mismatch_examples", w.mismatches.prefix(listed).map { m -> JSONObject in
            var j = JSONObject()
            j.set("build", m.build)
            j.set("detail", m.detail)
            return j
        })
        o.set("notes", w.notes.joined(separator: "\n"))
        return o
    }
}
