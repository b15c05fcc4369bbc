import MergeEngine
import OrderedCollections
import YAMLModel

/// A source repository's project file, `gitops-weave.yaml`: where the base, layers and
/// environments live, the output, the parameters, the stacks it uses, and extra merge
/// knowledge.
public struct Project: Sendable {
    public static let fileName = "gitops-weave.yaml"

    public let source: any SourceTree
    public var file: String
    public var baseDirectory = "base"
    public var layersDirectory = "layers"
    public var environmentsDirectory = "environments"
    public var outputDirectory = "out"
    public var target = SyncTarget.argocd
    /// `output.flux.postBuild`: Flux's post-build substitution, for `sync-config flux` to
    /// copy into its Kustomizations; nil leaves substitution off.
    public var fluxPostBuild: Node?
    /// The files under `crds:`, from the source's root, as listed.
    public var crdFiles: [String] = []
    /// `output.hydrator`: publish writes Argo CD's hydrator output contract; nil when off.
    public var hydrator: HydratorOutput?
    public var parameters = OrderedDictionary<String, Parameter>()
    /// How patches in kustomize directories (overlays that are environments' sources, and
    /// kustomize layers) merge: kyaml, as kubectl kustomize does, unless the project says
    /// `kustomize: {merge: apimachinery}`.
    public var kustomizeMerge: MergeFlavor = .kyaml
    /// The stacks the project names in `stacks:`, in that order; none means the plain engine.
    public var stacks: [any Stack] = []
    /// Every stack the program knows, used or not: for hints about settings of stacks the
    /// project does not use.
    public var catalog = StackCatalog.none
    public var registry = SchemaRegistry()
    /// Schemas the rendered resources are validated against: the CRDs under `crds:`, and
    /// the built-in ones of the core kinds and of the project's stacks.
    public var validationSchemas = ValidationSchemas()
    /// kubectl's names of every kind the project knows: built-in, the stacks', and those
    /// of the CRDs listed under `crds:`.
    public var kindNames = KindNames.kubernetes

    /// The rules every environment is checked against: the stacks' rules in order, then the
    /// engine's secret policy.
    public var rules: [Rule] { stacks.flatMap(\.rules) + ReferenceRules.all + [SecretPolicy.rule(stacks: stacks)] }
    /// `external:` of the project file: Secrets and namespaces every environment relies on
    /// without creating them.
    public var external = ExternalObjects()

    /// The stages run after the merge: each stack's, in the order of `stacks:`.
    public var stages: [any RenderStage] { stacks.flatMap(\.stages) }

    public init(source: any SourceTree, file: String) {
        self.source = source
        self.file = file
    }

    /// Reads the project file at the root of `source`; `catalog` holds the stacks its
    /// `stacks:` may name.
    public static func load(from source: any SourceTree, stacks catalog: StackCatalog) throws -> Project {
        let display = source.displayPath(fileName)
        guard let docs = try source.parseStream(fileName) else {
            throw Diagnostic.error(at: nil, "no \(fileName) in \(source.displayPath(".")): this is not a gitops-weave source",
                                   hint: "run in the source's root, or pass --source DIR")
        }
        let root = docs.first { !$0.isNull } ?? Node.mapping(at: SourceLocation(file: display, line: 1, column: 1))
        guard let map = root.mapping else {
            throw Diagnostic.error(at: root.location, "the project file must be a mapping, not \(root.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["base", "layers", "environments", "output", "parameters", "stacks", "mergeKeys", "crds", "external", "kustomize"],
                                                in: "the project file")
        var project = Project(source: source, file: display)
        project.catalog = catalog
        for node in try ProjectFileReader.list(map["stacks"], field: "stacks") {
            guard let name = node.stringValue, let stack = catalog.stack(named: name) else {
                let known = catalog.names
                var hint = known.isEmpty ? "this build knows no stacks" : "the stacks are " + known.joined(separator: ", ")
                if let text = node.stringValue, let close = Suggestion.closest(to: text, in: known) { hint = "did you mean \"\(close)\"? " + hint }
                throw Diagnostic.error(at: node.location, "unknown stack \(node.scalar?.display ?? node.kindWithArticle)", hint: hint)
            }
            if project.stacks.contains(where: { $0.name == name }) {
                throw Diagnostic.error(at: node.location, "stack \"\(name)\" is listed twice")
            }
            project.stacks.append(stack)
        }
        project.external = try ExternalObjects(map["external"])
        project.registry = SchemaRegistry(adding: [Chart.mergeTypes] + project.stacks.map(\.mergeTypes))
        project.validationSchemas = ValidationSchemas(adding: project.stacks.map(\.validationSchemas))
        project.kindNames = project.stacks.map(\.kindNames).reduce(KindNames.kubernetes) { $0.merging($1) }
        let r = ProjectFileReader.self
        project.baseDirectory = try r.path(map["base"], default: "base", field: "base")
        project.layersDirectory = try r.path(map["layers"], default: "layers", field: "layers")
        project.environmentsDirectory = try r.path(map["environments"], default: "environments", field: "environments")
        if let output = map["output"] {
            guard let o = output.mapping else {
                throw Diagnostic.error(at: output.location, "output must be a mapping, not \(output.kindWithArticle)")
            }
            try r.rejectUnknownKeys(o, allowed: ["directory", "target", "flux", "hydrator"], in: "output")
            if let h = o["hydrator"] { project.hydrator = try HydratorOutput.read(h) }
            if let flux = o["flux"], !flux.isNull {
                guard let f = flux.mapping else {
                    throw Diagnostic.error(at: flux.location, "output.flux must be a mapping, such as flux: {postBuild: {substitute: {cluster: eu-1}}}")
                }
                try r.rejectUnknownKeys(f, allowed: ["postBuild"], in: "output.flux")
                if let post = f["postBuild"], !post.isNull {
                    guard let p = post.mapping else {
                        throw Diagnostic.error(at: post.location, "output.flux.postBuild must be a mapping, as in a Flux Kustomization's spec.postBuild")
                    }
                    try r.rejectUnknownKeys(p, allowed: ["substitute", "substituteFrom"], in: "output.flux.postBuild")
                    project.fluxPostBuild = post
                }
            }
            project.outputDirectory = try r.path(o["directory"], default: "out", field: "output.directory")
            if let t = o["target"] { project.target = try SyncTarget.read(t) }
        }
        project.parameters = try Parameter.declarations(map["parameters"])
        if let k = map["kustomize"], !k.isNull {
            guard let km = k.mapping else {
                throw Diagnostic.error(at: k.location, "kustomize must be a mapping, such as kustomize: {merge: apimachinery}")
            }
            try r.rejectUnknownKeys(km, allowed: ["merge"], in: "kustomize")
            if let m = km["merge"] {
                switch m.stringValue {
                case "kyaml"?: project.kustomizeMerge = .kyaml
                case "apimachinery"?: project.kustomizeMerge = .apimachinery
                default:
                    throw Diagnostic.error(at: m.location, "kustomize.merge is kyaml or apimachinery, not \(m.scalar?.display ?? m.kindWithArticle)",
                                           hint: "kyaml merges as kubectl kustomize does (the default); apimachinery as kubectl patch does")
                }
            }
        }
        for node in try r.list(map["mergeKeys"], field: "mergeKeys") {
            guard let text = node.stringValue else {
                throw Diagnostic.error(at: node.location, "a merge key declaration is a string such as example.com/Widget:spec.items=name")
            }
            do {
                project.registry.declare(try MergeKeyDeclaration(parsing: text))
            } catch var d as Diagnostic {
                d.location = node.location
                throw d
            }
        }
        for node in try r.list(map["crds"], field: "crds") {
            guard let path = node.stringValue else {
                throw Diagnostic.error(at: node.location, "a CRD entry is a path to a CustomResourceDefinition file")
            }
            project.crdFiles.append(path)
            try ProjectFileReader.checkInsideSource(path, at: node.location, field: "a CRD path")
            let parsed: [Node]?
            do {
                parsed = try source.parseStream(path)
            } catch var d as Diagnostic where d.location == nil {
                d.location = node.location  // a link out of the source, say: point at the entry
                throw d
            }
            guard let docs = parsed else {
                throw Diagnostic.error(at: node.location, "no such CRD file: \(source.displayPath(path))")
            }
            let crds = try CustomResourceDefinition.read(docs)
            if crds.isEmpty {
                throw Diagnostic.error(at: node.location, "\(source.displayPath(path)) holds no CustomResourceDefinition")
            }
            for crd in crds {
                project.registry.register(crd.mergeType, groupKind: crd.groupKind)
                project.validationSchemas.add(crd)
                project.kindNames.add(group: crd.group, kind: crd.kind, plural: crd.plural, singular: crd.singular, shortNames: crd.shortNames)
            }
        }
        return project
    }

    /// The names of all environments, sorted.
    public func environmentNames() throws -> [String] {
        try source.yamlFiles(in: environmentsDirectory).map { path in
            let name = String(path.split(separator: "/").last!)
            return String(name[..<name.lastIndex(of: ".")!])
        }
    }

    /// The environments whose labels match `selector`, in name order. An environment file
    /// that does not read is an error, as it would be for any command naming it.
    public func environmentNames(matching selector: LabelSelector) throws -> [String] {
        try environmentNames().filter { selector.matches(try environment(named: $0).labels) }
    }

    /// The error for a selector that matches no environment, with the labels in use.
    public func noMatch(_ selector: LabelSelector, where place: String = "") -> Diagnostic {
        var pairs = Set<String>()
        for name in (try? environmentNames()) ?? [] {
            for (k, v) in (try? environment(named: name).labels) ?? [:] { pairs.insert("\(k)=\(v)") }
        }
        return Diagnostic.error(at: nil, "no environment matches the selector \"\(selector)\"\(place)",
                                hint: pairs.isEmpty ? "no environment has labels yet: add labels: {tier: prod} to an environment file"
                                                    : "labels in use: " + pairs.sorted().joined(separator: ", "))
    }

    public func environmentFile(_ name: String) -> String {
        environmentsDirectory + "/" + name + ".yaml"
    }

    /// Reads one environment file.
    public func environment(named name: String) throws -> Environment {
        try environmentAndText(named: name).environment
    }

    /// The environment, and its file's text (for digests of what a render reads).
    public func environmentAndText(named name: String) throws -> (environment: Environment, text: String) {
        var path = environmentFile(name)
        var text = try source.readFile(path)
        if text == nil {
            path = environmentsDirectory + "/" + name + ".yml"
            text = try source.readFile(path)
        }
        guard let text else {
            let known = (try? environmentNames()) ?? []
            var hint = "environments are files in \(source.displayPath(environmentsDirectory))/"
            if !known.isEmpty { hint += "; known: " + known.joined(separator: ", ") }
            throw Diagnostic.error(at: nil, "no environment named \"\(name)\"", hint: hint)
        }
        let docs = try YAMLParser().parseStream(text, file: source.displayPath(path))
        var environment = try Environment(name: name, file: source.displayPath(path), documents: docs, stacks: stacks, catalog: catalog)
        environment.external = external.merging(environment.external)
        if environment.targetLocation == nil { environment.target = target }
        return (environment, text)
    }

    public func layerPath(_ name: String) -> String { layersDirectory + "/" + name }
}

/// An environment: its ordered layers, its parameter values, the settings of the stacks
/// the project uses (read by their stages and rules), and which rules it waives, with why.
public struct Environment: Sendable {
    public struct LayerReference: Sendable {
        public var name: String
        public var location: SourceLocation
    }

    /// A written value and where it was written: `nodes: 3`, a rule's reason.
    public struct Declared<Value: Sendable>: Sendable {
        public var value: Value
        public var location: SourceLocation

        public init(value: Value, location: SourceLocation) {
            self.value = value
            self.location = location
        }
    }

    /// `rules: {disable: {<rule-id>: "<reason>"}}`: one rule waived, and why.
    public struct DisabledRule: Sendable {
        public var id: String
        public var reason: String
        public var location: SourceLocation
    }

    /// The keys the engine reads from every environment file.
    public static let engineKeys = ["description", "labels", "kustomize", "layers", "parameters", "rules", "allowPlaintextSecrets", "external", "target"]

    public var name: String
    public var file: String
    public var description: String?
    /// `labels: {tier: prod, storage: gcs}`: what `--selector` matches, as kubectl's label
    /// selectors match a resource's labels.
    public var labels: [String: String] = [:]
    public var layers: [LayerReference] = []
    /// `kustomize: overlays/prod`: the environment starts from this kustomize overlay's build
    /// (a directory of the source) instead of the project's base; its layers apply on top.
    public var kustomize: Declared<String>?
    /// Who syncs this environment: `target:` of the file, else the project's `output.target`
    /// (set when the environment is loaded through the project).
    public var target = SyncTarget.argocd
    /// Where the file sets `target:`; nil when it follows the project.
    public var targetLocation: SourceLocation?
    /// Values by parameter name, as written (with their positions).
    public var parameterValues = OrderedDictionary<String, Node>()
    public var location: SourceLocation
    /// What each of the project's stacks read from the file, by stack name.
    public var stackSettings: [String: any StackSettings] = [:]
    /// Rules this environment disables, each with its written reason.
    public var disabledRules: [DisabledRule] = []
    /// `allowPlaintextSecrets: "<reason>"`: plaintext secret values are allowed, and why.
    public var plaintextSecretsAllowed: Declared<String>?
    /// `external:`: Secrets and namespaces the environment relies on without creating them
    /// (the project file's included, once loaded through the project).
    public var external = ExternalObjects()

    /// The settings a stack read, by their type.
    public func settings<Settings: StackSettings>(_ type: Settings.Type) -> Settings? {
        for value in stackSettings.values { if let s = value as? Settings { return s } }
        return nil
    }

    /// Reads an environment file. `stacks` are the project's stacks, whose settings and
    /// rules it may hold; `catalog` the stacks the program knows, for hints. With neither,
    /// the file is read for the plain engine.
    public init(name: String, file: String, documents: [Node], stacks: [any Stack] = [], catalog: StackCatalog = .none) throws {
        self.name = name
        self.file = file
        let root = documents.first { !$0.isNull } ?? Node.mapping(at: SourceLocation(file: file, line: 1, column: 1))
        location = root.location
        guard let map = root.mapping else {
            throw Diagnostic.error(at: root.location, "an environment file must be a mapping, not \(root.kindWithArticle)")
        }
        let allowed = Set(Self.engineKeys + stacks.flatMap(\.environmentKeys))
        for (key, entry) in map.entries where !allowed.contains(key) {
            if let owner = catalog.owner(ofEnvironmentKey: key) {
                throw Diagnostic.error(at: entry.keyLocation, "\(key) is a setting of stack \"\(owner.name)\", which the project does not use",
                                       hint: "add \(owner.name) to stacks: in the project file, or remove \(key)")
            }
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: allowed, in: "an environment file")
        description = map["description"]?.stringValue
        labels = try Self.readLabels(map["labels"])
        if let k = map["kustomize"], !k.isNull {
            guard let path = k.stringValue, !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw Diagnostic.error(at: k.location, "kustomize names a kustomization directory of the source, not \(k.scalar?.display ?? k.kindWithArticle)",
                                       hint: "write the directory's path from the source root, such as kustomize: overlays/prod")
            }
            kustomize = Declared(value: path, location: k.location)
        }
        if let t = map["target"], !t.isNull {
            target = try SyncTarget.read(t)
            targetLocation = t.location
        }
        for node in try ProjectFileReader.list(map["layers"], field: "layers") {
            guard let layer = node.stringValue, !layer.isEmpty, !layer.contains("/"), layer != ".", layer != ".." else {
                throw Diagnostic.error(at: node.location, "a layer is named by its directory under layers/, not \(node.scalar?.display ?? node.kindWithArticle)")
            }
            if layers.contains(where: { $0.name == layer }) {
                throw Diagnostic.error(at: node.location, "layer \"\(layer)\" is listed twice")
            }
            layers.append(LayerReference(name: layer, location: node.location))
        }
        if let params = map["parameters"], !params.isNull {
            guard let p = params.mapping else {
                throw Diagnostic.error(at: params.location, "parameters must be a mapping of names to values, not \(params.kindWithArticle)")
            }
            for (key, entry) in p.entries { parameterValues[key] = entry.value }
        }
        for stack in stacks {
            stackSettings[stack.name] = try stack.readSettings(map)
        }
        external = try ExternalObjects(map["external"])
        try readRuleSettings(map, rules: stacks.flatMap(\.rules) + ReferenceRules.all, catalog: catalog)
    }

    /// `labels:`: a mapping of names to scalar values, each read as its text (`replicas: 3`
    /// is the label value "3"), with Kubernetes' syntax for label names and values.
    static func readLabels(_ node: Node?) throws -> [String: String] {
        guard let node, !node.isNull else { return [:] }
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "labels must be a mapping of names to values, not \(node.kindWithArticle)",
                                   hint: "write labels: {tier: prod, storage: gcs}")
        }
        var out: [String: String] = [:]
        for (key, entry) in map.entries {
            guard LabelSelector.isValidKey(key) else {
                throw Diagnostic.error(at: entry.keyLocation, "\"\(key)\" is not a label name: letters, digits, -, _ and . (at most 63), with an optional DNS prefix and /",
                                       hint: "for example tier, storage or example.com/region")
            }
            guard let scalar = entry.value.scalar, !scalar.isNull else {
                throw Diagnostic.error(at: entry.value.location, "the label \(key) takes a value such as prod, not \(entry.value.kindWithArticle)")
            }
            guard LabelSelector.isValidValue(scalar.text) else {
                throw Diagnostic.error(at: entry.value.location, "\"\(scalar.text)\" is not a label value: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit")
            }
            out[key] = scalar.text
        }
        return out
    }

    /// `rules` and `allowPlaintextSecrets`: which rules the environment waives, and why.
    mutating func readRuleSettings(_ map: Mapping, rules: [Rule], catalog: StackCatalog) throws {
        let ids = rules.map(\.id) + [SecretPolicy.ruleID]
        if let rules = map["rules"], !rules.isNull {
            guard let r = rules.mapping else {
                throw Diagnostic.error(at: rules.location, "rules must be a mapping, not \(rules.kindWithArticle)",
                                       hint: "write rules: {disable: {<rule-id>: \"<why it does not apply here>\"}}")
            }
            try ProjectFileReader.rejectUnknownKeys(r, allowed: ["disable"], in: "rules")
            if let disable = r["disable"], !disable.isNull {
                guard let d = disable.mapping else {
                    throw Diagnostic.error(at: disable.location, "rules.disable must be a mapping of rule ids to reasons, not \(disable.kindWithArticle)",
                                           hint: "write disable: {<rule-id>: \"<why it does not apply here>\"}")
                }
                for (id, entry) in d.entries {
                    guard ids.contains(id) else {
                        if let owner = catalog.owner(ofRule: id) {
                            throw Diagnostic.error(at: entry.keyLocation, "rule \"\(id)\" belongs to stack \"\(owner.name)\", which the project does not use",
                                                   hint: "add \(owner.name) to stacks: in the project file, or remove the entry")
                        }
                        var hint = "the rules are " + ids.joined(separator: ", ")
                        if let close = Suggestion.closest(to: id, in: ids) { hint = "did you mean \"\(close)\"? " + hint }
                        throw Diagnostic.error(at: entry.keyLocation, "unknown stack rule \"\(id)\" in rules.disable", hint: hint)
                    }
                    if id == SecretPolicy.ruleID {
                        throw Diagnostic.error(at: entry.keyLocation, "the secret policy is not disabled in rules.disable",
                                               hint: "write allowPlaintextSecrets: \"<why this environment may hold plaintext secrets>\" instead")
                    }
                    guard let reason = entry.value.stringValue, !reason.allSatisfy(\.isWhitespace) else {
                        throw Diagnostic.error(at: entry.value.location, "disabling rule \"\(id)\" needs a written reason, not \(entry.value.scalar?.display ?? entry.value.kindWithArticle)",
                                               hint: "write \(id): \"<why the rule does not apply to this environment>\"; render-info.txt records it")
                    }
                    disabledRules.append(DisabledRule(id: id, reason: reason, location: entry.keyLocation))
                }
            }
        }
        if let allow = map["allowPlaintextSecrets"], !allow.isNull {
            guard let reason = allow.stringValue, !reason.allSatisfy(\.isWhitespace) else {
                throw Diagnostic.error(at: allow.location, "allowPlaintextSecrets takes a written reason, not \(allow.scalar?.display ?? allow.kindWithArticle)",
                                       hint: "write allowPlaintextSecrets: \"<why this environment may hold plaintext secrets>\"; render-info.txt records it")
            }
            plaintextSecretsAllowed = Declared(value: reason, location: allow.location)
        }
    }
}

/// Small readers shared by the project, environment and parameter files, and by stacks
/// reading their settings.
public enum ProjectFileReader {
    public static func rejectUnknownKeys(_ map: Mapping, allowed: Set<String>, in what: String) throws {
        for (key, entry) in map.entries where !allowed.contains(key) {
            var hint = "\(what) takes " + allowed.sorted().joined(separator: ", ")
            if let close = Suggestion.closest(to: key, in: Array(allowed)) { hint = "did you mean \"\(close)\"? " + hint }
            throw Diagnostic.error(at: entry.keyLocation, "unknown key \"\(key)\" in \(what)", hint: hint)
        }
    }

    public static func path(_ node: Node?, default value: String, field: String) throws -> String {
        guard let node, !node.isNull else { return value }
        guard let s = node.stringValue, !s.isEmpty, !s.hasPrefix("/") else {
            throw Diagnostic.error(at: node.location, "\(field) must be a directory relative to the source root")
        }
        try checkInsideSource(s, at: node.location, field: field)
        var trimmed = s
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasPrefix("./") { trimmed.removeFirst(2) }
        return trimmed
    }

    /// A path the project file names must stay inside the source: relative, without `..`.
    /// (The source itself refuses symbolic links that lead out.)
    public static func checkInsideSource(_ path: String, at location: SourceLocation, field: String) throws {
        if path.hasPrefix("/") {
            throw Diagnostic.error(at: location, "\(field) must be relative to the source root, not the absolute path \(path)")
        }
        if path.split(separator: "/").contains("..") {
            throw Diagnostic.error(at: location, "\(field) \(path) leads outside the source root",
                                   hint: "everything a project reads or writes stays inside its source; remove the ..")
        }
    }

    public static func list(_ node: Node?, field: String) throws -> [Node] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "\(field) must be a list, not \(node.kindWithArticle)")
        }
        return items
    }
}
