import OrderedCollections
import MergeEngine
import YAMLModel

/// A parameter of a project, declared once with a type and an optional default.
public struct Parameter: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, int, bool, list
    }

    public var name: String
    public var kind: Kind
    /// Nil for a required parameter.
    public var defaultValue: Node?
    public var description: String?
    public var location: SourceLocation

    public init(name: String, kind: Kind, defaultValue: Node?, description: String?, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.description = description
        self.location = location
    }

    /// Whether a value has this parameter's type.
    public func accepts(_ value: Node) -> Bool {
        switch (kind, value.value) {
        case (.string, .scalar(let s)): return s.tag == .string
        case (.int, .scalar(let s)): return s.tag == .int
        case (.bool, .scalar(let s)): return s.tag == .bool
        case (.list, .sequence): return true
        default: return false
        }
    }

    /// The error for a value of the wrong type, with a hint for the common YAML surprises.
    func typeError(_ value: Node) -> Diagnostic {
        var hint = "\(name) is declared as \(kind.rawValue) at \(location)"
        if kind == .string, value.scalar != nil {
            hint += "; quote the value to make it a string"
        }
        return .error(at: value.location, "parameter \"\(name)\" expects \(kindWithArticle), not \(value.kindWithArticle)", hint: hint)
    }

    var kindWithArticle: String { kind == .int ? "an int" : "a \(kind.rawValue)" }

    /// Reads the `parameters:` mapping of a project file.
    static func declarations(_ node: Node?) throws -> OrderedDictionary<String, Parameter> {
        var out = OrderedDictionary<String, Parameter>()
        guard let node, !node.isNull else { return out }
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "parameters must be a mapping of names to declarations, not \(node.kindWithArticle)")
        }
        for (name, entry) in map.entries {
            let decl = entry.value
            guard isValidName(name) else {
                throw Diagnostic.error(at: entry.keyLocation, "\"\(name)\" is not a valid parameter name",
                                       hint: "use letters, digits, \"_\", \"-\" and \".\", starting with a letter")
            }
            guard let d = decl.mapping else {
                throw Diagnostic.error(at: decl.location, "the declaration of \"\(name)\" must be a mapping with a type",
                                       hint: "write \(name): {type: string, default: ...}")
            }
            try ProjectFileReader.rejectUnknownKeys(d, allowed: ["type", "default", "description"], in: "parameter \"\(name)\"")
            guard let typeNode = d["type"] else {
                throw Diagnostic.error(at: decl.location, "parameter \"\(name)\" has no type", hint: "type is one of string, int, bool, list")
            }
            guard let kind = typeNode.stringValue.flatMap(Kind.init(rawValue:)) else {
                throw Diagnostic.error(at: typeNode.location, "unknown parameter type \(typeNode.scalar?.display ?? typeNode.kindName)",
                                       hint: "type is one of string, int, bool, list")
            }
            let p = Parameter(name: name, kind: kind, defaultValue: d["default"], description: d["description"]?.stringValue,
                              location: entry.keyLocation)
            if let dv = p.defaultValue, !p.accepts(dv) { throw p.typeError(dv) }
            out[name] = p
        }
        return out
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0) }
    }
}

