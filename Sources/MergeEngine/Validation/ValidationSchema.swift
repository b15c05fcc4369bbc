import Foundation
import YAMLModel

/// One node of a structural OpenAPI v3 schema (a CRD's `openAPIV3Schema`), compiled for
/// validating many values: patterns are compiled once, property tables are dictionaries.
///
/// Built by `ValidationSchema.compile(_:)` and not changed afterwards, so one compiled
/// schema is shared by every environment and thread of a run.
public final class ValidationSchema: @unchecked Sendable {
    /// The OpenAPI types a structural schema can name.
    public enum JSONType: String, Sendable {
        case string, integer, number, boolean, object, array
    }

    /// What an object allows beyond `properties`.
    public enum Additional: Sendable {
        /// Nothing said: closed when the object lists properties, open otherwise.
        case unspecified
        /// `additionalProperties: true`.
        case allowed
        /// `additionalProperties: false`.
        case forbidden
        /// `additionalProperties: {schema}`: the schema of every map value.
        case schema(ValidationSchema)
    }

    public internal(set) var type: JSONType?
    /// `x-kubernetes-int-or-string: true` or `format: int-or-string`.
    public internal(set) var intOrString = false
    public internal(set) var nullable = false
    public internal(set) var enumValues: [Node]?
    public internal(set) var pattern: CompiledPattern?
    public internal(set) var minimum: Double?
    public internal(set) var maximum: Double?
    public internal(set) var exclusiveMinimum = false
    public internal(set) var exclusiveMaximum = false
    public internal(set) var minLength: Int?
    public internal(set) var maxLength: Int?
    public internal(set) var minItems: Int?
    public internal(set) var maxItems: Int?
    public internal(set) var uniqueItems = false
    public internal(set) var format: String?
    public internal(set) var required: [String] = []
    public internal(set) var properties: [String: ValidationSchema] = [:]
    /// Property names in schema order, for hints.
    public internal(set) var propertyNames: [String] = []
    public internal(set) var hasProperties = false
    public internal(set) var additional = Additional.unspecified
    /// `x-kubernetes-preserve-unknown-fields: true`: fields the schema does not name are kept.
    public internal(set) var preservesUnknownFields = false
    public internal(set) var items: ValidationSchema?
    public internal(set) var anyOf: [ValidationSchema] = []
    public internal(set) var allOf: [ValidationSchema] = []

    init() {}

    /// A schema that accepts anything.
    public static let anything = ValidationSchema()

    /// True when a field this object's schema does not name is an error.
    public var isClosed: Bool {
        switch additional {
        case .forbidden: return true
        case .allowed, .schema: return false
        case .unspecified: return hasProperties && !preservesUnknownFields
        }
    }

    public func setProperty(_ name: String, _ schema: ValidationSchema) {
        if properties[name] == nil { propertyNames.append(name) }
        properties[name] = schema
        hasProperties = true
    }

    // MARK: Compiling

    /// Compiles a schema written as OpenAPI v3 (a CRD version's `openAPIV3Schema`, or any
    /// of its property schemas). Keywords a structural schema does not use are ignored.
    public static func compile(_ node: Node) -> ValidationSchema {
        let s = ValidationSchema()
        guard let map = node.mapping else { return s }
        for (key, entry) in map.entries {
            let v = entry.value
            switch key {
            case "type":
                s.type = v.stringValue.flatMap(JSONType.init(rawValue:))
            case "nullable":
                s.nullable = v.scalar?.boolValue ?? false
            case "x-kubernetes-int-or-string":
                if v.scalar?.boolValue == true { s.intOrString = true }
            case "format":
                s.format = v.stringValue
                if s.format == "int-or-string" { s.intOrString = true }
            case "enum":
                s.enumValues = v.sequence
            case "pattern":
                if let text = v.stringValue { s.pattern = PatternCache.shared.pattern(text) }
            case "minimum": s.minimum = number(v)
            case "maximum": s.maximum = number(v)
            case "exclusiveMinimum":
                // OpenAPI 3.0 writes a boolean beside minimum; later drafts write the bound.
                if let b = v.scalar?.boolValue { s.exclusiveMinimum = b } else if let n = number(v) { s.minimum = n; s.exclusiveMinimum = true }
            case "exclusiveMaximum":
                if let b = v.scalar?.boolValue { s.exclusiveMaximum = b } else if let n = number(v) { s.maximum = n; s.exclusiveMaximum = true }
            case "minLength": s.minLength = v.scalar?.intValue
            case "maxLength": s.maxLength = v.scalar?.intValue
            case "minItems": s.minItems = v.scalar?.intValue
            case "maxItems": s.maxItems = v.scalar?.intValue
            case "uniqueItems":
                if v.scalar?.boolValue == true { s.uniqueItems = true }
            case "x-kubernetes-list-type":
                if v.stringValue == "set" { s.uniqueItems = true }
            case "required":
                s.required = v.sequence?.compactMap(\.stringValue) ?? []
            case "properties":
                s.hasProperties = true
                for (name, property) in v.mapping?.entries ?? [:] {
                    s.setProperty(name, compile(property.value))
                }
            case "additionalProperties":
                if let b = v.scalar?.boolValue {
                    s.additional = b ? .allowed : .forbidden
                } else if v.mapping != nil {
                    s.additional = .schema(compile(v))
                }
            case "x-kubernetes-preserve-unknown-fields":
                s.preservesUnknownFields = v.scalar?.boolValue ?? false
            case "items":
                // A list of schemas (tuple validation) is not structural; the first stands for all.
                s.items = compile(v.sequence?.first ?? v)
            case "anyOf", "oneOf":
                s.anyOf += (v.sequence ?? []).map(compile)
            case "allOf":
                s.allOf = (v.sequence ?? []).map(compile)
            default:
                break
            }
        }
        return s
    }

    static func number(_ node: Node) -> Double? {
        guard let s = node.scalar, s.tag == .int || s.tag == .float else { return nil }
        return Double(floatLiteral: s.text)
    }
}

/// A regular expression from a schema, compiled once. `regex` is nil when ICU cannot read
/// the pattern (it is then not checked).
public struct CompiledPattern: Sendable {
    public let text: String
    let regex: NSRegularExpressionBox?

    func matches(_ s: String) -> Bool {
        guard let regex = regex?.regex else { return true }
        let ns = s as NSString
        return regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: ns.length)) != nil
    }
}

/// NSRegularExpression is immutable and safe to share between threads.
final class NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}

/// Every pattern compiled in this process, by its text: a pattern used by several schemas
/// (or several CRD versions) is compiled once.
final class PatternCache: @unchecked Sendable {
    static let shared = PatternCache()
    private let lock = NSLock()
    private var patterns: [String: CompiledPattern] = [:]

    func pattern(_ text: String) -> CompiledPattern {
        lock.lock()
        defer { lock.unlock() }
        if let done = patterns[text] { return done }
        let compiled = CompiledPattern(text: text, regex: (try? NSRegularExpression(pattern: text)).map(NSRegularExpressionBox.init))
        patterns[text] = compiled
        return compiled
    }
}
