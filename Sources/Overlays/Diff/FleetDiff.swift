import Foundation
import MergeEngine
import YAMLModel

/// One field that differs between two versions of a resource:
/// `spec.template.spec.containers[name=web].image: web:1.4 → web:1.5`. Values are redacted (the diff's resources are) and shown on one line.
public struct FieldChange: Hashable, Sendable {
    public var path: FieldPath
    /// nil where the field is absent on that side.
    public var old: String?
    public var new: String?

    /// Every field that differs, leaves first: mappings are compared key by key, lists item
    /// by item (by `name` where both have one), anything else as a whole value.
    public static func between(_ old: Node?, _ new: Node?, at path: FieldPath = FieldPath()) -> [FieldChange] {
        switch (old?.value, new?.value) {
        case (.mapping(let a)?, .mapping(let b)?):
            var out: [FieldChange] = []
            for key in b.keys { out += between(a[key], b[key], at: path.appending(key)) }
            for key in a.keys where !b.contains(key) { out += between(a[key], nil, at: path.appending(key)) }
            return out
        case (.sequence(let a)?, .sequence(let b)?) where a.count == b.count:
            var out: [FieldChange] = []
            for (i, (x, y)) in zip(a, b).enumerated() {
                let step = FieldPath.Step.element(i, of: y)
                out += between(x, y, at: path.appending(step))
            }
            return out
        case (nil, nil):
            return []
        default:
            // Node's == compares values, not positions.
            if let old, let new, old == new { return [] }
            return [FieldChange(path: path, old: old.map(display), new: new.map(display))]
        }
    }

    /// A value on one line, shortened: multi-line text by its line count.
    static func display(_ node: Node) -> String {
        switch node.value {
        case .scalar(let s):
            if s.tag == .string, s.text.contains("\n") {
                return "(\(s.text.split(separator: "\n", omittingEmptySubsequences: false).count) lines of text)"
            }
            let text = YAMLEmitter.inlineScalar(s)
            return text.count > 80 ? String(text.prefix(77)) + "…" : text
        case .sequence(let items): return "(a list of \(items.count))"
        case .mapping(let m): return "(a mapping of \(m.count))"
        }
    }

    /// `spec.x: 1 → 2`, `spec.y: (absent) → 3`.
    public var description: String {
        "\(path): \(old ?? "(absent)") → \(new ?? "(absent)")"
    }
}

extension RenderDiff {
    /// Environments whose change is the same: the same resources changed in the same way,
    /// field for field, from the same old values to the same new ones.
    public struct Group: Sendable {
        public struct Resource: Hashable, Sendable {
            public var id: ResourceID
            public var change: Change
            /// Empty for an added or removed resource.
            public var fields: [FieldChange]
            /// An added or removed resource's YAML (redacted), so that only equal ones
            /// group; empty for a changed one, which its fields describe.
            var content = ""
        }

        public var resources: [Resource]
        public var environments: [String]
        /// The labels every environment of the group has, with the same value, and that no
        /// environment of another group shares with all of them: `tier=prod`.
        public var commonLabels: [(key: String, value: String)] = []
        /// The first environment's change, whose hunks stand for the group's.
        public var representative: EnvironmentChange

        /// `tier=prod, storage=gcs`, or nil.
        public var labelText: String? {
            commonLabels.isEmpty ? nil : commonLabels.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        }
    }

    /// The changed environments grouped by their change, largest group first (then by the
    /// first environment's name), each named by the labels its environments share.
    public func groups() -> [Group] {
        struct Key: Hashable {
            var change: Change
            var resources: [Group.Resource]
        }
        var order: [Key] = []
        var byKey: [Key: [EnvironmentChange]] = [:]
        for env in environments {
            let key = Key(change: env.change, resources: env.resources.map { r in
                Group.Resource(id: r.id, change: r.change, fields: r.change == .changed ? r.fields : [],
                               content: r.change == .changed ? "" : r.diff.text())
            })
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(env)
        }
        var out = order.map { key in
            let envs = byKey[key]!
            return Group(resources: key.resources, environments: envs.map(\.name), representative: envs[0])
        }
        out.sort { $0.environments.count != $1.environments.count ? $0.environments.count > $1.environments.count : $0.environments[0] < $1.environments[0] }
        // A group's name: the labels all its environments share that set it apart from
        // the other changed environments.
        for i in out.indices where out[i].environments.count > 1 {
            let labels = self.labels
            guard let first = labels[out[i].environments[0]] else { continue }
            let members = Set(out[i].environments)
            let others = environments.map(\.name).filter { !members.contains($0) }
            out[i].commonLabels = first.sorted { $0.key < $1.key }.filter { key, value in
                out[i].environments.allSatisfy { labels[$0]?[key] == value }
                    && !others.contains { labels[$0]?[key] == value }
            }.map { (key: $0.key, value: $0.value) }
            if out[i].commonLabels.isEmpty {
                // Shared by all, set apart from none: still what they have in common.
                out[i].commonLabels = first.sorted { $0.key < $1.key }.filter { key, value in
                    out[i].environments.allSatisfy { labels[$0]?[key] == value }
                }.map { (key: $0.key, value: $0.value) }
            }
        }
        return out
    }

    /// At most `limit` names, then how many more.
    static func names(_ list: [String], limit: Int = 10) -> String {
        list.count <= limit ? list.joined(separator: ", ") : list.prefix(limit).joined(separator: ", ") + ", … and \(list.count - limit) more"
    }
}
