import MergeEngine
import YAMLModel

/// A line diff with context, in the unified format, computed with the standard library's
/// `CollectionDifference`.
public struct UnifiedDiff: Sendable {
    public enum Line: Sendable, Equatable {
        case context(String)
        case removed(String)
        case added(String)
    }

    public struct Hunk: Sendable {
        public var oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        public var lines: [Line]

        public var header: String { "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" }
    }

    public var hunks: [Hunk]

    public init(old: [String], new: [String], context: Int = 3) {
        // Walk both sides with the difference's offsets to get one aligned edit script.
        let difference = new.difference(from: old).inferringMoves()
        var removedAt = Set<Int>(), insertedAt = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removedAt.insert(offset)
            case .insert(let offset, _, _): insertedAt.insert(offset)
            }
        }
        var script: [(Line, Int, Int)] = [] // line, old index, new index (both 0-based positions before the line)
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, removedAt.contains(i) {
                script.append((.removed(old[i]), i, j)); i += 1
            } else if j < new.count, insertedAt.contains(j) {
                script.append((.added(new[j]), i, j)); j += 1
            } else if i < old.count, j < new.count {
                script.append((.context(old[i]), i, j)); i += 1; j += 1
            } else if i < old.count {
                script.append((.removed(old[i]), i, j)); i += 1
            } else {
                script.append((.added(new[j]), i, j)); j += 1
            }
        }
        // Group changes with `context` lines around them into hunks.
        var hunks: [Hunk] = []
        let changed = script.indices.filter { if case .context = script[$0].0 { return false } else { return true } }
        var k = 0
        while k < changed.count {
            let start = max(0, changed[k] - context)
            var end = min(script.count - 1, changed[k] + context)
            k += 1
            while k < changed.count, changed[k] - context <= end + 1 {
                end = min(script.count - 1, changed[k] + context)
                k += 1
            }
            let slice = script[start...end]
            let oldCount = slice.filter { if case .added = $0.0 { return false } else { return true } }.count
            let newCount = slice.filter { if case .removed = $0.0 { return false } else { return true } }.count
            hunks.append(Hunk(oldStart: oldCount == 0 ? slice.first!.1 : slice.first!.1 + 1, oldCount: oldCount,
                              newStart: newCount == 0 ? slice.first!.2 : slice.first!.2 + 1, newCount: newCount,
                              lines: slice.map(\.0)))
        }
        self.hunks = hunks
    }

    public var isEmpty: Bool { hunks.isEmpty }

    /// The hunks as text, one line each, with `+`, `-` and ` ` prefixes.
    public func text(color: Bool = false) -> String {
        var out = ""
        for h in hunks {
            out += color ? "\u{1B}[36m\(h.header)\u{1B}[0m\n" : h.header + "\n"
            for line in h.lines {
                switch line {
                case .context(let s): out += " " + s + "\n"
                case .removed(let s): out += color ? "\u{1B}[31m-\(s)\u{1B}[0m\n" : "-" + s + "\n"
                case .added(let s): out += color ? "\u{1B}[32m+\(s)\u{1B}[0m\n" : "+" + s + "\n"
                }
            }
        }
        return out
    }
}
