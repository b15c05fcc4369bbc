import YAMLModel

/// RFC 7386 JSON merge patch, as `kubectl patch --type merge` applies it: maps merge,
/// `null` deletes, everything else (lists included) replaces. `$patch` is an ordinary key.
///
/// This is the fallback for kinds the schema registry knows nothing about.
public enum JSONMergePatch {
    public static func apply(_ patch: Node, to target: Node) -> Node {
        guard let patchMap = patch.mapping else { return patch.replacing(target) }
        guard let targetMap = target.mapping else { return pruneNulls(patch).replacing(target) }
        var result = targetMap
        for (key, entry) in patchMap.entries {
            let value = entry.value
            if value.isNull {
                result.remove(key)
            } else if let current = result[key], !current.isNull {
                result.set(key, merge(current, value))
            } else {
                result.set(key, pruneNulls(value), keyLocation: entry.keyLocation)
            }
        }
        return Node(.mapping(result), at: target.location, overrode: target.overrode)
    }

    /// A value merged into an existing one: objects recurse; a non-object base takes the
    /// patch without its nulls; a non-object patch replaces as written.
    static func merge(_ current: Node, _ patch: Node) -> Node {
        guard current.mapping != nil else { return pruneNulls(patch).replacing(current) }
        guard patch.mapping != nil else { return patch.replacing(current) }
        return apply(patch, to: current)
    }

    /// Removes null-valued keys from mappings, recursively (null list elements stay).
    static func pruneNulls(_ node: Node) -> Node {
        var out = node
        switch node.value {
        case .scalar: return node
        case .sequence(let items):
            out.value = .sequence(items.map { $0.isNull ? $0 : pruneNulls($0) })
        case .mapping(let m):
            var copy = m
            for (key, entry) in m.entries {
                if entry.value.isNull { copy.remove(key) } else if entry.value.scalar == nil { copy.set(key, pruneNulls(entry.value)) }
            }
            out.value = .mapping(copy)
        }
        return out
    }
}
