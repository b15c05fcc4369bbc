import MergeEngine
import YAMLModel

/// A stack plug-in: what the engine knows of one family of applications (the W&B Weave
/// stack, say) beyond Kubernetes itself. A project names the stacks it uses in
/// `stacks:`; a project that names none renders with the plain engine.
///
/// Everything here is data or pure functions of merged resources, so a stack cannot reach
/// back into reading the source or writing the output.
public protocol Stack: Sendable {
    /// The name a project file gives in `stacks:`.
    var name: String { get }
    /// Merge metadata of the stack's custom resources, by `group/Kind`.
    var mergeTypes: [String: MergeType] { get }
    /// Built-in validation of the stack's custom resources, by `group/version/Kind`
    /// (`ValidationSchemas.Lookup.stack`); a CRD of the kind takes precedence.
    var validationSchemas: [String: ValidationSchema] { get }
    /// The top-level keys of an environment file that belong to the stack.
    var environmentKeys: [String] { get }
    /// Reads those keys (only those are present in `settings`).
    func readSettings(_ settings: Mapping) throws -> any StackSettings
    /// Stages run after the merge, in order, before the rules.
    var stages: [any RenderStage] { get }
    /// The stack's rules, in the order they report.
    var rules: [Rule] { get }
    /// Where a resource goes in the sync order; nil leaves it to the engine.
    func syncWave(of id: ResourceID) -> Int?
    /// Plaintext secret values in one resource, for the secret policy: places only the
    /// stack knows hold secrets (its custom resources' password fields).
    func plaintextSecrets(in resource: Resource) -> [SecretPolicy.Finding]
    /// Lines the stack adds to an environment's `render-info.txt`, before the resource count.
    func notes(for outcome: Renderer.Outcome) -> [String]
    /// kubectl's names of the stack's kinds (their CRDs' short, plural and singular names),
    /// accepted wherever a `Kind/name` is, even without the CRDs.
    var kindNames: KindNames { get }
}

extension Stack {
    public var environmentKeys: [String] { [] }
    public func readSettings(_ settings: Mapping) throws -> any StackSettings { NoSettings() }
    public func syncWave(of id: ResourceID) -> Int? { nil }
    public func plaintextSecrets(in resource: Resource) -> [SecretPolicy.Finding] { [] }
    public func notes(for outcome: Renderer.Outcome) -> [String] { [] }
    public var kindNames: KindNames { KindNames() }
}

/// What a stack read from an environment file; rules and stages get it back with
/// `Environment.settings(_:)`.
public protocol StackSettings: Sendable {}

struct NoSettings: StackSettings {}

/// One step of the render pipeline after the merge, in the spirit of kyaml's filters: it
/// takes an environment's resources and gives them back changed, with what it found.
public protocol RenderStage: Sendable {
    var name: String { get }
    func run(_ resources: inout [Resource], environment: Environment) -> [Diagnostic]
}

/// The stacks a program knows, whether or not a project uses them: a project's `stacks:`
/// picks from these, and an environment setting of a known stack the project does not
/// use gets a hint instead of "unknown key".
public struct StackCatalog: Sendable {
    public var stacks: [any Stack]

    public init(_ stacks: [any Stack]) { self.stacks = stacks }

    /// No stacks: the plain engine.
    public static let none = StackCatalog([])

    public var names: [String] { stacks.map(\.name) }

    public func stack(named name: String) -> (any Stack)? { stacks.first { $0.name == name } }

    /// The known stack whose environment setting `key` is.
    func owner(ofEnvironmentKey key: String) -> (any Stack)? { stacks.first { $0.environmentKeys.contains(key) } }

    /// The known stack that has rule `id`.
    func owner(ofRule id: String) -> (any Stack)? { stacks.first { $0.rules.contains { $0.id == id } } }
}
