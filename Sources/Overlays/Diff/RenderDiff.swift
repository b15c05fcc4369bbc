import Foundation
import MergeEngine
import YAMLModel

/// What changed between two renders of the same source, per environment and per resource.
///
/// Comparison is semantic: two resources are the same when their trees are equal, whatever
/// their key order or formatting, so reformatting a source never shows as a change. Secret
/// values are redacted before anything is compared as text or shown.
public struct RenderDiff: Sendable {
    public enum Change: String, Sendable, Encodable { case added, removed, changed }

    public struct ResourceChange: Sendable {
        public var id: ResourceID
        public var change: Change
        /// The unified diff of the resource's YAML (redacted), `a/` before and `b/` after.
        public var diff: UnifiedDiff
        public var file: String
        /// The fields that differ (redacted), for a changed resource; empty otherwise.
        public var fields: [FieldChange] = []
    }

    public struct EnvironmentChange: Sendable {
        public var name: String
        public var change: Change
        public var resources: [ResourceChange]

        public func count(_ c: Change) -> Int { resources.filter { $0.change == c }.count }
    }

    public var environments: [EnvironmentChange]
    /// Every environment compared, changed or not.
    public var compared: Int
    /// Each environment's labels (at HEAD, else at BASE), which name groups of environments
    /// changed alike.
    public var labels: [String: [String: String]] = [:]
    /// The environments rendered at HEAD to compare them; the others' inputs were the same
    /// at both revisions (`RenderInputs`). Nil when the comparison did not say.
    public var rendered: [String]?

    public var isEmpty: Bool { environments.isEmpty }

    /// Compares the resources of each environment before and after. An environment absent
    /// on one side is added or removed as a whole.
    public init(before: [String: [Resource]], after: [String: [Resource]]) {
        let names = Set(before.keys).union(after.keys).sorted()
        compared = names.count
        environments = names.compactMap { name in
            let old = before[name], new = after[name]
            let change: Change = old == nil ? .added : new == nil ? .removed : .changed
            let resources = Self.compare(old ?? [], new ?? [])
            if change == .changed && resources.isEmpty { return nil }
            return EnvironmentChange(name: name, change: change, resources: resources)
        }
    }

    static func compare(_ old: [Resource], _ new: [Resource]) -> [ResourceChange] {
        var before: [ResourceID: Resource] = [:]
        for r in old { before[r.id] = r }
        var out: [ResourceChange] = []
        var seen = Set<ResourceID>()
        for r in new {
            seen.insert(r.id)
            let file = RenderedEnvironment.fileName(for: r.id)
            if let o = before[r.id] {
                if o.node == r.node { continue }
                let redactedNew = Redaction.redacted(r)
                let redactedOld = alignKeys(Redaction.redacted(o), to: redactedNew)
                out.append(ResourceChange(id: r.id, change: .changed, diff: lines(redactedOld, redactedNew), file: file,
                                          fields: FieldChange.between(redactedOld, redactedNew)))
            } else {
                out.append(ResourceChange(id: r.id, change: .added, diff: lines(nil, Redaction.redacted(r)), file: file))
            }
        }
        for r in old where !seen.contains(r.id) {
            out.append(ResourceChange(id: r.id, change: .removed, diff: lines(Redaction.redacted(r), nil),
                                      file: RenderedEnvironment.fileName(for: r.id)))
        }
        return out
    }

    static func lines(_ old: Node?, _ new: Node?) -> UnifiedDiff {
        let emitter = YAMLEmitter()
        func split(_ n: Node?) -> [String] {
            guard let n else { return [] }
            var text = emitter.emit(n)
            if text.hasSuffix("\n") { text.removeLast() }
            return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        return UnifiedDiff(old: split(old), new: split(new))
    }

    /// `old` with its mapping keys put in `new`'s order where both have them, so that key
    /// order never shows as a change.
    static func alignKeys(_ old: Node, to new: Node) -> Node {
        var out = old
        switch (old.value, new.value) {
        case (.mapping(let o), .mapping(let n)):
            var aligned = Mapping()
            for key in n.keys where o.contains(key) {
                aligned.set(key, alignKeys(o[key]!, to: n[key]!))
            }
            for (key, entry) in o.entries where !n.contains(key) { aligned.set(key, entry.value) }
            out.value = .mapping(aligned)
        case (.sequence(let o), .sequence(let n)):
            out.value = .sequence(o.enumerated().map { i, item in i < n.count ? alignKeys(item, to: n[i]) : item })
        default:
            break
        }
        return out
    }
}

// MARK: - Reports

extension RenderDiff {
    /// A unified diff for terminals (coloured when asked). Environments changed alike are
    /// one group: its field-level summary, the environments, then one environment's hunks.
    public func text(color: Bool) -> String {
        if isEmpty { return "no changes in \(compared) environment\(compared == 1 ? "" : "s")\n" }
        let groups = self.groups()
        var out = ""
        func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m\n" : s + "\n" }
        if groups.count < environments.count {
            out += bold("\(environments.count) of \(compared) environments change, in \(groups.count) distinct change\(groups.count == 1 ? "" : "s")")
        }
        for group in groups {
            let env = group.representative
            if group.environments.count == 1 {
                out += bold("\(env.name): \(summary(env))")
            } else {
                out += bold("\(group.environments.count) environments\(group.labelText.map { " (\($0))" } ?? ""): \(summary(env)): \(Self.names(group.environments))")
                for line in Self.fieldLines(group, limit: 20) { out += "  " + line.text + "\n" }
            }
            for r in env.resources {
                out += "--- " + (r.change == .added ? "/dev/null" : "a/\(env.name)/\(r.file)") + "\n"
                out += "+++ " + (r.change == .removed ? "/dev/null" : "b/\(env.name)/\(r.file)") + "\n"
                out += r.diff.text(color: color)
            }
        }
        return out
    }

    /// One line of a group's summary: a whole resource added or removed, a field that
    /// changed, or how many more there are.
    enum FieldLine {
        case resource(Change, String)
        case field(String, FieldChange)
        case more(Int)

        /// `Deployment/web spec.template.spec.containers[name=web].image: web:1.4 → web:1.5`.
        var text: String {
            switch self {
            case .resource(let change, let name): return "\(change.rawValue): \(name)"
            case .field(let name, let f): return "\(name) \(f.description)"
            case .more(let n): return "… and \(n) more fields"
            }
        }

        /// The same with code spans: `` `Kind/name` `path`: `old` → `new` ``.
        var markdown: String {
            guard case .field(let name, let f) = self else { return text }
            func code(_ s: String) -> String { "`" + s.replacingOccurrences(of: "`", with: "'") + "`" }
            return "\(code(name)) \(code(f.path.description)): \(code(f.old ?? "(absent)")) → \(code(f.new ?? "(absent)"))"
        }
    }

    /// A group's resources and fields, one per line, at most `limit` lines.
    static func fieldLines(_ group: Group, limit: Int) -> [FieldLine] {
        var lines: [FieldLine] = []
        for r in group.resources {
            let name = "\(r.id.kind)/\(r.id.name)"
            if r.change != .changed {
                lines.append(.resource(r.change, name))
                continue
            }
            for f in r.fields { lines.append(.field(name, f)) }
        }
        if lines.count > limit { lines = lines.prefix(limit) + [.more(lines.count - limit)] }
        return lines
    }

    func summary(_ env: EnvironmentChange) -> String {
        var parts: [String] = []
        if env.change == .added { parts.append("new environment") }
        if env.change == .removed { parts.append("environment removed") }
        for c in [Change.added, .changed, .removed] where env.count(c) > 0 { parts.append("\(env.count(c)) \(c.rawValue)") }
        return parts.joined(separator: ", ")
    }

    /// Markdown for a pull-request comment, split into parts of at most `maxChars`
    /// characters. Environments changed alike are one section: the field-level summary, the
    /// environments (named by their common labels, listed up to ten), and one environment's
    /// hunks, folded. Sections are cut whole; with `split` false only the first part is
    /// returned, ending with a note saying what was left out and how to see it:
    /// `fullDiffCommand`, the command that writes every part.
    public func markdown(maxChars: Int = 65_000, split: Bool = false,
                         fullDiffCommand: String = "gitops-weave diff --format markdown --split") -> [String] {
        let groups = self.groups()
        var header = "### gitops-weave diff: \(environments.count) of \(compared) environment\(compared == 1 ? "" : "s") change\(environments.count == 1 ? "s" : "")"
        if isEmpty { return [header + "\n\nNo rendered manifest changes.\n"] }
        if groups.count < environments.count { header += ", in \(groups.count) distinct change\(groups.count == 1 ? "" : "s")" }
        header += "\n\n| change | environments | added | changed | removed |\n|---|---|---:|---:|---:|\n"
        let tableRows = 50
        for (i, g) in groups.prefix(tableRows).enumerated() {
            let env = g.representative
            let who = g.environments.count == 1
                ? (env.change == .changed ? env.name : "\(env.name) (\(env.change.rawValue))")
                : "\(g.environments.count)" + (g.labelText.map { " (\($0))" } ?? "")
            header += "| \(i + 1) | \(who) | \(env.count(.added)) | \(env.count(.changed)) | \(env.count(.removed)) |\n"
        }
        if groups.count > tableRows { header += "| … | \(groups.count - tableRows) more changes below | | | |\n" }
        header += "\n"

        // One block per group; a block is never split, except one that alone exceeds the
        // budget, whose hunks are cut with a note.
        var blocks: [String] = []
        let limit = maxChars / 2
        for (i, g) in groups.enumerated() {
            let env = g.representative
            var text = "#### \(i + 1). "
            if g.environments.count == 1 {
                text += "\(env.name): \(summary(env))\n\n"
            } else {
                text += "\(g.environments.count) environments" + (g.labelText.map { " · \($0)" } ?? "") + ": \(summary(env))\n\n"
                text += Self.names(g.environments) + "\n\n"
            }
            for line in Self.fieldLines(g, limit: 20) { text += "- " + line.markdown + "\n" }
            text += "\n"
            var body = ""
            for r in env.resources {
                var hunks = r.diff.text()
                if hunks.count > limit {
                    hunks = String(hunks.prefix(limit))
                    if let cut = hunks.lastIndex(of: "\n") { hunks = String(hunks[...cut]) }
                    hunks += "… (this resource's diff is cut here; render locally to see all of it)\n"
                }
                body += "**\(r.change.rawValue): \(r.id)**\n\n```diff\n\(hunks)```\n\n"
            }
            let label = g.environments.count == 1 ? "diff" : "diff (\(env.name))"
            text += "<details><summary>\(label)</summary>\n\n" + body + "</details>\n\n"
            blocks.append(text)
        }
        let noteRoom = 400
        var parts: [String] = []
        var current = header
        var omitted = 0
        for (i, block) in blocks.enumerated() {
            if current.count + block.count + noteRoom > maxChars && current != header {
                if !split {
                    omitted = blocks.count - i
                    break
                }
                parts.append(current)
                current = "### gitops-weave diff, part \(parts.count + 1) (continued)\n\n"
            }
            current += block
        }
        if omitted > 0 {
            let envs = groups.suffix(omitted).reduce(0) { $0 + $1.environments.count }
            current += "> **Truncated** at \(maxChars) characters: \(omitted) more distinct change\(omitted == 1 ? "" : "s") in \(envs) environment\(envs == 1 ? "" : "s") not shown. Run `\(fullDiffCommand)` for every part.\n"
        }
        parts.append(current)
        if parts.count > 1 {
            parts = parts.enumerated().map { i, p in p + "\n_Part \(i + 1) of \(parts.count)._\n" }
        }
        return parts
    }
}

/// `diff --format json`: how many environments were compared and how many changed, then
/// each changed environment with its resources and their redacted unified diffs.
public struct DiffReport: Encodable, Sendable {
    public struct Environment: Encodable, Sendable {
        public var name: String
        public var change: RenderDiff.Change
        public var resources: [Resource]
    }

    /// One changed resource: its identity (`namespace` is null for a cluster-scoped one),
    /// its file in the rendered environment and the diff of its YAML.
    public struct Resource: Encodable, Sendable {
        public var kind: String
        public var apiVersion: String
        public var name: String
        public var namespace: String?
        public var change: RenderDiff.Change
        public var file: String
        public var diff: String
        public var fields: [Field]

        enum CodingKeys: String, CodingKey { case kind, apiVersion, name, namespace, change, file, diff, fields }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(apiVersion, forKey: .apiVersion)
            try c.encode(name, forKey: .name)
            try c.encodeOrNull(namespace, forKey: .namespace)
            try c.encode(change, forKey: .change)
            try c.encode(file, forKey: .file)
            try c.encode(diff, forKey: .diff)
            try c.encode(fields, forKey: .fields)
        }
    }

    /// One field that differs; `old` or `new` is null where the field is absent.
    public struct Field: Encodable, Sendable {
        public var path: String
        public var old: String?
        public var new: String?

        init(_ f: FieldChange) {
            path = f.path.description
            old = f.old
            new = f.new
        }

        enum CodingKeys: String, CodingKey { case path, old, new }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encodeOrNull(old, forKey: .old)
            try c.encodeOrNull(new, forKey: .new)
        }
    }

    /// Environments changed alike: the resources and fields, and who.
    public struct Group: Encodable, Sendable {
        public struct Resource: Encodable, Sendable {
            public var kind: String
            public var apiVersion: String
            public var name: String
            public var namespace: String?
            public var change: RenderDiff.Change
            public var fields: [Field]

            enum CodingKeys: String, CodingKey { case kind, apiVersion, name, namespace, change, fields }

            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(kind, forKey: .kind)
                try c.encode(apiVersion, forKey: .apiVersion)
                try c.encode(name, forKey: .name)
                try c.encodeOrNull(namespace, forKey: .namespace)
                try c.encode(change, forKey: .change)
                try c.encode(fields, forKey: .fields)
            }
        }

        public var environments: [String]
        /// The labels that name the group (shared by all its environments).
        public var labels: [String: String]
        public var resources: [Resource]
    }

    public var compared: Int
    public var changed: Int
    public var environments: [Environment]
    /// The environments grouped by their change, largest group first.
    public var groups: [Group]

    public init(_ diff: RenderDiff) {
        compared = diff.compared
        changed = diff.environments.count
        groups = diff.groups().map { g in
            Group(environments: g.environments, labels: Dictionary(uniqueKeysWithValues: g.commonLabels.map { ($0.key, $0.value) }),
                  resources: g.resources.map { r in
                      Group.Resource(kind: r.id.kind, apiVersion: r.id.apiVersion, name: r.id.name, namespace: r.id.namespace,
                                     change: r.change, fields: r.fields.map(Field.init))
                  })
        }
        environments = diff.environments.map { env in
            Environment(name: env.name, change: env.change, resources: env.resources.map { r in
                Resource(kind: r.id.kind, apiVersion: r.id.apiVersion, name: r.id.name, namespace: r.id.namespace,
                         change: r.change, file: r.file, diff: r.diff.text(), fields: r.fields.map(Field.init))
            })
        }
    }
}
