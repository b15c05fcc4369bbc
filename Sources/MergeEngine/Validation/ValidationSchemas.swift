import Foundation
import YAMLModel

/// The schemas rendered resources are validated against, by apiVersion and kind:
/// CustomResourceDefinitions (from the project file's `crds:` and from `--crds DIR`), then
/// built-in knowledge of the core kinds and of the custom resources of the stacks the
/// project uses.
///
/// A CRD's schema is compiled the first time a resource of its kind is validated, once per
/// run, so reading a large CRD directory costs only the parse.
public struct ValidationSchemas: Sendable {
    /// Where a resource's schema came from.
    public enum Lookup: Sendable {
        /// A CustomResourceDefinition's schema for this version.
        case crd(ValidationSchema)
        /// A CRD defines the kind but does not serve this version.
        case unservedVersion(served: [String])
        /// A built-in schema for a core kind.
        case core(ValidationSchema)
        /// Built-in rules for a custom resource of the stack: only the fields they name are
        /// checked, so full validation needs the kind's CRD.
        case stack(ValidationSchema)
        /// Nothing is known about the kind.
        case unknown
    }

    /// `group/version/Kind`, the core group written empty (`/v1/Secret`).
    private var crds: [String: LazySchema] = [:]
    /// `group/Kind` → the versions the CRDs serve.
    private var servedVersions: [String: [String]] = [:]

    /// Built-in schemas of the stacks' custom resources, by `group/version/Kind`.
    public var stackSchemas: [String: ValidationSchema] = [:]

    /// The core kinds' schemas, and those of stacks (`Stack.validationSchemas`); an earlier
    /// stack's schema wins over a later one's, as in `SchemaRegistry(adding:)`.
    public init(adding stackSchemas: [[String: ValidationSchema]] = []) {
        for more in stackSchemas { self.stackSchemas.merge(more) { a, _ in a } }
    }

    /// The kinds CRDs were read for, as `group/Kind`, sorted.
    public var crdKinds: [String] { servedVersions.keys.sorted() }

    /// Reads every CustomResourceDefinition of a parsed stream (other documents are
    /// ignored); returns how many it read. A CRD read later replaces an earlier one's
    /// versions.
    @discardableResult
    public mutating func addCRDs(_ documents: [Node]) throws -> Int {
        let read = try CustomResourceDefinition.read(documents)
        for crd in read { add(crd) }
        return read.count
    }

    /// Reads every CRD of `files`, each a parsed stream named by its path, as from a
    /// `--crds DIR` directory (`name` in messages). A directory with none is an error.
    public mutating func addCRDs(fromDirectory name: String, files: [[Node]]) throws {
        var count = 0
        for documents in files { count += try addCRDs(documents) }
        if count == 0 {
            throw Diagnostic.error(at: nil, "--crds \(name): no CustomResourceDefinition in its YAML files",
                                   hint: "pass the directory holding the CRDs, e.g. the operator chart's crds/")
        }
    }

    /// Adds a CRD's served versions; a CRD read later replaces an earlier one's versions.
    public mutating func add(_ crd: CustomResourceDefinition) {
        for old in servedVersions[crd.groupKind] ?? [] { crds["\(crd.group)/\(old)/\(crd.kind)"] = nil }
        for (name, schema) in crd.servedVersions {
            crds["\(crd.group)/\(name)/\(crd.kind)"] = LazySchema(schema)
        }
        servedVersions[crd.groupKind] = crd.servedVersions.map(\.name)
    }

    /// The schema for a resource of `apiVersion` and `kind`.
    public func lookup(apiVersion: String, kind: String) -> Lookup {
        let (group, version) = Self.split(apiVersion)
        if let lazy = crds["\(group)/\(version)/\(kind)"] { return .crd(lazy.schema) }
        if let served = servedVersions["\(group)/\(kind)"] { return .unservedVersion(served: served) }
        let key = "\(group)/\(version)/\(kind)"
        if let s = BuiltinValidationSchemas.core[key] { return .core(s) }
        if let s = stackSchemas[key] { return .stack(s) }
        return .unknown
    }

    static func split(_ apiVersion: String) -> (group: String, version: String) {
        guard let slash = apiVersion.firstIndex(of: "/") else { return ("", apiVersion) }
        return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
    }
}

/// One CRD version's schema, compiled on first use.
final class LazySchema: @unchecked Sendable {
    private let source: Node?
    private let lock = NSLock()
    private var compiled: ValidationSchema?

    init(_ source: Node?) { self.source = source }

    var schema: ValidationSchema {
        lock.lock()
        defer { lock.unlock() }
        if let compiled { return compiled }
        let root = source.map(ValidationSchema.compile) ?? {
            // A CRD version without a schema accepts any object.
            let s = ValidationSchema()
            s.type = .object
            s.preservesUnknownFields = true
            return s
        }()
        // The API server validates metadata as ObjectMeta, whatever the CRD says of it.
        root.setProperty("metadata", BuiltinValidationSchemas.objectMeta)
        compiled = root
        return root
    }
}
