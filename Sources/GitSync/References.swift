import CGit2
import Foundation

/// Why a reference update did not happen.
public enum ReferenceUpdateError: Error, CustomStringConvertible {
    /// Someone else moved the reference first; nothing was overwritten.
    case moved(name: String, expected: ObjectID?, actual: ObjectID?)
    /// Another process holds the reference's lock file.
    case locked(name: String, detail: String)

    public var description: String {
        switch self {
        case .moved(let name, let expected, let actual):
            return "\(name) moved from \(expected?.short ?? "nothing") to \(actual?.short ?? "nothing") while this run worked"
        case .locked(let name, let detail):
            return "\(name) is locked by another writer: \(detail)"
        }
    }
}

extension Repository {
    /// The object a reference points at, or nil when it does not exist.
    public func resolve(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(result, "resolve \(name)")
        return ObjectID(oid)
    }

    /// Moves a reference from `expected` to `new`, only if it still points at `expected`
    /// (nil: only if it does not exist). A concurrent writer is never overwritten.
    public func updateReference(_ name: String, to new: ObjectID, expected: ObjectID?, message: String) throws {
        var ref: OpaquePointer?
        var target = new.raw
        let result: Int32
        // An all-zero expected id means "must not exist", checked under the reference's lock.
        // (git_reference_create without force checks before taking the lock, so two
        // creators racing can both succeed, the second overwriting the first.)
        var old = expected?.raw ?? git_oid()
        result = git_reference_create_matching(&ref, handle, name, &target, 1, &old, message)
        if ref != nil { git_reference_free(ref) }
        try classifyUpdate(result, name: name, expected: expected)
    }

    /// Deletes a reference, only if it still points at `expected`.
    public func deleteReference(_ name: String, expected: ObjectID) throws {
        var ref: OpaquePointer?
        let lookup = git_reference_lookup(&ref, handle, name)
        if lookup == GIT_ENOTFOUND.rawValue { throw ReferenceUpdateError.moved(name: name, expected: expected, actual: nil) }
        try GitError.check(lookup, "look up \(name)")
        defer { git_reference_free(ref) }
        guard let target = git_reference_target(ref), ObjectID(target.pointee) == expected else {
            throw ReferenceUpdateError.moved(name: name, expected: expected, actual: git_reference_target(ref).map { ObjectID($0.pointee) })
        }
        try classifyUpdate(git_reference_delete(ref), name: name, expected: expected)
    }

    private func classifyUpdate(_ result: Int32, name: String, expected: ObjectID?) throws {
        switch result {
        case 0: return
        case GIT_EMODIFIED.rawValue, GIT_EEXISTS.rawValue:
            throw ReferenceUpdateError.moved(name: name, expected: expected, actual: try? resolve(name))
        case GIT_ELOCKED.rawValue:
            let detail = git_error_last().map { String(cString: $0.pointee.message) } ?? "locked"
            throw ReferenceUpdateError.locked(name: name, detail: detail)
        default:
            // libgit2 reports a lost compare-and-swap race on a fresh reference as a generic
            // error whose message names the mismatch; treat that as "moved" too.
            let message = git_error_last().map { String(cString: $0.pointee.message) } ?? ""
            if message.contains("old reference value does not match") || message.contains("already exists") {
                throw ReferenceUpdateError.moved(name: name, expected: expected, actual: try? resolve(name))
            }
            try GitError.check(result, "update \(name)")
        }
    }

    /// Every reference under a prefix, such as `refs/heads/env/`.
    public func references(under prefix: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try GitError.check(git_reference_iterator_glob_new(&iterator, handle, prefix + "*"), "list \(prefix)*")
        defer { git_reference_iterator_free(iterator) }
        var out: [(String, ObjectID)] = []
        var ref: OpaquePointer?
        while git_reference_next(&ref, iterator) == 0 {
            defer { git_reference_free(ref) }
            if let target = git_reference_target(ref) {
                out.append((String(cString: git_reference_name(ref)), ObjectID(target.pointee)))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The branch HEAD names (`refs/heads/main`), or nil when HEAD is detached or unborn.
    public func headBranch() -> String? {
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, handle, "HEAD") == 0 else { return nil }
        defer { git_reference_free(ref) }
        guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(ref) else { return nil }
        return String(cString: target)
    }

    // MARK: Notes

    /// Attaches (or replaces) a note on an object, under a notes reference.
    ///
    /// The notes commit is written first (and, when new objects are batched in memory,
    /// flushed to disk), then the notes reference moves by compare-and-swap: a process killed
    /// at any point never leaves the reference naming an object that is not on disk.
    public func setNote(_ text: String, on object: ObjectID, notesRef: String, author: Signature) throws {
        let sig = try makeSignature(author)
        defer { git_signature_free(sig) }
        var target = object.raw
        let attempts = 12
        for attempt in 1...attempts {
            let parentID = try resolve(notesRef)
            var parent: OpaquePointer?
            if var raw = parentID?.raw {
                try GitError.check(git_commit_lookup(&parent, handle, &raw), "read \(notesRef)")
            }
            defer { if parent != nil { git_commit_free(parent) } }
            var commit = git_oid(), blob = git_oid()
            try GitError.check(git_note_commit_create(&commit, &blob, handle, parent, sig, sig, &target, text, 1),
                               "write a note on \(object.short)")
            if let batch {
                batch.noteCommit(ObjectID(commit))
                try batch.flush()
            }
            do {
                try updateReference(notesRef, to: ObjectID(commit), expected: parentID, message: "gitops-weave: note on \(object.short)")
                return
            } catch let error as ReferenceUpdateError {
                // Another writer moved the notes reference (or holds its lock): redo on its tip.
                if attempt == attempts { throw error }
                let wait = min(100_000, 1_000 << min(attempt, 7))
                usleep(UInt32(wait / 2 + Int.random(in: 0...(wait / 2))))
            }
        }
    }

    /// The note on an object, or nil.
    public func note(on object: ObjectID, notesRef: String) throws -> String? {
        var note: OpaquePointer?
        var target = object.raw
        let result = git_note_read(&note, handle, notesRef, &target)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(result, "read the note on \(object.short)")
        defer { git_note_free(note) }
        return git_note_message(note).map { String(cString: $0) }
    }
}
