#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock time in nanoseconds.
@inline(never)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `body` and returns its result and how long it took, in nanoseconds.
@inline(__always)
func timed<T>(_ body: () throws -> T) rethrows -> (result: T, nanoseconds: UInt64) {
    let start = monotonicNanoseconds()
    let result = try body()
    let end = monotonicNanoseconds()
    return (result, end - start)
}

/// Keeps results observable so that the optimiser cannot drop the work that made them.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// The samples of one phase, one per repetition.
struct Samples {
    var nanoseconds: [UInt64] = []

    mutating func add(_ ns: UInt64) { nanoseconds.append(ns) }

    /// The median; for an even count, the mean of the two middle samples.
    var median: Double {
        let s = nanoseconds.sorted()
        guard !s.isEmpty else { return 0 }
        if s.count % 2 == 1 { return Double(s[s.count / 2]) }
        return (Double(s[s.count / 2 - 1]) + Double(s[s.count / 2])) / 2
    }

    var minimum: Double { Double(nanoseconds.min() ?? 0) }
    var maximum: Double { Double(nanoseconds.max() ?? 0) }
}

/// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, by writing "5" to
/// /proc/self/clear_refs (Linux 4.0 and later). Returns false where that is not possible.
@discardableResult
func resetPeakResident() -> Bool {
    #if os(Linux)
    guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
    let ok = fputs("5", f) >= 0
    return fclose(f) == 0 && ok
    #else
    return false
    #endif
}

/// The process's peak resident set size in bytes: `VmHWM` from /proc/self/status on Linux,
/// `ru_maxrss` elsewhere.
func peakResidentBytes() -> Int? {
    #if os(Linux)
    if let f = fopen("/proc/self/status", "r") {
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            if text.hasPrefix("VmHWM:") {
                let digits = text.dropFirst("VmHWM:".count).filter { $0.isNumber }
                if let kb = Int(digits) { return kb * 1024 }
            }
        }
    }
    return nil
    #else
    var usage = rusage()
    guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
    return Int(usage.ru_maxrss)  // bytes on Darwin
    #endif
}

/// CPU time used so far, by this process and by the children it has waited for.
struct CPUTime {
    var ownNanoseconds: UInt64
    var childrenNanoseconds: UInt64
    /// The largest resident set of any child waited for so far (Linux: kilobytes → bytes).
    var childrenPeakResident: Int

    static func now() -> CPUTime {
        var own = rusage(), children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        func ns(_ u: rusage) -> UInt64 {
            UInt64(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1_000_000_000 + UInt64(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1_000
        }
        return CPUTime(ownNanoseconds: ns(own), childrenNanoseconds: ns(children), childrenPeakResident: Int(children.ru_maxrss) * 1024)
    }
}

/// One timed run of a phase: wall time, CPU time (own, or of the child processes), and
/// this process's peak resident memory during it.
struct PhaseSample {
    var wallNanoseconds: UInt64
    var cpuNanoseconds: UInt64
    var peakResidentBytes: Int?

    /// CPU time over wall time: how many cores the phase kept busy.
    var cores: Double { wallNanoseconds == 0 ? 0 : Double(cpuNanoseconds) / Double(wallNanoseconds) }
}

/// Times `body`, resetting the peak-RSS mark first. `children` counts the CPU time of child
/// processes (kustomize, git) instead of this process's own.
func measure<T>(children: Bool = false, _ body: () throws -> T) rethrows -> (result: T, sample: PhaseSample) {
    resetPeakResident()
    let before = CPUTime.now()
    let (result, ns) = try timed(body)
    let after = CPUTime.now()
    let cpu = children ? after.childrenNanoseconds - before.childrenNanoseconds : after.ownNanoseconds - before.ownNanoseconds
    return (result, PhaseSample(wallNanoseconds: ns, cpuNanoseconds: cpu, peakResidentBytes: children ? nil : peakResidentBytes()))
}

extension Array where Element == PhaseSample {
    /// The median sample of a phase's repetitions: median wall time and CPU time, the
    /// highest peak RSS.
    var median: PhaseSample? {
        guard !isEmpty else { return nil }
        var walls = Samples(), cpus = Samples()
        for s in self { walls.add(s.wallNanoseconds); cpus.add(s.cpuNanoseconds) }
        return PhaseSample(wallNanoseconds: UInt64(walls.median), cpuNanoseconds: UInt64(cpus.median),
                           peakResidentBytes: compactMap(\.peakResidentBytes).max())
    }
}
