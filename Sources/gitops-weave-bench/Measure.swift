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
