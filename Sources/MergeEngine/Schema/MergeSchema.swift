import YAMLModel

/// How a list merges.
public enum ListStrategy: Hashable, Sendable {
    /// The patch's list replaces the base's (the default for lists).
    case atomic
    /// Elements are maps matched by the value of a key (`containers` by `name`).
    case mergeByKey(MergeKey)
    /// Elements are scalars merged as a set (`metadata.finalizers`).
    case set
}

/// The field (or fields) that identify an element of a keyed list.
///
/// Strategic merge itself matches on one field; CRDs may declare several with
/// `x-kubernetes-list-map-keys`, in which case the first must be present and the others
/// must agree where both sides carry them.
public struct MergeKey: Hashable, Sendable, CustomStringConvertible {
    public var fields: [String]

    public init(_ fields: [String]) { self.fields = fields }
    public init(_ field: String) { self.fields = [field] }

    public var primary: String { fields[0] }
    public var description: String { fields.joined(separator: ",") }
}

/// Merge metadata for one object type: its fields and how each merges.
///
/// A reference type so that recursive types (JSONSchemaProps, a PodSpec reached through
/// several paths) are built once and shared.
public final class MergeType: @unchecked Sendable {
    public let name: String
    /// Known fields of an object.
    public private(set) var fields: [String: MergeField] = [:]
    /// For map-typed values (`map[string]T`), the type of every value.
    public private(set) var additionalProperties: MergeField?

    public init(_ name: String, fields: [String: MergeField] = [:]) {
        self.name = name
        self.fields = fields
    }

    public func field(_ name: String) -> MergeField? {
        fields[name] ?? additionalProperties
    }

    public func set(_ name: String, _ field: MergeField) { fields[name] = field }
    public func setAdditionalProperties(_ field: MergeField?) { additionalProperties = field }

    /// True when nothing is known about the fields below: maps merge, lists replace.
    public var isOpaque: Bool { fields.isEmpty && additionalProperties == nil }
}

/// What the registry knows about one field.
public struct MergeField: Sendable {
    /// The object type of the value (for a list: of each element). Nil for scalars and
    /// free-form values.
    public var type: MergeType?
    public var list: ListStrategy
    /// `patchStrategy: replace` on a map field: the patch's map replaces the base's.
    public var replacesMap: Bool

    public init(_ type: MergeType? = nil, list: ListStrategy = .atomic, replacesMap: Bool = false) {
        self.type = type
        self.list = list
        self.replacesMap = replacesMap
    }

    public static func object(_ t: MergeType) -> MergeField { MergeField(t) }
    public static func keyed(_ key: String, _ t: MergeType? = nil) -> MergeField { MergeField(t, list: .mergeByKey(MergeKey(key))) }
    public static func atomicList(of t: MergeType? = nil) -> MergeField { MergeField(t, list: .atomic) }
    public static let primitiveSet = MergeField(nil, list: .set)
}

/// The semantics a resource is merged with.
public enum MergeSemantics: Sendable {
    /// Kubernetes strategic merge patch with this root type. Under the kyaml flavour a kind
    /// without a schema has an opaque type: maps merge, lists are replaced whole.
    case strategic(MergeType, StrategicMerge.Options)
    /// RFC 7386 JSON merge patch: the fallback for kinds nothing is known about.
    case jsonMerge
}
