import OrderedCollections

/// A source repository's project file, `gitops-weave.yaml`: where the base, layers and
/// environments live, the output, the parameters, and extra merge knowledge.
public struct Project: Sendable {
    public static let fileName = "gitops-weave.yaml"

    /// Who syncs the rendered tree; Argo CD gets sync-wave annotations.
    public enum Target: String, Sendable { case argocd, flux }

    public let source: any SourceTree
    public var file: String
    public var baseDirectory = "base"
    public var layersDirectory = "layers"
    public var environmentsDirectory = "environments"
    public var outputDirectory = "rendered"
    public var target = Target.argocd
    public var parameters = OrderedDictionary<String, Parameter>()
    public var registry = SchemaRegistry()
    /// Schemas the rendered resources are validated against: the CRDs under `crds:`.
    public var validationSchemas = ValidationSchemas()

    /// Reads the project file at the root of `source`.
    public static func load(from source: any SourceTree) throws -> Project {
        let display = source.displayPath(fileName)
        guard let docs = try source.parseStream(fileName) else {
            throw Diagnostic.error(at: nil, "no \(fileName) in \(source.displayPath(".")): this is not a gitops-weave source",
                                   hint: "run in the source's root, or pass --source DIR")
        }
        let root = docs.first { !$0.isNull } ?? Node.mapping(at: SourceLocation(file: display, line: 1, column: 1))
        guard let map = root.mapping else {
            throw Diagnostic.error(at: root.location, "the project file must be a mapping, not \(root.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["base", "layers", "environments", "output", "parameters", "mergeKeys", "crds"],
                                                in: "the project file")
        var project = Project(source: source, file: display)
        let r = ProjectFileReader.self
        project.baseDirectory = try r.path(map["base"], default: "base", field: "base")
        project.layersDirectory = try r.path(map["layers"], default: "layers", field: "layers")
        project.environmentsDirectory = try r.path(map["environments"], default: "environments", field: "environments")
        if let output = map["output"] {
            guard let o = output.mapping else {
                throw Diagnostic.error(at: output.location, "output must be a mapping, not \(output.kindWithArticle)")
            }
            try r.rejectUnknownKeys(o, allowed: ["directory", "target"], in: "output")
            project.outputDirectory = try r.path(o["directory"], default: "rendered", field: "output.directory")
            if let t = o["target"] {
                guard let target = t.stringValue.flatMap(Target.init(rawValue:)) else {
                    throw Diagnostic.error(at: t.location, "unknown output target \(t.scalar?.display ?? t.kindName)",
                                           hint: "target is argocd (adds sync-wave annotations) or flux")
                }
                project.target = target
            }
        }
        project.parameters = try Parameter.declarations(map["parameters"])
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
            let schemas = try CRDSchemaReader.read(docs)
            if schemas.isEmpty {
                throw Diagnostic.error(at: node.location, "\(source.displayPath(path)) holds no CustomResourceDefinition")
            }
            for schema in schemas { project.registry.register(schema.type, groupKind: schema.groupKind) }
            try project.validationSchemas.addCRDs(docs)
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

    public func environmentFile(_ name: String) -> String {
        environmentsDirectory + "/" + name + ".yaml"
    }

    /// Reads one environment file.
    public func environment(named name: String) throws -> Environment {
        var path = environmentFile(name)
        var found = try source.parseStream(path)
        if found == nil {
            path = environmentsDirectory + "/" + name + ".yml"
            found = try source.parseStream(path)
        }
        guard let docs = found else {
            let known = (try? environmentNames()) ?? []
            var hint = "environments are files in \(source.displayPath(environmentsDirectory))/"
            if !known.isEmpty { hint += "; known: " + known.joined(separator: ", ") }
            throw Diagnostic.error(at: nil, "no environment named \"\(name)\"", hint: hint)
        }
        return try Environment(name: name, file: source.displayPath(path), documents: docs)
    }

    public func layerPath(_ name: String) -> String { layersDirectory + "/" + name }
}

/// An environment: its ordered layers, its parameter values, and what the stack rules need
/// to know about where it runs (platform, node count) and which of them it waives, with why.
public struct Environment: Sendable {
    public struct LayerReference: Sendable {
        public var name: String
        public var location: SourceLocation
    }

    /// `platform: {openshift: {uidRange: "1000680000/10000"}}`: the project's UID range, in
    /// the format of its `openshift.io/sa.scc.uid-range` annotation (`start/size`).
    public struct OpenShift: Sendable {
        public var uidStart: Int
        public var uidCount: Int
        /// As written, and where.
        public var uidRange: String
        public var location: SourceLocation

        public var uidEnd: Int { uidStart + uidCount - 1 }
        public func contains(_ uid: Int) -> Bool { uid >= uidStart && uid - uidStart < uidCount }
    }

    /// A written value and where it was written: `nodes: 3`, a rule's reason.
    public struct Declared<Value: Sendable>: Sendable {
        public var value: Value
        public var location: SourceLocation
    }

    /// `rules: {disable: {<rule-id>: "<reason>"}}`: one rule waived, and why.
    public struct DisabledRule: Sendable {
        public var id: String
        public var reason: String
        public var location: SourceLocation
    }

    public var name: String
    public var file: String
    public var description: String?
    public var layers: [LayerReference] = []
    /// Values by parameter name, as written (with their positions).
    public var parameterValues = OrderedDictionary<String, Node>()
    public var location: SourceLocation
    /// Set when the environment runs on OpenShift with a declared UID range.
    public var openShift: OpenShift?
    /// The number of schedulable nodes (`nodes: 3`), when declared.
    public var nodes: Declared<Int>?
    /// Stack rules this environment disables, each with its written reason.
    public var disabledRules: [DisabledRule] = []
    /// `allowPlaintextSecrets: "<reason>"`: plaintext secret values are allowed, and why.
    public var plaintextSecretsAllowed: Declared<String>?

    public init(name: String, file: String, documents: [Node]) throws {
        self.name = name
        self.file = file
        let root = documents.first { !$0.isNull } ?? Node.mapping(at: SourceLocation(file: file, line: 1, column: 1))
        location = root.location
        guard let map = root.mapping else {
            throw Diagnostic.error(at: root.location, "an environment file must be a mapping, not \(root.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["description", "layers", "parameters", "platform", "nodes", "rules", "allowPlaintextSecrets"],
                                                in: "an environment file")
        description = map["description"]?.stringValue
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
        try readStackRuleSettings(map)
    }

    /// `platform`, `nodes`, `rules` and `allowPlaintextSecrets`: what the stack rules read.
    mutating func readStackRuleSettings(_ map: Mapping) throws {
        if let platform = map["platform"], !platform.isNull {
            guard let p = platform.mapping else {
                throw Diagnostic.error(at: platform.location, "platform must be a mapping, not \(platform.kindWithArticle)",
                                       hint: "write platform: {openshift: {uidRange: \"1000680000/10000\"}}")
            }
            try ProjectFileReader.rejectUnknownKeys(p, allowed: ["openshift"], in: "platform")
            if let os = p["openshift"], !os.isNull {
                guard let o = os.mapping else {
                    throw Diagnostic.error(at: os.location, "platform.openshift must be a mapping, not \(os.kindWithArticle)",
                                           hint: "write openshift: {uidRange: \"1000680000/10000\"}, the project's openshift.io/sa.scc.uid-range")
                }
                try ProjectFileReader.rejectUnknownKeys(o, allowed: ["uidRange"], in: "platform.openshift")
                if let range = o["uidRange"] {
                    openShift = try Self.uidRange(range)
                }
            }
        }
        if let n = map["nodes"], !n.isNull {
            guard let count = n.scalar?.intValue, count >= 1 else {
                throw Diagnostic.error(at: n.location, "nodes is the number of schedulable nodes, a positive integer, not \(n.scalar?.display ?? n.kindWithArticle)")
            }
            nodes = Declared(value: count, location: n.location)
        }
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
                    guard StackRules.ids.contains(id) else {
                        var hint = "the rules are " + StackRules.ids.joined(separator: ", ")
                        if let close = ParameterSubstitution.closest(to: id, in: StackRules.ids) { hint = "did you mean \"\(close)\"? " + hint }
                        throw Diagnostic.error(at: entry.keyLocation, "unknown stack rule \"\(id)\" in rules.disable", hint: hint)
                    }
                    if id == RuleID.plaintextSecrets {
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

    /// Reads `start/size`, as OpenShift writes a project's `openshift.io/sa.scc.uid-range`.
    static func uidRange(_ node: Node) throws -> OpenShift {
        let text = node.scalar?.text ?? ""
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard node.scalar != nil, parts.count == 2, let start = Int(parts[0]), let size = Int(parts[1]), start >= 0, size >= 1, start <= Int.max - size else {
            throw Diagnostic.error(at: node.location, "uidRange must be start/size, not \(node.scalar?.display ?? node.kindWithArticle)",
                                   hint: "copy the project's openshift.io/sa.scc.uid-range annotation, e.g. uidRange: \"1000680000/10000\"")
        }
        return OpenShift(uidStart: start, uidCount: size, uidRange: text, location: node.location)
    }
}

/// Small readers shared by the project, environment and parameter files.
enum ProjectFileReader {
    static func rejectUnknownKeys(_ map: Mapping, allowed: Set<String>, in what: String) throws {
        for (key, entry) in map.entries where !allowed.contains(key) {
            var hint = "\(what) takes " + allowed.sorted().joined(separator: ", ")
            if let close = ParameterSubstitution.closest(to: key, in: Array(allowed)) { hint = "did you mean \"\(close)\"? " + hint }
            throw Diagnostic.error(at: entry.keyLocation, "unknown key \"\(key)\" in \(what)", hint: hint)
        }
    }

    static func path(_ node: Node?, default value: String, field: String) throws -> String {
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
    static func checkInsideSource(_ path: String, at location: SourceLocation, field: String) throws {
        if path.hasPrefix("/") {
            throw Diagnostic.error(at: location, "\(field) must be relative to the source root, not the absolute path \(path)")
        }
        if path.split(separator: "/").contains("..") {
            throw Diagnostic.error(at: location, "\(field) \(path) leads outside the source root",
                                   hint: "everything a project reads or writes stays inside its source; remove the ..")
        }
    }

    static func list(_ node: Node?, field: String) throws -> [Node] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "\(field) must be a list, not \(node.kindWithArticle)")
        }
        return items
    }
}
