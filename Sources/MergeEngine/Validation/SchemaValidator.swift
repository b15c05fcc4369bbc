import Foundation
import YAMLModel

/// Validates rendered resources against structural OpenAPI v3 schemas (CRDs, or the
/// built-in schemas), as the API server would on apply, with unknown fields as errors where
/// a schema is closed (like `kubectl apply --validate=strict`).
///
/// Checks: types (`x-kubernetes-int-or-string` included), `nullable`, `enum`, `pattern`,
/// `required`, lengths, bounds and item counts, `format` `byte`, `int32` and `int64`, set
/// lists, `anyOf`/`allOf`, unknown fields of closed objects; `additionalProperties` schemas
/// apply to map values and `x-kubernetes-preserve-unknown-fields` opens a region.
///
/// Each error is a diagnostic at the source position that set the value (its provenance),
/// naming the resource and the rendered path:
/// `ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.replicasCount: expected integer, found string "3"`.
///
/// One validator serves a whole run (every environment, on every thread): schemas are
/// compiled once, and the kinds it could not fully validate are collected for one note.
public final class SchemaValidator: @unchecked Sendable {
    public let schemas: ValidationSchemas
    private let lock = NSLock()
    /// `Kind (apiVersion)` of resources checked against built-in rules only.
    private var partialKinds: Set<String> = []
    /// `Kind (apiVersion)` of resources nothing is known about.
    private var unknownKinds: Set<String> = []
    private var noteTaken = false

    public init(schemas: ValidationSchemas = ValidationSchemas()) {
        self.schemas = schemas
    }

    /// The errors of every resource, in order.
    public func validate(_ resources: [Resource]) -> [Diagnostic] {
        resources.flatMap { validate($0) }
    }

    /// The errors of one resource; none when its kind is unknown (see `coverageNote`).
    public func validate(_ resource: Resource) -> [Diagnostic] {
        let id = resource.id
        let schema: ValidationSchema
        switch schemas.lookup(apiVersion: id.apiVersion, kind: id.kind) {
        case .crd(let s), .core(let s):
            schema = s
        case .stack(let s):
            record(id, partial: true)
            schema = s
        case .unknown:
            record(id, partial: false)
            return []
        case .unservedVersion(let served):
            let at = resource.node["apiVersion"].flatMap { Walk.sourceLocation($0) } ?? resource.node.location
            return [.error(at: at, "\(id.kind)/\(id.name): apiVersion \(id.apiVersion) is not served by the \(id.kind) CustomResourceDefinition",
                           hint: "served versions: " + served.map { (id.group.isEmpty ? "" : id.group + "/") + $0 }.joined(separator: ", "))]
        }
        var walk = Walk(label: "\(id.kind)/\(id.name)", fallback: resource.node.location)
        walk.check(resource.node, schema)
        return walk.diagnostics
    }

    private func record(_ id: ResourceID, partial: Bool) {
        let name = "\(id.kind) (\(id.apiVersion))"
        lock.lock()
        if partial { partialKinds.insert(name) } else { unknownKinds.insert(name) }
        lock.unlock()
    }

    /// Kinds validated against built-in rules only, and kinds not validated at all, so far.
    public var coverage: (partial: [String], unknown: [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (partialKinds.sorted(), unknownKinds.sorted())
    }

    /// A note saying which kinds were not fully validated for want of a CRD, or nil.
    public func coverageNote() -> Diagnostic? {
        let (partial, unknown) = coverage
        guard !partial.isEmpty || !unknown.isEmpty else { return nil }
        var parts: [String] = []
        if !partial.isEmpty { parts.append("checked against built-in rules only: " + partial.joined(separator: ", ")) }
        if !unknown.isEmpty { parts.append("not validated: " + unknown.joined(separator: ", ")) }
        return Diagnostic(.note, at: nil, "full schema validation was skipped for kinds without a CRD (" + parts.joined(separator: "; ") + ")",
                          hint: "pass --crds DIR (a directory of CustomResourceDefinition files), or list the CRD files under crds: in gitops-weave.yaml")
    }

    /// `coverageNote()`, the first time it is asked for; nil afterwards.
    public func takeCoverageNote() -> Diagnostic? {
        lock.lock()
        let taken = noteTaken
        noteTaken = true
        lock.unlock()
        return taken ? nil : coverageNote()
    }
}

/// One walk over a resource's tree beside its schema.
struct Walk {
    typealias Step = FieldPath.Step

    let label: String
    let fallback: SourceLocation
    var path: [Step] = []
    var diagnostics: [Diagnostic] = []
    /// The bare messages, without the resource and path (for `anyOf` hints).
    var messages: [String] = []

    init(label: String, fallback: SourceLocation, path: [Step] = []) {
        self.label = label
        self.fallback = fallback
        self.path = path
    }

    // MARK: Checking

    mutating func check(_ node: Node, _ s: ValidationSchema) {
        if node.isNull {
            if s.nullable { return }
            if s.type == nil && !s.intOrString && s.anyOf.isEmpty && s.enumValues == nil { return }
        }
        if s.intOrString {
            guard let tag = node.scalar?.tag, tag == .int || tag == .string else {
                typeError(node, expected: "integer or string", type: nil)
                return
            }
        } else if let type = s.type, !Self.matches(type, node) {
            typeError(node, expected: type.rawValue, type: type)
            return
        }
        if let values = s.enumValues, !values.contains(where: { $0 == node }) {
            enumError(node, values)
        }
        if !s.anyOf.isEmpty && !s.anyOf.contains(where: { probe(node, $0).isEmpty }) {
            let first = probe(node, s.anyOf[0]).first
            error(node, "matches none of the allowed schemas", hint: first.map { "against the first: " + $0 } ?? "see the CRD for the allowed forms")
        }
        for branch in s.allOf { check(node, branch) }

        switch node.value {
        case .scalar(let scalar):
            checkScalar(node, scalar, s)
        case .sequence(let items):
            checkList(node, items, s)
        case .mapping(let map):
            checkObject(node, map, s)
        }
    }

    /// The messages `node` would get against `schema`, without reporting them.
    func probe(_ node: Node, _ schema: ValidationSchema) -> [String] {
        var w = Walk(label: label, fallback: fallback, path: path)
        w.check(node, schema)
        return w.messages
    }

    mutating func checkScalar(_ node: Node, _ scalar: Scalar, _ s: ValidationSchema) {
        switch scalar.tag {
        case .string:
            let text = scalar.text
            if let pattern = s.pattern, !pattern.matches(text) {
                error(node, "\(FieldPath.quoted(text)) does not match the pattern \(pattern.text)",
                      hint: Self.patternHint(pattern.text, text) ?? "change the value to match the regular expression")
            }
            if s.minLength != nil || s.maxLength != nil {
                let length = text.unicodeScalars.count
                if let min = s.minLength, length < min {
                    error(node, length == 0 ? "the value is empty; at least \(min) characters are required"
                                            : "\(FieldPath.quoted(text)) is \(length) characters long, shorter than the minimum \(min)",
                          hint: "use at least \(min) characters")
                }
                if let max = s.maxLength, length > max {
                    error(node, "\(FieldPath.quoted(text)) is \(length) characters long, longer than the maximum \(max)",
                          hint: "shorten it to at most \(max) characters")
                }
            }
            if s.format == "byte", Data(base64Encoded: text) == nil {
                error(node, "\(FieldPath.quoted(text)) is not base64", hint: "encode the value in base64; a Secret takes plain text under stringData instead")
            }
        case .int, .float:
            guard let value = Double(floatLiteral: scalar.text) else { return }
            if let min = s.minimum, value < min || (s.exclusiveMinimum && value == min) {
                error(node, "\(Self.short(scalar.text)) is less than the \(s.exclusiveMinimum ? "exclusive " : "")minimum \(Self.number(min))",
                      hint: s.exclusiveMinimum ? "use a value greater than \(Self.number(min))" : "the smallest allowed value is \(Self.number(min))")
            }
            if let max = s.maximum, value > max || (s.exclusiveMaximum && value == max) {
                error(node, "\(Self.short(scalar.text)) is greater than the \(s.exclusiveMaximum ? "exclusive " : "")maximum \(Self.number(max))",
                      hint: s.exclusiveMaximum ? "use a value less than \(Self.number(max))" : "the largest allowed value is \(Self.number(max))")
            }
            if scalar.tag == .int {
                if s.format == "int32", !(Int(scalar.text).map { $0 >= Int(Int32.min) && $0 <= Int(Int32.max) } ?? false) {
                    error(node, "\(Self.short(scalar.text)) is out of range for a 32-bit integer", hint: "use a value from \(Int32.min) to \(Int32.max)")
                } else if s.format == "int64", Int(scalar.text) == nil {
                    error(node, "\(Self.short(scalar.text)) is out of range for a 64-bit integer", hint: "use a value from \(Int64.min) to \(Int64.max)")
                }
            }
        case .bool, .null:
            break
        }
    }

    mutating func checkList(_ node: Node, _ items: [Node], _ s: ValidationSchema) {
        if let min = s.minItems, items.count < min {
            error(node, "the list has \(items.count) item\(items.count == 1 ? "" : "s"), fewer than the minimum \(min)",
                  hint: "give at least \(min) item\(min == 1 ? "" : "s")")
        }
        if let max = s.maxItems, items.count > max {
            error(node, "the list has \(items.count) items, more than the maximum \(max)", hint: "keep at most \(max) item\(max == 1 ? "" : "s")")
        }
        for (i, item) in items.enumerated() {
            path.append(.index(i))
            if s.uniqueItems, items[..<i].contains(where: { $0 == item }) {
                error(item, "duplicate item \(Self.display(item))", hint: "the list is a set: remove the repeated item")
            }
            if let itemSchema = s.items { check(item, itemSchema) }
            path.removeLast()
        }
    }

    mutating func checkObject(_ node: Node, _ map: Mapping, _ s: ValidationSchema) {
        for name in s.required where !map.contains(name) {
            error(node, "missing required field \"\(name)\"",
                  hint: s.required.count == 1 ? "add \(name):" : "required here: " + s.required.joined(separator: ", "))
        }
        let closed = s.isClosed
        for (key, entry) in map.entries {
            if let property = s.properties[key] {
                path.append(.key(key))
                check(entry.value, property)
                path.removeLast()
            } else if case .schema(let values) = s.additional {
                path.append(.key(key))
                check(entry.value, values)
                path.removeLast()
            } else if closed && !(path.isEmpty && Self.alwaysAllowedAtRoot.contains(key)) {
                unknownField(key, entry, s)
            }
        }
    }

    // MARK: Errors

    mutating func error(_ node: Node, _ what: String, hint: String? = nil) {
        report(at: Self.sourceLocation(node) ?? fallback, what, hint: hint)
    }

    mutating func report(at location: SourceLocation, _ what: String, hint: String?) {
        messages.append(what)
        let where_ = pathText
        let message = where_.isEmpty ? "\(label): \(what)" : "\(label) \(where_): \(what)"
        diagnostics.append(.error(at: location, message, hint: hint))
    }

    mutating func typeError(_ node: Node, expected: String, type: ValidationSchema.JSONType?) {
        error(node, "expected \(expected), found \(Self.found(node))", hint: typeHint(node, expected: type) ?? Self.takes(expected))
    }

    /// The fallback hint of a type error: what the field takes, in words.
    static func takes(_ expected: String) -> String {
        let words = ["string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
                     "object": "a mapping (key: value)", "array": "a list", "integer or string": "an integer or a string"]
        return "this field takes " + (words[expected] ?? expected)
    }

    func typeHint(_ node: Node, expected: ValidationSchema.JSONType?) -> String? {
        var key: String?
        if case .key(let k)? = path.last { key = k }
        let field = key.map { "\($0): " } ?? ""
        switch node.value {
        case .mapping:
            if expected == .array { return "write a list here (items start with \"- \")" }
            return nil
        case .sequence:
            if expected == .object { return "write a mapping (key: value) here, not a list" }
            return nil
        case .scalar(let scalar):
            if scalar.tag == .null {
                return "null is not allowed here: give \(key ?? "it") a value, or leave \(key == nil ? "it" : "the field") out"
            }
            switch expected {
            case .string?:
                return "quote it: \(field)\"\(Self.short(scalar.text))\""
            case nil:
                return nil
            case .object?:
                return "write a mapping (key: value) here"
            case .array?:
                return "write a list here (items start with \"- \")"
            case let type?:
                guard scalar.tag == .string else {
                    if type == .integer && scalar.tag == .float { return "write a whole number" }
                    return nil
                }
                let resolved = ScalarResolver.resolvePlain(scalar.text)
                if Self.matches(type, Node.scalar(resolved, at: fallback)) {
                    return "remove the quotes: \(field)\(Self.short(resolved.text))"
                }
                if type == .boolean { return "write true or false, without quotes" }
                return nil
            }
        }
    }

    mutating func enumError(_ node: Node, _ values: [Node]) {
        let allowed = values.map(Self.display)
        var hint = "allowed values: " + allowed.joined(separator: ", ")
        if let text = node.stringValue {
            let strings = values.compactMap(\.stringValue).filter { !$0.isEmpty }
            if let close = Suggestion.closest(to: text, in: strings), close != text {
                hint = "did you mean \"\(close)\"? " + hint
            }
        }
        error(node, "unsupported value \(Self.display(node))", hint: hint)
    }

    mutating func unknownField(_ key: String, _ entry: Mapping.Entry, _ s: ValidationSchema) {
        let known = s.propertyNames
        var hint: String
        if known.isEmpty {
            hint = "this mapping takes no fields"
        } else {
            let shown = known.count > 20 ? known.prefix(20).joined(separator: ", ") + ", …" : known.joined(separator: ", ")
            hint = "fields here: " + shown
            if let close = Suggestion.closest(to: key, in: known) { hint = "did you mean \"\(close)\"? " + hint }
        }
        let at = entry.keyLocation.isGenerated ? (Self.sourceLocation(entry.value) ?? fallback) : entry.keyLocation
        report(at: at, "unknown field \"\(key)\"", hint: hint)
    }

    // MARK: Words

    /// Where a value was set: its newest position that is in a file (a generated value,
    /// such as a derived one, points at what it was derived from).
    static func sourceLocation(_ node: Node) -> SourceLocation? {
        if !node.location.isGenerated { return node.location }
        return node.provenance.first { !$0.isGenerated }
    }

    var pathText: String { FieldPath(path).prefix(path.count) }

    static func matches(_ type: ValidationSchema.JSONType, _ node: Node) -> Bool {
        switch node.value {
        case .mapping: return type == .object
        case .sequence: return type == .array
        case .scalar(let s):
            switch s.tag {
            case .string: return type == .string
            case .int: return type == .integer || type == .number
            case .float:
                if type == .number { return true }
                // 3.0 is an integer to JSON Schema and to the API server.
                guard type == .integer, let d = Double(floatLiteral: s.text), d.isFinite else { return false }
                return d == d.rounded()
            case .bool: return type == .boolean
            case .null: return false
            }
        }
    }

    static func found(_ node: Node) -> String {
        switch node.value {
        case .mapping: return "object"
        case .sequence: return "array"
        case .scalar(let s):
            switch s.tag {
            case .string: return "string " + FieldPath.quoted(s.text)
            case .int: return "integer " + short(s.text)
            case .float: return "number " + short(s.text)
            case .bool: return "boolean " + s.text
            case .null: return "null"
            }
        }
    }

    /// The API server accepts these on every object, whether or not a CRD's schema names them.
    static let alwaysAllowedAtRoot: Set<String> = ["apiVersion", "kind", "metadata"]

    /// Scalar text for a message: at most 60 characters, so a huge value is never echoed.
    static func short(_ text: String) -> String {
        text.count <= 60 ? text : String(text.prefix(60)) + "…"
    }

    static func display(_ node: Node) -> String {
        switch node.value {
        case .mapping: return "{…}"
        case .sequence: return "[…]"
        case .scalar(let s): return s.tag == .string ? FieldPath.quoted(s.text) : short(s.text)
        }
    }

    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    /// For a pattern that is one character class with a count (`^[a-zA-Z0-9-]{0,15}$`),
    /// the characters of `value` the class does not allow.
    static func patternHint(_ pattern: String, _ value: String) -> String? {
        guard pattern.hasPrefix("^["), pattern.hasSuffix("$"), let close = pattern.dropFirst(2).firstIndex(of: "]") else { return nil }
        let set = String(pattern[pattern.index(pattern.startIndex, offsetBy: 2)..<close])
        let quantifier = pattern[pattern.index(after: close)..<pattern.index(before: pattern.endIndex)]
        guard quantifier.isEmpty || quantifier == "+" || quantifier == "*" || (quantifier.first == "{" && quantifier.last == "}") else { return nil }
        let single = PatternCache.shared.pattern("^[" + set + "]$")
        guard single.regex != nil else { return nil }
        var bad: [Character] = []
        for c in value where !single.matches(String(c)) && !bad.contains(c) { bad.append(c) }
        var parts: [String] = []
        if !bad.isEmpty {
            parts.append("not allowed: " + bad.map { FieldPath.quoted(String($0)) }.joined(separator: ", "))
        }
        var use = "use only [\(set)]"
        if quantifier.first == "{" {
            let bounds = quantifier.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            if bounds.count == 1, let n = bounds[0] {
                use += ", exactly \(n) characters"
            } else if bounds.count == 2, let max = bounds[1] {
                use += (bounds[0] ?? 0) == 0 ? ", at most \(max) characters" : ", \(bounds[0]!) to \(max) characters"
            }
        }
        parts.append(use)
        return parts.joined(separator: "; ")
    }
}
