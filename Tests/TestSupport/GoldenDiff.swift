/// A unified diff of two texts, as `diff -u` prints it, for the message of a failed golden
/// comparison: `---`/`+++` headers, `@@ -a,b +c,d @@` hunks with `context` lines around each
/// change, `\ No newline at end of file` after a last line without one. The edit script is
/// the standard library's `CollectionDifference` of the lines (`actual.difference(from:
/// expected)`).
public enum GoldenDiff {
    /// The diff from `expected` to `actual`, headed `--- expected/<name>` and
    /// `+++ actual/<name>`; empty when the texts are equal.
    public static func unified(expected: String, actual: String, name: String, context: Int = 3) -> String {
        guard expected != actual else { return "" }
        let old = lines(expected), new = lines(actual)
        let difference = new.difference(from: old)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }

        // The edit script in order: within a change, removals before insertions.
        var edits: [Edit] = []
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, removed.contains(i) {
                edits.append(Edit(kind: .removed, line: old[i], old: i, new: j))
                i += 1
            } else if j < new.count, inserted.contains(j) {
                edits.append(Edit(kind: .inserted, line: new[j], old: i, new: j))
                j += 1
            } else {
                edits.append(Edit(kind: .same, line: old[i], old: i, new: j))
                i += 1
                j += 1
            }
        }

        // Hunks: each change with `context` lines either side; hunks whose context would
        // touch or overlap are one.
        var ranges: [Range<Int>] = []
        for (index, edit) in edits.enumerated() where edit.kind != .same {
            let lower = max(0, index - context), upper = min(edits.count, index + context + 1)
            if let last = ranges.last, lower <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, upper)
            } else {
                ranges.append(lower..<upper)
            }
        }

        var out = ["--- expected/\(name)", "+++ actual/\(name)"]
        for range in ranges {
            let hunk = edits[range]
            let oldCount = hunk.filter { $0.kind != .inserted }.count
            let newCount = hunk.filter { $0.kind != .removed }.count
            let first = hunk[hunk.startIndex]
            out.append("@@ -\(span(first.old, oldCount)) +\(span(first.new, newCount)) @@")
            for edit in hunk {
                let sign = edit.kind == .same ? " " : edit.kind == .removed ? "-" : "+"
                out.append(sign + edit.line.text)
                if !edit.line.terminated { out.append("\\ No newline at end of file") }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// One line, and whether a newline ends it (only the last line of a text may lack one).
    struct Line: Hashable {
        var text: Substring
        var terminated: Bool
    }

    struct Edit {
        enum Kind { case same, removed, inserted }
        var kind: Kind
        var line: Line
        /// The 0-based positions in the old and the new text where the edit stands.
        var old: Int
        var new: Int
    }

    static func lines(_ text: String) -> [Line] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        let terminated = text.hasSuffix("\n") || text.isEmpty
        if text.isEmpty || text.hasSuffix("\n") { parts.removeLast() }
        return parts.enumerated().map { index, part in
            Line(text: part, terminated: index < parts.count - 1 || terminated)
        }
    }

    /// `start,count` as diff writes it: a count of 1 is left out, and an empty range names
    /// the line before it.
    static func span(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: return "\(start),0"
        case 1: return "\(start + 1)"
        default: return "\(start + 1),\(count)"
        }
    }
}
