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
            guard let docs = try source.parseStream(path) else {
                throw Diagnostic.error(at: node.location, "no such CRD file: \(source.displayPath(path))")
            }
            let schemas = try CRDSchemaReader.read(docs)
            if schemas.isEmpty {
                throw Diagnostic.error(at: node.location, "\(source.displayPath(path)) holds no CustomResourceDefinition")
            }
            for schema in schemas { project.registry.register(schema.type, groupKind: schema.groupKind) }
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

/// An environment: its ordered layers and its parameter values.
public struct Environment: Sendable {
    public struct LayerReference: Sendable {
        public var name: String
        public var location: SourceLocation
    }

    public var name: String
    public var file: String
    public var description: String?
    public var layers: [LayerReference] = []
    /// Values by parameter name, as written (with their positions).
    public var parameterValues = OrderedDictionary<String, Node>()
    public var location: SourceLocation

    public init(name: String, file: String, documents: [Node]) throws {
        self.name = name
        self.file = file
        let root = documents.first { !$0.isNull } ?? Node.mapping(at: SourceLocation(file: file, line: 1, column: 1))
        location = root.location
        guard let map = root.mapping else {
            throw Diagnostic.error(at: root.location, "an environment file must be a mapping, not \(root.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["description", "layers", "parameters"], in: "an environment file")
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
        var trimmed = s
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasPrefix("./") { trimmed.removeFirst(2) }
        return trimmed
    }

    static func list(_ node: Node?, field: String) throws -> [Node] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "\(field) must be a list, not \(node.kindWithArticle)")
        }
        return items
    }
}
