import Foundation
import OrderedCollections
import MergeEngine
import YAMLModel

/// Why one field of a rendered resource has its value: the value, the chain of positions
/// that set it (newest first), and, for a mapping or list, where each direct child was set.
///
/// Pure: it reads only a `Renderer.Outcome` and the provenance its nodes carry
/// (`Node.location`, `Node.overrode` and the reasons `Overridden` records for parameters
/// and derived values).
public struct Explanation: Sendable {
    /// How one position of the chain contributed to the value.
    public enum Role: String, Sendable, Encodable {
        /// The position that set the value (or, under a derived value, its source).
        case set
        /// An earlier value, replaced by the one above it.
        case overrode
        /// A value derived by the stack wiring from the positions below it.
        case derived
        /// A parameter's value, where the environment (or the project's default) set it.
        case parameter
    }

    /// A position in the source, named by the part of the source it belongs to.
    public struct Position: Sendable, Equatable {
        public var location: SourceLocation
        /// `prod` for a file under layers/prod/, `base`, `environment`, `project`; nil for others.
        public var layer: String?
        /// How text output names it: `layer prod`, `base`, `environment prod-aws`, `project default`.
        public var label: String?
    }

    /// One entry of the chain.
    public struct Step: Sendable {
        public var role: Role
        public var position: Position
        /// The value this position gave.
        public var value: Node
        /// The link's reason, for derived values and parameters.
        public var reason: String?
        /// The parameter's name, for `.parameter` steps.
        public var parameter: String?
        /// For a parameter that is a whole value: the template position it filled.
        public var template: Position?
        /// The template text there (`${bucket}`).
        public var templateValue: Node?
        /// Whether a `.parameter` step is itself an earlier value that a newer one replaced.
        public var replaced = false
        /// 0 for the value's own history; 1 and more for what a derived value or an
        /// interpolated string draws on.
        public var depth: Int
    }

    /// Where one direct child of a mapping or list was set.
    public struct Child: Sendable {
        /// The key, or `[i]` (with ` name=x` when the element has a name) for a list element.
        public var key: String
        public var value: Node
        public var chain: [Step]
        /// For a mapping or list child: the parts of the source that set values inside it.
        public var contents: [String]
    }

    /// Which files belong to which part of a source, as the nodes' locations name them.
    public struct SourceLayout: Sendable {
        public var baseDirectory: String
        public var layersDirectory: String
        public var environmentFile: String
        public var environmentName: String
        public var projectFile: String

        public init(baseDirectory: String, layersDirectory: String, environmentFile: String, environmentName: String, projectFile: String) {
            self.baseDirectory = baseDirectory
            self.layersDirectory = layersDirectory
            self.environmentFile = environmentFile
            self.environmentName = environmentName
            self.projectFile = projectFile
        }

        /// The layout of a project's source, for one rendered environment.
        public init(project: Project, environment: Environment) {
            self.init(baseDirectory: project.source.displayPath(project.baseDirectory),
                      layersDirectory: project.source.displayPath(project.layersDirectory),
                      environmentFile: environment.file, environmentName: environment.name,
                      projectFile: project.file)
        }

        public func position(_ location: SourceLocation) -> Position {
            let file = location.file
            if location.isGenerated { return Position(location: location, layer: nil, label: nil) }
            if file == environmentFile {
                return Position(location: location, layer: "environment", label: "environment \(environmentName)")
            }
            if file == projectFile { return Position(location: location, layer: "project", label: "project default") }
            if let rest = Self.strip(layersDirectory, from: file), let slash = rest.firstIndex(of: "/") {
                let name = String(rest[..<slash])
                return Position(location: location, layer: name, label: "layer \(name)")
            }
            if Self.strip(baseDirectory, from: file) != nil { return Position(location: location, layer: "base", label: "base") }
            return Position(location: location, layer: nil, label: nil)
        }

        static func strip(_ directory: String, from file: String) -> Substring? {
            let prefix = directory == "." || directory.isEmpty ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
            guard file.hasPrefix(prefix) else { return nil }
            return file.dropFirst(prefix.count)
        }
    }

    public var environment: String
    public var resource: ResourceID
    public var path: FieldPath
    public var value: Node
    public var chain: [Step]
    /// Direct children of a mapping or list value; empty for a scalar.
    public var children: [Child]

    // MARK: Explaining

    /// Explains `path` of the resource `selector` picks in an environment's outcome.
    /// Throws a diagnostic, listing what is there, when the resource or a path step is missing.
    public init(_ outcome: Renderer.Outcome, resource selector: ResourceSelector, path: FieldPath, layout: SourceLayout) throws {
        let resource = try Self.find(selector, in: outcome)
        let node: Node
        switch path.resolve(in: resource.node) {
        case .success(let n): node = n
        case .failure(let miss): throw Self.missDiagnostic(miss, path: path, resource: resource.id)
        }
        environment = outcome.environment.name
        self.resource = resource.id
        self.path = path
        // Every value shown, earlier ones included, goes through the one redaction policy.
        let kind = resource.id.kind
        value = Redaction.redacted(node, at: path, kind: kind)
        chain = Self.redacted(Self.chain(of: node, layout: layout), at: path, kind: kind)
        children = Self.children(of: node, layout: layout, order: outcome.layers, path: path, kind: kind)
    }

    static func redacted(_ steps: [Step], at path: FieldPath, kind: String) -> [Step] {
        steps.map { step in
            var copy = step
            copy.value = Redaction.redacted(step.value, at: path, kind: kind)
            return copy
        }
    }

    /// The one resource a selector picks, or an error listing the candidates.
    static func find(_ selector: ResourceSelector, in outcome: Renderer.Outcome) throws -> Resource {
        let env = outcome.environment.name
        let ofKind = outcome.resources.filter { selector.matchesKind($0.id) }
        let named = ofKind.filter { $0.id.name == selector.name && (selector.namespace == nil || $0.id.namespace == selector.namespace) }
        if named.count == 1 { return named[0] }
        if named.count > 1 {
            throw Diagnostic.error(at: nil, "\(selector) names \(named.count) resources in \(env)",
                                   hint: "say which: " + named.map { selectorText($0.id, withGroup: Set(named.map(\.id.group)).count > 1) }.joined(separator: ", "))
        }
        if ofKind.isEmpty {
            let kinds = OrderedSet(outcome.resources.map(\.id.kind))
            var hint = "kinds in \(env): " + kinds.joined(separator: ", ")
            if let close = Suggestion.closest(to: selector.kind, in: Array(kinds)) { hint = "did you mean \(close)? " + hint }
            throw Diagnostic.error(at: nil, "\(env) has no resource of kind \(selector.kind)", hint: hint)
        }
        let what = selector.namespace.map { "\(ofKind[0].id.kind) \(selector.name) in namespace \($0)" } ?? "\(ofKind[0].id.kind) named \(selector.name)"
        throw Diagnostic.error(at: nil, "\(env) has no \(what)",
                               hint: "\(ofKind[0].id.kind) resources there: " + ofKind.map { selectorText($0.id, withGroup: false) }.joined(separator: ", "))
    }

    /// How to select a resource: `Kind/namespace/name`, or `Kind/name` when cluster-scoped.
    static func selectorText(_ id: ResourceID, withGroup: Bool) -> String {
        let kind = withGroup && !id.group.isEmpty ? "\(id.kind).\(id.group)" : id.kind
        return id.namespace.map { "\(kind)/\($0)/\(id.name)" } ?? "\(kind)/\(id.name)"
    }

    /// Says which step of a path matched nothing, and what there is at that point.
    static func missDiagnostic(_ miss: FieldPath.Miss, path: FieldPath, resource: ResourceID) -> Diagnostic {
        let step = path.steps[miss.depth]
        let parent = miss.depth == 0 ? "the resource" : path.prefix(miss.depth)
        let here = miss.node
        let at = here.location.isGenerated ? nil : here.location
        let stepText: String = { if case .key(let k) = step { return k } else { return step.text } }()
        let headline = "\(resource): "
        switch (step, here.value) {
        case (.key(let k), .mapping(let m)):
            var hint = m.isEmpty ? "\(parent) is an empty mapping" : "keys of \(parent): " + m.keys.joined(separator: ", ")
            if let close = Suggestion.closest(to: k, in: Array(m.keys)) { hint = "did you mean \"\(close)\"? " + hint }
            return .error(at: at, headline + "\(parent) has no key \"\(k)\"", hint: hint)
        case (.index(let i), .sequence(let items)):
            return .error(at: at, headline + "\(parent) has \(items.count) element\(items.count == 1 ? "" : "s"), so there is no [\(i)]",
                          hint: elementsHint(items, parent: parent, key: nil))
        case (.element(let k, let v), .sequence(let items)):
            return .error(at: at, headline + "no element of \(parent) has \(k)=\(v)",
                          hint: elementsHint(items, parent: parent, key: k))
        case (.key, .sequence(let items)):
            return .error(at: at, headline + "\(parent) is a list, so \"\(stepText)\" does not apply",
                          hint: "pick an element with [key=value] or [index]; " + elementsHint(items, parent: parent, key: nil))
        case (_, .mapping(let m)):
            return .error(at: at, headline + "\(parent) is a mapping, not a list, so \(stepText) does not apply",
                          hint: m.isEmpty ? "\(parent) is an empty mapping" : "keys of \(parent): " + m.keys.joined(separator: ", "))
        default:
            return .error(at: at, headline + "\(parent) is \(here.kindWithArticle) (\(brief(here))), so \(stepText) does not apply",
                          hint: "the path ends at \(parent)")
        }
    }

    /// The elements of a list as they can be selected: `[key=value]` when they have `key`
    /// (or a name), `[i]` otherwise.
    static func elementsHint(_ items: [Node], parent: String, key: String?) -> String {
        if items.isEmpty { return "\(parent) is an empty list" }
        let shown = items.enumerated().map { i, item -> String in
            if let key, let v = item[key]?.scalar { return "[\(key)=\(v.text)]" }
            for k in ["name", "host", "mountPath", "key"] {
                if let v = item[k]?.scalar { return "[\(k)=\(v.text)]" }
            }
            return "[\(i)]"
        }
        return "elements of \(parent): " + shown.joined(separator: ", ")
    }

    // MARK: Following the chain

    enum Link {
        case plain(Node)
        case parameter(String, template: Node)
        case interpolated(String, value: Node)
        case derived(String, from: Node)

        init?(_ overridden: Overridden?) {
            guard let o = overridden else { return nil }
            switch o.reason {
            case nil: self = .plain(o.node)
            case .interpolatedParameter(let name)?: self = .interpolated(name, value: o.node)
            case .parameter(let name)?: self = .parameter(name, template: o.node)
            case let reason?: self = .derived(reason.description, from: o.node)
            }
        }
    }

    /// Every position that set a node, newest first, with what each contributed.
    public static func chain(of node: Node, layout: SourceLayout) -> [Step] {
        var steps: [Step] = []
        walk(node, role: .set, depth: 0, layout: layout, into: &steps)
        return steps
    }

    static func walk(_ node: Node, role: Role, depth: Int, layout: SourceLayout, into steps: inout [Step]) {
        // A guard against a malformed, endless chain; real chains are a few links long.
        guard steps.count < 1000 else { return }
        let here = layout.position(node.location)
        switch Link(node.overrode) {
        case nil:
            steps.append(Step(role: role, position: here, value: node, depth: depth))
        case .plain(let earlier):
            steps.append(Step(role: role, position: here, value: node, depth: depth))
            walk(earlier, role: .overrode, depth: depth, layout: layout, into: &steps)
        case .parameter(let name, let template):
            steps.append(Step(role: .parameter, position: here, value: node, reason: Overridden.Reason.parameter(name).description, parameter: name,
                              template: layout.position(template.location), templateValue: template.strippedOfHistory,
                              replaced: role == .overrode, depth: depth))
            // When the template was a patch's value, what it replaced continues the chain.
            if let earlier = template.overrode {
                walk(earlier.node, role: .overrode, depth: depth, layout: layout, into: &steps)
            }
        case .interpolated:
            steps.append(Step(role: role, position: here, value: node, depth: depth))
            var link = node.overrode
            while let l = link, case .interpolatedParameter(let name)? = l.reason {
                steps.append(Step(role: .parameter, position: layout.position(l.node.location), value: l.node.strippedOfHistory,
                                  reason: l.reason?.description, parameter: name, depth: depth + 1))
                link = l.node.overrode
            }
            if let earlier = link {
                walk(earlier.node, role: .overrode, depth: depth, layout: layout, into: &steps)
            }
        case .derived(let reason, let source):
            steps.append(Step(role: .derived, position: here, value: node, reason: reason, depth: depth))
            walk(source, role: .set, depth: depth + 1, layout: layout, into: &steps)
        }
    }

    /// `order`: the layers as they applied, base first, to list a child's contents in.
    static func children(of node: Node, layout: SourceLayout, order: [String], path: FieldPath, kind: String) -> [Child] {
        func rank(_ label: String) -> Int {
            if label == "base" { return 0 }
            if label.hasPrefix("layer "), let i = order.firstIndex(of: String(label.dropFirst(6))) { return 1 + i }
            if label.hasPrefix("environment ") { return 1_000 }
            if label == "project default" { return 1_001 }
            return 2_000
        }
        func child(_ key: String, _ step: FieldPath.Step, _ value: Node) -> Child {
            var contents: OrderedSet<String> = []
            if value.mapping != nil || value.sequence != nil { collectLabels(value, layout: layout, into: &contents) }
            let sorted = contents.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
            let at = path.appending(step)
            return Child(key: key, value: Redaction.redacted(value, at: at, kind: kind),
                         chain: redacted(chain(of: value, layout: layout), at: at, kind: kind), contents: sorted)
        }
        switch node.value {
        case .scalar: return []
        case .mapping(let m): return m.entries.map { child($0.key, .key($0.key), $0.value.value) }
        case .sequence(let items):
            return items.enumerated().map { i, item in
                let name = ["name", "host", "mountPath"].lazy.compactMap { k in item[k]?.scalar.map { "\(k)=\($0.text)" } }.first
                return child("[\(i)]" + (name.map { " " + $0 } ?? ""), .element(i, of: item), item)
            }
        }
    }

    /// The parts of the source that set values inside a tree, by their newest positions.
    static func collectLabels(_ node: Node, layout: SourceLayout, into labels: inout OrderedSet<String>) {
        switch node.value {
        case .scalar:
            labels.append(layout.position(node.location).label ?? node.location.file)
        case .mapping(let m):
            if m.isEmpty { labels.append(layout.position(node.location).label ?? node.location.file) }
            for entry in m.entries.values { collectLabels(entry.value, layout: layout, into: &labels) }
        case .sequence(let items):
            if items.isEmpty { labels.append(layout.position(node.location).label ?? node.location.file) }
            for item in items { collectLabels(item, layout: layout, into: &labels) }
        }
    }

    // MARK: Text

    /// The explanation as people read it.
    public var text: String {
        var out = "\(resource) \(path.description) in \(environment):\n\n"
        out += Self.indented(YAMLEmitter().emit(value), by: 2)
        out += "\n"
        for (i, step) in chain.enumerated() {
            let interpolates = i + 1 < chain.count && chain[i + 1].depth == step.depth + 1 && chain[i + 1].role == .parameter
            out += String(repeating: "  ", count: step.depth)
                + Self.line(step, showValue: i > 0 || step.depth > 0, interpolates: interpolates) + "\n"
        }
        if !children.isEmpty {
            out += "\n" + (value.mapping != nil ? "keys" : "elements") + ":\n"
            let width = min(children.map(\.key.count).max() ?? 0, 32)
            for c in children {
                let pad = String(repeating: " ", count: max(0, width - c.key.count))
                out += "  \(c.key)\(pad)  \(Self.summary(c))\n"
            }
        }
        return out
    }

    /// One line of the chain.
    static func line(_ step: Step, showValue: Bool, interpolates: Bool = false) -> String {
        let value = (interpolates ? ", with parameters" : "") + (showValue ? ": " + brief(step.value) : "")
        switch step.role {
        case .set: return "set by \(where_(step.position))" + value
        case .overrode: return "overrode \(where_(step.position))" + value
        case .derived: return step.reason ?? "derived"
        case .parameter:
            var text = (step.replaced ? "overrode " : "") + "parameter \(step.parameter ?? "?"), set by \(where_(step.position))"
            if let t = step.template { text += ", in the template at \(where_(t))" }
            return text + value
        }
    }

    /// A child's line: its newest position, and the one before when there is one.
    static func summary(_ child: Child) -> String {
        guard let first = child.chain.first else { return "" }
        var text = line(first, showValue: false)
        if first.role == .derived, child.chain.count > 1 {
            text += ", " + line(child.chain[1], showValue: true)
        } else {
            let earlier = child.chain.dropFirst().filter { $0.depth == 0 }
            if let e = earlier.first {
                text += "; overrode \(where_(e.position))"
                if earlier.count > 1 { text += " and \(earlier.count - 1) earlier" }
            }
            let params = child.chain.dropFirst().filter { $0.depth == 1 && $0.role == .parameter }.compactMap(\.parameter)
            if !params.isEmpty { text += "; parameters " + params.joined(separator: ", ") }
        }
        if !child.contents.isEmpty, child.contents != [first.position.label ?? first.position.location.file] {
            text += "; contents from " + child.contents.joined(separator: ", ")
        }
        return text
    }

    static func where_(_ p: Position) -> String {
        p.label.map { "\(p.location) (\($0))" } ?? "\(p.location)"
    }

    static func indented(_ text: String, by n: Int) -> String {
        let pad = String(repeating: " ", count: n)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }

    /// A value in a few words: a scalar as YAML (the first line of a multi-line string),
    /// a mapping by its keys, a list by its length.
    public static func brief(_ node: Node) -> String {
        switch node.value {
        case .scalar(let s):
            if s.tag == .string, s.text.contains("\n") {
                let lines = s.text.split(separator: "\n", omittingEmptySubsequences: false)
                let first = lines.first { !$0.trimmingSpaces.isEmpty }.map { String($0.trimmingSpaces) } ?? ""
                return "\"\(clip(first))…\" (\(lines.count) lines)"
            }
            var text = YAMLEmitter().emit(node)
            if text.hasSuffix("\n") { text.removeLast() }
            return clip(text)
        case .mapping(let m):
            if m.isEmpty { return "{}" }
            let keys = m.keys.prefix(4).joined(separator: ", ")
            return "{" + keys + (m.count > 4 ? ", … (\(m.count) keys)" : "") + "}"
        case .sequence(let items):
            return items.isEmpty ? "[]" : "a list of \(items.count)"
        }
    }

    static func clip(_ s: String, _ n: Int = 72) -> String {
        s.count <= n ? s : String(s.prefix(n)) + "…"
    }
}

// MARK: JSON

/// `explain --format json`: the environment, the resource, the path, the value as YAML
/// text, the chain of positions that set it (newest first) and, for a mapping or list,
/// where each direct child was set.
public struct ExplanationReport: Encodable, Sendable {
    /// The resource; `namespace` is left out for a cluster-scoped one.
    public struct Resource: Encodable, Sendable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var namespace: String?
    }

    /// A position in the source. `layer` names its part of the source (`prod` for a file
    /// under layers/prod/, `base`, `environment`, `project`) and is null for any other
    /// file; `value` is set only on a parameter's template position (the `${name}` text).
    public struct Position: Encodable, Sendable {
        public var file: String
        public var line: Int
        public var column: Int
        public var layer: String?
        public var value: String?

        init(_ p: Explanation.Position, value: Node? = nil) {
            file = p.location.file
            line = p.location.line
            column = p.location.column
            layer = p.layer
            self.value = value.map { YAMLEmitter().emit($0) }
        }

        enum CodingKeys: String, CodingKey { case file, line, column, layer, value }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(line, forKey: .line)
            try c.encode(column, forKey: .column)
            try c.encodeOrNull(layer, forKey: .layer)
            try c.encodeIfPresent(value, forKey: .value)
        }
    }

    /// One step of a chain: its position's keys (file, line, column, layer) beside its
    /// role, value (YAML text) and depth; `reason`, `parameter` and `template` only when
    /// the step has them.
    public struct Step: Encodable, Sendable {
        public var position: Position
        public var role: Explanation.Role
        public var value: String
        public var depth: Int
        public var reason: String?
        public var parameter: String?
        public var template: Position?

        init(_ step: Explanation.Step) {
            position = Position(step.position)
            role = step.role
            value = YAMLEmitter().emit(step.value)
            depth = step.depth
            reason = step.reason
            parameter = step.parameter
            template = step.template.map { Position($0, value: step.templateValue) }
        }

        enum CodingKeys: String, CodingKey { case file, line, column, layer, role, value, depth, reason, parameter, template }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(position.file, forKey: .file)
            try c.encode(position.line, forKey: .line)
            try c.encode(position.column, forKey: .column)
            try c.encodeOrNull(position.layer, forKey: .layer)
            try c.encode(role, forKey: .role)
            try c.encode(value, forKey: .value)
            try c.encode(depth, forKey: .depth)
            try c.encodeIfPresent(reason, forKey: .reason)
            try c.encodeIfPresent(parameter, forKey: .parameter)
            try c.encodeIfPresent(template, forKey: .template)
        }
    }

    /// One direct child: its key, its chain, its value when it is a scalar, and the parts
    /// of the source that set values inside it when there are any.
    public struct Child: Encodable, Sendable {
        public var key: String
        public var chain: [Step]
        public var value: String?
        public var contents: [String]?
    }

    public var environment: String
    public var resource: Resource
    public var path: String
    public var value: String
    public var chain: [Step]
    /// Left out for a scalar value.
    public var children: [Child]?

    public init(_ e: Explanation) {
        environment = e.environment
        resource = Resource(apiVersion: e.resource.apiVersion, kind: e.resource.kind, name: e.resource.name, namespace: e.resource.namespace)
        path = e.path.description
        value = YAMLEmitter().emit(e.value)
        chain = e.chain.map(Step.init)
        children = e.children.isEmpty ? nil : e.children.map { c in
            Child(key: c.key, chain: c.chain.map(Step.init),
                  value: c.value.scalar != nil ? YAMLEmitter().emit(c.value) : nil,
                  contents: c.contents.isEmpty ? nil : c.contents)
        }
    }
}

extension Node {
    /// The value alone, without what it replaced.
    fileprivate var strippedOfHistory: Node {
        var copy = self
        copy.overrode = nil
        return copy
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
