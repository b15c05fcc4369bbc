/// Substring tests over UTF-8 bytes. Foundation's `StringProtocol.contains(_:)` bridges to
/// NSString for every call; on render's hot paths (every key and string of every
/// environment) that cost more than the merge itself.
extension StringProtocol {
    /// Whether `needle` occurs in the string, comparing bytes (no Unicode normalisation:
    /// right for keys, placeholders and ASCII markers).
    // Inlinable so that callers in other modules get it specialised for their string type;
    // called generically, every byte went through the Collection witness table.
    @inlinable
    public func containsBytes(_ needle: String) -> Bool {
        containsBytes(Array(needle.utf8))
    }

    @inlinable
    public func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { TextSearch.contains($0, needle) }
            ?? Array(utf8).withUnsafeBufferPointer { TextSearch.contains($0, needle) }
    }
}

/// The search itself: over a byte buffer, not generic, so it is compiled once, optimised,
/// whichever module calls it.
public enum TextSearch {
    public static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        let last = haystack.count - needle.count
        var i = 0
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
