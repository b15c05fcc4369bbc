import Foundation

/// Git trailers (`Key: value` lines in a message's last paragraph), as publish writes them:
/// Source-Commit, Source-Repository, Environments, Rendered-By, Source-Dirty, Co-authored-by.
public struct CommitTrailers: Sendable, Equatable {
    public var entries: [Entry]

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    /// Reads the message's last paragraph when every line of it is a trailer (a line
    /// starting with whitespace continues the one before, as git folds them); otherwise
    /// there are none.
    public init(message: String) {
        let paragraphs = message.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }
            .filter { !$0.isEmpty }
        entries = []
        // The subject alone is never a trailer block.
        guard paragraphs.count >= 2, let last = paragraphs.last else { return }
        var parsed: [Entry] = []
        for line in last.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first == " " || first == "\t", !parsed.isEmpty {
                parsed[parsed.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { return }
            let key = line[..<colon]
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return }
            parsed.append(Entry(key: String(key), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        entries = parsed
    }

    /// Every value of a key (compared case-insensitively, as git does).
    public func values(_ key: String) -> [String] {
        entries.filter { $0.key.lowercased() == key.lowercased() }.map(\.value)
    }

    public func first(_ key: String) -> String? { values(key).first }
}

extension CommitTrailers {
    /// A time as trailers and reports write it: ISO 8601 in UTC (`2026-12-03T07:18:08Z`).
    public static func date(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Reads what `date` writes.
    public static func time(from text: String) -> Int64? {
        ISO8601DateFormatter().date(from: text).map { Int64($0.timeIntervalSince1970) }
    }
}
