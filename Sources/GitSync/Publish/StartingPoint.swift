import CGit2
import Foundation
import Overlays
import YAMLModel

/// Which commit a publish builds on, from the local branch and the remote's.
///
/// A publish never makes a local commit unreachable. The policy, for a local branch L and
/// the remote's branch R (when pushing):
/// - neither exists: a new history;
/// - only one exists, or they are the same commit: build on it;
/// - R descends from L: build on R (the local branch fast-forwards);
/// - L descends from R: build on L, so its commits the remote lacks are pushed too;
/// - they diverged, or share no history: refuse, naming both tips.
///
/// Without a push, a missing local branch starts from the remote-tracking branch
/// (`origin/rendered`), as `git switch rendered` would.
public enum StartingPoint: Equatable, Sendable {
    case newHistory
    case local(ObjectID)
    case remote(ObjectID)
    case diverged(local: ObjectID, remote: ObjectID, related: Bool)

    /// The commit to build on, when there is one to use.
    var tip: ObjectID? {
        switch self {
        case .newHistory, .diverged: return nil
        case .local(let id), .remote(let id): return id
        }
    }

    /// The policy above. `descends(a, b)` says whether `a` has `b` in its history (not
    /// being `b`);
    /// `related(a, b)` whether the two share any commit.
    static func choose(local: ObjectID?, remote: ObjectID?,
                       descends: (ObjectID, ObjectID) throws -> Bool,
                       related: (ObjectID, ObjectID) throws -> Bool) rethrows -> StartingPoint {
        switch (local, remote) {
        case (nil, nil): return .newHistory
        case (let l?, nil): return .local(l)
        case (nil, let r?): return .remote(r)
        case (let l?, let r?):
            if try l == r || descends(r, l) { return .remote(r) }
            if try descends(l, r) { return .local(l) }
            return .diverged(local: l, remote: r, related: try related(l, r))
        }
    }
}

/// A publish that would lose commits, refused before anything moved.
struct DivergedBranches {
    var branch: String
    var remote: String
    var local: ObjectID
    var remoteTip: ObjectID
    var related: Bool

    var diagnostic: Diagnostic {
        let how = related ? "have diverged" : "share no history"
        return .error(at: nil, "the local branch \(branch) (\(local.hex)) and \(branch) on \(remote) (\(remoteTip.hex)) \(how); nothing was published",
                      hint: "to build on \(remote)'s, keep yours under another name (git branch -m \(branch) \(branch)-local) and publish again; "
                          + "to keep yours, replace the remote's (git push --force-with-lease \(remote) \(branch)) and publish again")
    }
}

extension Repository {
    /// How many commits `a` has that `b` lacks.
    func commitsAhead(_ a: ObjectID, of b: ObjectID) throws -> Int {
        var ahead = 0, behind = 0
        var x = a.raw, y = b.raw
        try GitError.check(git_graph_ahead_behind(&ahead, &behind, handle, &x, &y), "count the commits between \(a.short) and \(b.short)")
        return ahead
    }

    /// Whether two commits share any history.
    func related(_ a: ObjectID, _ b: ObjectID) throws -> Bool {
        do {
            _ = try mergeBase(a, b)
            return true
        } catch let error as GitError where error.code == GIT_ENOTFOUND.rawValue {
            return false
        }
    }

    /// The configured remotes' names, sorted.
    public func remoteNames() -> [String] {
        var list = git_strarray()
        guard git_remote_list(&list, handle) == 0 else { return [] }
        defer { git_strarray_dispose(&list) }
        return (0..<list.count).compactMap { list.strings[$0].map { String(cString: $0) } }.sorted()
    }

    /// When a remote-tracking branch was last fetched: the last fetch (FETCH_HEAD), else
    /// the reference's reflog, else when its file (or packed-refs, as a clone writes it)
    /// was written. Nil when none says.
    public func lastFetch(of reference: String) -> Date? {
        func modified(_ path: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        }
        let git = gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/"
        if let date = modified(git + "FETCH_HEAD") { return date }
        var log: OpaquePointer?
        if git_reflog_read(&log, handle, reference) == 0 {
            defer { git_reflog_free(log) }
            if git_reflog_entrycount(log) > 0, let entry = git_reflog_entry_byindex(log, 0),
               let committer = git_reflog_entry_committer(entry) {
                return Date(timeIntervalSince1970: TimeInterval(committer.pointee.when.time))
            }
        }
        return modified(git + reference) ?? modified(git + "packed-refs")
    }

    /// The remote-tracking branch a missing local `branch` would start from, as `git
    /// switch` picks it: `<preferred>/<branch>` if it exists, else the one remote that has
    /// the branch. Nil when none or several do.
    public func trackingBranch(for branch: String, preferring preferred: String?) throws -> (remote: String, reference: String, tip: ObjectID)? {
        let remotes = remoteNames()
        var found: [(String, String, ObjectID)] = []
        for remote in remotes {
            let ref = "refs/remotes/\(remote)/\(branch)"
            if let tip = try resolve(ref) { found.append((remote, ref, tip)) }
        }
        if let preferred, let match = found.first(where: { $0.0 == preferred }) { return match }
        return found.count == 1 ? found[0] : nil
    }
}

/// How long ago, in words: "3 minutes ago", "2 days ago".
enum Age {
    static func describe(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let (value, unit): (Int, String)
        switch seconds {
        case ..<60: return "just now"
        case ..<3600: (value, unit) = (seconds / 60, "minute")
        case ..<86_400: (value, unit) = (seconds / 3600, "hour")
        default: (value, unit) = (seconds / 86_400, "day")
        }
        return "\(value) \(unit)\(value == 1 ? "" : "s") ago"
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
