/// Substring tests over UTF-8 bytes. Foundation's `StringProtocol.contains(_:)` bridges to
/// NSString for every call; on render's hot paths (every key and string of every
/// environment) that cost more than the merge itself.
extension StringProtocol {
    /// Whether `needle` occurs in the string, comparing bytes (no Unicode normalisation:
    /// right for keys, placeholders and ASCII markers).
    public func containsBytes(_ needle: String) -> Bool {
        containsBytes(Array(needle.utf8))
    }

    public func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { Self.search($0, needle) } ?? Self.search(Array(utf8), needle)
    }

    private static func search<C: RandomAccessCollection>(_ haystack: C, _ needle: [UInt8]) -> Bool where C.Element == UInt8, C.Index == Int {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        let last = haystack.endIndex - needle.count
        var i = haystack.startIndex
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
