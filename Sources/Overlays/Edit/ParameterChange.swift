import Foundation
import MergeEngine
import YAMLModel

/// What `set`, `unset` and `promote` change: parameter values in environment files (or the
/// project's defaults), planned as byte-minimal file edits (`ValueEdit`). Nothing is written
/// here; the caller renders the edited source first and writes only when it renders.
public struct ParameterChange: Sendable {
    /// One parameter's new value; nil removes it.
    public struct Assignment: Sendable, Equatable {
        public var name: String
        public var value: ValueEdit.Value?

        public init(name: String, value: ValueEdit.Value?) {
            self.name = name
            self.value = value
        }
    }

    /// Where the values are written.
    public enum Target: Sendable, Equatable {
        /// `parameters.NAME` of each environment's file; an environment may get its own
        /// assignments (promote copies one environment's values to others).
        case environments([String])
        /// `parameters.NAME.default` of the project file.
        case defaults
    }

    /// One value that changes.
    public struct Change: Sendable, Equatable {
        /// The file, from the source's root.
        public var file: String
        /// The environment whose file it is; nil for a project default.
        public var environment: String?
        public var parameter: String
        /// As YAML writes them, on one line; nil where there was (or will be) no value.
        public var old: String?
        public var new: String?
        /// Whether `old` is the project's default, which the environment had not overridden.
        public var oldIsDefault = false

        /// `0.74.1`, `0.74.1 (default)` or `(unset)`.
        public var oldDisplay: String { old.map { oldIsDefault ? $0 + " (default)" : $0 } ?? "(unset)" }
        public var newDisplay: String { new ?? "(unset)" }
    }

    /// A file's text before and after.
    public struct FileEdit: Sendable {
        public var path: String
        public var before: String
        public var after: String
    }

    public var target: Target
    public var changes: [Change] = []
    public var files: [FileEdit] = []

    /// The source with the edits made, for rendering before anything is written.
    public func editedSource(_ source: any SourceTree) -> any SourceTree {
        EditedSource(base: source, files: Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.after) }))
    }

    /// Plans `assignments` for `target`. Values are checked against the parameters'
    /// declarations; a value equal to the one written already changes nothing.
    /// With `skippingEffective`, an environment whose value (its own or the default) is the
    /// new one already is left alone; otherwise only its own value counts, and setting a
    /// value equal to the default writes it (pinning it).
    public static func plan(_ project: Project, target: Target, assignments: [String: [Assignment]], skippingEffective: Bool = false) throws -> ParameterChange {
        var change = ParameterChange(target: target)
        switch target {
        case .defaults:
            let list = assignments[""] ?? []
            try change.edit(file: Project.fileName, source: project.source, list.map { a in
                let p = try declaration(a.name, in: project)
                if a.value == nil && p.defaultValue == nil { return nil }
                return Planned(assignment: a, path: ["parameters", a.name, "default"], own: p.defaultValue, inherited: nil)
            }.compactMap { $0 }, environment: nil, skippingEffective: false)
        case .environments(let names):
            for name in names {
                let env = try project.environment(named: name)
                let list = try (assignments[name] ?? assignments[""] ?? []).map { a -> Planned in
                    let p = try declaration(a.name, in: project)
                    return Planned(assignment: a, path: ["parameters", a.name], own: env.parameterValues[a.name], inherited: p.defaultValue)
                }
                try change.edit(file: project.environmentFile(name), source: project.source, list, environment: name, skippingEffective: skippingEffective)
            }
        }
        return change
    }

    public static func declaration(_ name: String, in project: Project) throws -> Parameter {
        guard let p = project.parameters[name] else {
            var hint = "the parameters are declared under parameters: in \(project.file)"
            if let close = Suggestion.closest(to: name, in: Array(project.parameters.keys)) { hint = "did you mean \"\(close)\"? " + hint }
            throw Diagnostic.error(at: nil, "there is no parameter \"\(name)\"", hint: hint)
        }
        return p
    }

    /// One assignment to one file: the value there (`own`), and the default it falls back on.
    struct Planned {
        var assignment: Assignment
        var path: [String]
        var own: Node?
        var inherited: Node?
    }

    mutating func edit(file: String, source: any SourceTree, _ list: [Planned], environment: String?, skippingEffective: Bool) throws {
        guard !list.isEmpty else { return }
        guard let text = try source.readFile(file) else {
            throw Diagnostic.error(at: nil, "cannot read \(source.displayPath(file))")
        }
        var current = text
        var changed = false
        for planned in list {
            let (assignment, path, old) = (planned.assignment, planned.path, planned.own)
            let spans = try YAMLSpans(current, file: source.displayPath(file))
            let shown = old ?? planned.inherited
            let edits: [TextEdit]
            if let value = assignment.value {
                if let old, Self.value(of: old) == value { continue }
                if skippingEffective, old == nil, let inherited = planned.inherited, Self.value(of: inherited) == value { continue }
                edits = try ValueEdit.set(path, to: value, in: spans, file: source.displayPath(file))
            } else {
                guard let edit = try ValueEdit.remove(path, in: spans, file: source.displayPath(file)) else { continue }
                edits = [edit]
            }
            current = String(decoding: TextEdit.apply(edits, to: spans.bytes), as: UTF8.self)
            // A credential's value is never printed, committed in a message or reported: its
            // digest says that it changed (the one redaction policy).
            let secret = Redaction.isSecretParameter(assignment.name)
            func shownText(_ text: String?) -> String? { secret ? text.map(Redaction.digest) : text }
            changes.append(Change(file: file, environment: environment, parameter: assignment.name, old: shownText(shown.map(Self.display)),
                                  new: shownText(assignment.value.map(Self.display)), oldIsDefault: old == nil && shown != nil))
            changed = true
        }
        if changed { files.append(FileEdit(path: file, before: text, after: current)) }
    }

    /// A value on one line, as YAML writes it.
    public static func display(_ node: Node) -> String {
        switch node.value {
        case .scalar(let s): return YAMLEmitter.inlineScalar(s)
        case .sequence(let items): return "[" + items.map { $0.scalar.map { YAMLEmitter.inlineScalar($0, inFlow: true) } ?? "…" }.joined(separator: ", ") + "]"
        case .mapping: return "{…}"
        }
    }

    /// A value of parameter `name` as messages show it: its digest when the name says it
    /// holds a credential.
    public static func shown(_ value: ValueEdit.Value?, of name: String) -> String {
        guard let value else { return "(unset)" }
        return Redaction.isSecretParameter(name) ? Redaction.digest(display(value)) : display(value)
    }

    public static func display(_ value: ValueEdit.Value) -> String {
        switch value {
        case .scalar(let s): return YAMLEmitter.inlineScalar(s)
        case .list(let items): return "[" + items.map { YAMLEmitter.inlineScalar($0, inFlow: true) }.joined(separator: ", ") + "]"
        }
    }

    /// The value an environment sees: its own, else the project's default.
    public static func effectiveValue(_ name: String, of environment: Environment, in project: Project) -> Node? {
        environment.parameterValues[name] ?? project.parameters[name]?.defaultValue
    }

    /// A node's value as an assignment's (scalars and lists of scalars).
    public static func value(of node: Node) -> ValueEdit.Value? {
        switch node.value {
        case .scalar(let s): return .scalar(s)
        case .sequence(let items):
            let scalars = items.compactMap(\.scalar)
            return scalars.count == items.count ? .list(scalars) : nil
        case .mapping: return nil
        }
    }
}

extension Parameter {
    /// A value given on the command line (`NAME=VALUE`), read by the declared type: a
    /// string as it is (`0.75.0` stays a string), an int in decimal, a bool as `true` or
    /// `false`, a list as YAML's `[a, b]` or comma-separated.
    public func value(parsing text: String) throws -> ValueEdit.Value {
        switch kind {
        case .string:
            return .scalar(.string(text))
        case .int:
            guard let i = Int(text) else { throw typeError(text) }
            return .scalar(.int(i))
        case .bool:
            guard text == "true" || text == "false" else { throw typeError(text) }
            return .scalar(.bool(text == "true"))
        case .list:
            if text.hasPrefix("[") {
                let node = try YAMLParser().parseDocument(text, file: "the value of \(name)")
                guard let items = node.sequence, items.allSatisfy({ $0.scalar != nil }) else { throw typeError(text) }
                return .list(items.map { $0.scalar! })
            }
            return .list(text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map { .string($0.trimmingCharacters(in: .whitespaces)) })
        }
    }

    func typeError(_ text: String) -> Diagnostic {
        .error(at: nil, "parameter \"\(name)\" expects \(kindWithArticle), not \"\(text)\"",
               hint: "\(name) is declared as \(kind.rawValue) at \(location)" + (kind == .bool ? "; write true or false" : ""))
    }
}

/// A source tree with some files' text replaced: the source as it would be after an edit.
struct EditedSource: SourceTree {
    let base: any SourceTree
    let files: [String: String]

    func displayPath(_ path: String) -> String { base.displayPath(path) }
    func readFile(_ path: String) throws -> String? { try files[path] ?? base.readFile(path) }
    func list(_ path: String) throws -> [SourceEntry]? { try base.list(path) }
}
