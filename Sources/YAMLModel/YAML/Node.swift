import OrderedCollections

/// One value of a YAML tree, with where it came from.
///
/// `location` is where the value was last set; `overrode` is the value it replaced, which
/// carries its own location and history. Following `overrode` gives the full chain of
/// files and lines that set a field, newest first: this is the engine's provenance.
public struct Node: Sendable {
    public enum Value: Sendable {
        case scalar(Scalar)
        case mapping(Mapping)
        case sequence([Node])
    }

    public var value: Value
    public var location: SourceLocation
    public var overrode: Overridden?

    public init(_ value: Value, at location: SourceLocation, overrode: Overridden? = nil) {
        self.value = value
        self.location = location
        self.overrode = overrode
    }

    public static func scalar(_ s: Scalar, at location: SourceLocation) -> Node {
        Node(.scalar(s), at: location)
    }

    public static func mapping(_ m: Mapping = Mapping(), at location: SourceLocation) -> Node {
        Node(.mapping(m), at: location)
    }

    public static func sequence(_ items: [Node], at location: SourceLocation) -> Node {
        Node(.sequence(items), at: location)
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = value { return s }
        return nil
    }

    public var mapping: Mapping? {
        if case .mapping(let m) = value { return m }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let s) = value { return s }
        return nil
    }

    public var isNull: Bool { scalar?.isNull ?? false }
    public var stringValue: String? { scalar?.stringValue }

    /// What kind of node this is, in words for messages.
    public var kindName: String {
        switch value {
        case .scalar(let s): return s.tag == .null ? "null" : s.tag.rawValue
        case .mapping: return "mapping"
        case .sequence: return "list"
        }
    }

    /// The kind with its article, for messages: "a mapping", "an int".
    public var kindWithArticle: String {
        let name = kindName
        return (name.first.map { "aeiou".contains($0) } ?? false) ? "an \(name)" : "a \(name)"
    }

    /// Looks up a key of a mapping node.
    public subscript(key: String) -> Node? {
        mapping?[key]
    }

    /// This value, recorded as having replaced `earlier`.
    ///
    /// A value that already records where it came from (a parameter's value and the
    /// template it filled, say) keeps that record, and `earlier` goes at its end.
    public func replacing(_ earlier: Node) -> Node {
        var copy = self
        if let own = overrode, let reason = own.reason {
            copy.overrode = Overridden(own.node.replacing(earlier), reason: reason)
        } else {
            copy.overrode = Overridden(earlier)
        }
        return copy
    }

    /// This value, recorded as having replaced `earlier` for a reason (`.parameter("bucket")`).
    public func replacing(_ earlier: Node, reason: Overridden.Reason) -> Node {
        var copy = self
        copy.overrode = Overridden(earlier, reason: reason)
        return copy
    }

    /// The value at a path of mapping keys, if every step is there.
    public func value(at path: [String]) -> Node? {
        var current: Node? = self
        for key in path { current = current?[key] }
        return current
    }

    /// This node with `value` set at a path of mappings, creating the missing ones (and
    /// replacing a step that is not a mapping) at the value's location.
    public func setting(_ path: [String], to value: Node) -> Node {
        guard let key = path.first else { return value }
        var map = mapping ?? Mapping()
        let child = map[key] ?? Node(.mapping(Mapping()), at: value.location)
        map.set(key, (child.mapping == nil ? Node(.mapping(Mapping()), at: value.location) : child).setting(Array(path.dropFirst()), to: value))
        var out = self
        out.value = .mapping(map)
        return out
    }

    /// Every location that set this value, newest first.
    public var provenance: [SourceLocation] {
        var chain = [location]
        var next = overrode
        while let o = next {
            chain.append(o.node.location)
            next = o.node.overrode
        }
        return chain
    }
}

/// The earlier value a node replaced, boxed so that a node stays small.
///
/// `reason` is nil for a plain override (a layer's patch replacing the base's value). Other
/// links say why the node is what it is (see `Reason`).
public final class Overridden: Sendable {
    /// Why a node replaced the one it links to.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// The node is the parameter's value (located where the environment, or the project
        /// file's default, set it) and the link is the template position it filled.
        case parameter(String)
        /// The node is a template string with the parameter's value written into it, and the
        /// link is that value; several parameters chain, and the last one's link is what the
        /// template replaced.
        case interpolatedParameter(String)
        /// The node was derived by a stack stage from the linked value, which keeps its own
        /// history; `source` says from what (`ClickHouseInstallation/wandb spec.x`).
        case derived(from: String)
        /// The node was set by a kustomize transformer, configured at the node's own location
        /// (`name prefix`, `image tag`, `common label app`); the link is the value it changed.
        case transformed(by: String)

        public var description: String {
            switch self {
            case .parameter(let name): return "parameter " + name
            case .interpolatedParameter(let name): return "interpolated parameter " + name
            case .derived(let source): return "derived from " + source
            case .transformed(let transformer): return transformer
            }
        }
    }

    public let node: Node
    public let reason: Reason?

    public init(_ node: Node) {
        self.node = node
        self.reason = nil
    }

    public init(_ node: Node, reason: Reason?) {
        self.node = node
        self.reason = reason
    }
}

/// An ordered mapping with string keys (Kubernetes objects are JSON: keys are strings).
public struct Mapping: Sendable {
    public struct Entry: Sendable {
        public var keyLocation: SourceLocation
        public var value: Node
    }

    public private(set) var entries: OrderedDictionary<String, Entry>

    public init() { entries = [:] }

    public init(_ entries: OrderedDictionary<String, Entry>) { self.entries = entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: OrderedSet<String> { entries.keys }

    public subscript(key: String) -> Node? {
        entries[key]?.value
    }

    public func contains(_ key: String) -> Bool { entries.index(forKey: key) != nil }

    /// Sets a value, keeping the key's position when it exists and appending otherwise.
    public mutating func set(_ key: String, _ value: Node, keyLocation: SourceLocation? = nil) {
        if let i = entries.index(forKey: key) {
            entries.values[i].value = value
            if let keyLocation { entries.values[i].keyLocation = keyLocation }
        } else {
            entries[key] = Entry(keyLocation: keyLocation ?? value.location, value: value)
        }
    }

    /// Replaces the value of the entry at `index` (in key order), keeping its key.
    public mutating func setValue(at index: Int, _ value: Node) {
        entries.values[index].value = value
    }

    @discardableResult
    public mutating func remove(_ key: String) -> Node? {
        entries.removeValue(forKey: key)?.value
    }

    public mutating func removeAll(where predicate: (String) -> Bool) {
        entries.removeAll { predicate($0.key) }
    }

    public func keyLocation(_ key: String) -> SourceLocation? { entries[key]?.keyLocation }

    /// Entries in order, as (key, value) pairs.
    public var pairs: [(key: String, value: Node)] {
        entries.map { ($0.key, $0.value.value) }
    }
}

// MARK: - Semantic equality

extension Node: Equatable {
    /// Equal values: same types and scalars, same list order, mapping key order ignored.
    /// Source positions and provenance are not part of a value.
    public static func == (a: Node, b: Node) -> Bool {
        switch (a.value, b.value) {
        case (.scalar(let x), .scalar(let y)):
            return x == y
        case (.sequence(let x), .sequence(let y)):
            return x == y
        case (.mapping(let x), .mapping(let y)):
            guard x.count == y.count else { return false }
            for (k, e) in x.entries {
                guard let other = y.entries[k], other.value == e.value else { return false }
            }
            return true
        default:
            return false
        }
    }
}

extension Node {
    /// This node with each child (list item, mapping value) replaced where `transform`
    /// gives a new one; nil when it gives none, so that unchanged trees are shared, not
    /// copied. `transform` sees every child, in order.
    @inlinable
    public func replacingChildren(_ transform: (Node) throws -> Node?) rethrows -> Node? {
        switch value {
        case .scalar:
            return nil
        case .sequence(let items):
            var copy: [Node]?
            for (i, item) in items.enumerated() {
                guard let new = try transform(item) else { continue }
                if copy == nil { copy = items }
                copy![i] = new
            }
            guard let copy else { return nil }
            var out = self
            out.value = .sequence(copy)
            return out
        case .mapping(let m):
            var copy: Mapping?
            for (i, entry) in m.entries.values.enumerated() {
                guard let new = try transform(entry.value) else { continue }
                if copy == nil { copy = m }
                copy!.setValue(at: i, new)
            }
            guard let copy else { return nil }
            var out = self
            out.value = .mapping(copy)
            return out
        }
    }

    /// Number of nodes in this tree, counted only up to `limit`: trees share subtrees, so a
    /// tree can stand for far more nodes than memory holds, and counting must stop.
    public func size(upTo limit: Int) -> Int {
        var count = 0
        var pending = [self]
        while let node = pending.popLast(), count < limit {
            count += 1
            switch node.value {
            case .scalar: break
            case .sequence(let items): pending.append(contentsOf: items)
            case .mapping(let m): pending.append(contentsOf: m.entries.values.lazy.map(\.value))
            }
        }
        return count
    }

    /// Levels of nesting: 0 for a scalar, 1 + the tallest child for a collection; counted
    /// only up to `limit`, without recursion.
    public func height(upTo limit: Int) -> Int {
        var tallest = 0
        var pending: [(node: Node, depth: Int)] = [(self, 0)]
        while let (node, depth) = pending.popLast() {
            switch node.value {
            case .scalar: continue
            case .sequence(let items):
                tallest = max(tallest, depth + 1)
                if tallest >= limit { return limit }
                pending.append(contentsOf: items.lazy.map { ($0, depth + 1) })
            case .mapping(let m):
                tallest = max(tallest, depth + 1)
                if tallest >= limit { return limit }
                pending.append(contentsOf: m.entries.values.lazy.map { ($0.value, depth + 1) })
            }
        }
        return tallest
    }

    /// Number of nodes in this tree, itself included.
    public var size: Int {
        switch value {
        case .scalar: return 1
        case .sequence(let items): return items.reduce(1) { $0 + $1.size }
        case .mapping(let m): return m.entries.values.reduce(1) { $0 + $1.value.size }
        }
    }
}
