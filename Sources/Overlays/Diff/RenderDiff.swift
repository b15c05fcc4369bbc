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
                out.append(ResourceChange(id: r.id, change: .changed, diff: lines(redactedOld, redactedNew), file: file))
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
    /// A unified diff for terminals (coloured when asked).
    public func text(color: Bool) -> String {
        if isEmpty { return "no changes in \(compared) environment\(compared == 1 ? "" : "s")\n" }
        var out = ""
        for env in environments {
            let head = "\(env.name): \(summary(env))"
            out += color ? "\u{1B}[1m\(head)\u{1B}[0m\n" : head + "\n"
            for r in env.resources {
                out += "--- " + (r.change == .added ? "/dev/null" : "a/\(env.name)/\(r.file)") + "\n"
                out += "+++ " + (r.change == .removed ? "/dev/null" : "b/\(env.name)/\(r.file)") + "\n"
                out += r.diff.text(color: color)
            }
        }
        return out
    }

    func summary(_ env: EnvironmentChange) -> String {
        var parts: [String] = []
        if env.change == .added { parts.append("new environment") }
        if env.change == .removed { parts.append("environment removed") }
        for c in [Change.added, .changed, .removed] where env.count(c) > 0 { parts.append("\(env.count(c)) \(c.rawValue)") }
        return parts.joined(separator: ", ")
    }

    /// Markdown for a pull-request comment, split into parts of at most `maxChars`
    /// characters, cut at resource boundaries. With `split` false only the first part is
    /// returned, ending with a note saying what was left out and how to see it:
    /// `fullDiffCommand`, the command that writes every part.
    public func markdown(maxChars: Int = 65_000, split: Bool = false,
                         fullDiffCommand: String = "gitops-weave diff --format markdown --split") -> [String] {
        var header = "### gitops-weave diff: \(environments.count) of \(compared) environment\(compared == 1 ? "" : "s") change\(environments.count == 1 ? "s" : "")\n\n"
        if isEmpty { return [header + "No rendered manifest changes.\n"] }
        header += "| environment | added | changed | removed |\n|---|---:|---:|---:|\n"
        for env in environments {
            let name = env.change == .changed ? env.name : "\(env.name) (\(env.change.rawValue))"
            header += "| \(name) | \(env.count(.added)) | \(env.count(.changed)) | \(env.count(.removed)) |\n"
        }
        header += "\n"
        // Each resource's diff is one block; blocks are never split, except one that alone
        // exceeds the budget, which is cut with a note.
        struct Block { var environment: String; var text: String }
        var blocks: [Block] = []
        for env in environments {
            for r in env.resources {
                var body = r.diff.text()
                let label = "\(r.change.rawValue): \(r.id)"
                let limit = maxChars / 2
                if body.count > limit {
                    body = String(body.prefix(limit))
                    if let cut = body.lastIndex(of: "\n") { body = String(body[...cut]) }
                    body += "… (this resource's diff is cut here; render locally to see all of it)\n"
                }
                blocks.append(Block(environment: env.name, text: "**\(label)**\n\n```diff\n\(body)```\n\n"))
            }
        }
        let closing = "</details>\n\n"
        func opening(_ env: String) -> String {
            let e = environments.first { $0.name == env }!
            return "<details><summary>\(env): \(summary(e))</summary>\n\n"
        }
        let noteRoom = 400
        var parts: [String] = []
        var current = header
        var openEnv: String?
        var omitted = 0
        for (i, block) in blocks.enumerated() {
            let piece = (openEnv == block.environment ? "" : (openEnv == nil ? "" : closing) + opening(block.environment)) + block.text
            if current.count + piece.count + closing.count + noteRoom > maxChars && current != header {
                if !split {
                    omitted = blocks.count - i
                    break
                }
                if openEnv != nil { current += closing }
                parts.append(current)
                current = "### gitops-weave diff, part \(parts.count + 1) (continued)\n\n"
                openEnv = nil
                current += opening(block.environment) + block.text
                openEnv = block.environment
                continue
            }
            current += piece
            openEnv = block.environment
        }
        if openEnv != nil { current += closing }
        if omitted > 0 {
            let envs = Set(blocks.suffix(omitted).map(\.environment)).count
            current += "> **Truncated** at \(maxChars) characters: \(omitted) more resource diff\(omitted == 1 ? "" : "s") in \(envs) environment\(envs == 1 ? "" : "s") not shown. Run `\(fullDiffCommand)` for every part.\n"
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

        enum CodingKeys: String, CodingKey { case kind, apiVersion, name, namespace, change, file, diff }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(apiVersion, forKey: .apiVersion)
            try c.encode(name, forKey: .name)
            try c.encodeOrNull(namespace, forKey: .namespace)
            try c.encode(change, forKey: .change)
            try c.encode(file, forKey: .file)
            try c.encode(diff, forKey: .diff)
        }
    }

    public var compared: Int
    public var changed: Int
    public var environments: [Environment]

    public init(_ diff: RenderDiff) {
        compared = diff.compared
        changed = diff.environments.count
        environments = diff.environments.map { env in
            Environment(name: env.name, change: env.change, resources: env.resources.map { r in
                Resource(kind: r.id.kind, apiVersion: r.id.apiVersion, name: r.id.name, namespace: r.id.namespace,
                         change: r.change, file: r.file, diff: r.diff.text())
            })
        }
    }
}
