import CGit2

/// A git object id (SHA-1), as libgit2's `git_oid`.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    var raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        var oid = git_oid()
        guard hex.utf8.count == Int(GIT_OID_HEXSZ), git_oid_fromstr(&oid, hex) == 0 else { return nil }
        raw = oid
    }

    public var hex: String {
        var copy = raw
        var out = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
        git_oid_tostr(&out, out.count, &copy)
        return String(cString: out)
    }

    public var short: String { String(hex.prefix(7)) }
    public var description: String { hex }

    public static func == (a: ObjectID, b: ObjectID) -> Bool {
        var x = a.raw, y = b.raw
        return git_oid_equal(&x, &y) != 0
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw) { hasher.combine(bytes: $0) }
    }
}
