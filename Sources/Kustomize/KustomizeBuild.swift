import YAMLModel
import MergeEngine

/// `kustomize build` over a source tree: reads a kustomization directory, its resources,
/// bases and components, runs its generators and transformers in kustomize's order, then
/// the steps kustomize runs once at the top (hash suffixes, name references, vars, dropping
/// local config, sorting, build metadata).
///
/// Pure apart from reading the tree. Every error is a `Diagnostic` at the kustomization
/// line, patch or resource that caused it.
public struct KustomizeBuild: Sendable {
    public struct Options: Sendable {
        /// How patches merge: kustomize's kyaml merge by default, or apimachinery's.
        public var flavor: MergeFlavor = .kyaml
        /// Merge keys: the built-in kinds, plus whatever the caller registers (CRDs, stacks).
        public var registry: SchemaRegistry = SchemaRegistry()
        /// Sort the output in kustomize's legacy order (what `kustomize build` does unless the
        /// kustomization's `sortOptions` says otherwise); false keeps input order.
        public var legacySort = true
        /// Applied to every YAML document the build reads (kustomization files, resources,
        /// patches) before it is used: a project substitutes its parameters here.
        public var documentFilter: (@Sendable (Node) throws -> Node)?
        public init() {}
    }

    public let tree: any SourceTree
    public let options: Options

    public init(tree: any SourceTree, options: Options = Options()) {
        self.tree = tree
        self.options = options
    }

    /// What a build produced: the resources in output order, and warnings.
    public struct Output: Sendable {
        public var resources: [KustomizeResource]
        public var warnings: [Diagnostic]
        /// Every file the build read, as tree paths, in the order it read them.
        public var files: [String]

        public var nodes: [Node] { resources.map(\.node) }

        /// The stream as `kustomize build` prints it: documents separated by `---`, every
        /// mapping's keys sorted.
        public var yaml: String { YAMLEmitter().emitStream(nodes.map(Self.sortedKeys)) }

        /// kustomize's `build -o DIR` names: `group_version_kind_name.yaml`, lower-cased, with
        /// `namespace_` in front when the resources span several namespaces; each file is
        /// one document, keys sorted.
        public func resourceFiles() throws -> [(path: String, contents: String)] {
            let namespaces = Set(resources.filter { !$0.gvk.isClusterScoped }.map(\.id.effectiveNamespace))
            var files: [(path: String, contents: String)] = []
            var seen: [String: String] = [:]
            for resource in resources {
                let gvk = resource.gvk
                var name = ([gvk.group, gvk.version, gvk.kind].filter { !$0.isEmpty }.joined(separator: "_") + "_" + resource.name).lowercased() + ".yaml"
                if namespaces.count > 1 && !gvk.isClusterScoped { name = resource.id.effectiveNamespace.lowercased() + "_" + name }
                if let other = seen.updateValue(resource.id.description, forKey: name) {
                    throw Diagnostic.error(at: resource.node.location, "\(other) and \(resource.id) would both be written to \(name)",
                                           hint: "their names differ only in case; write the stream to a file instead")
                }
                files.append((name, YAMLEmitter().emitStream([Self.sortedKeys(resource.node)])))
            }
            return files
        }

        static func sortedKeys(_ node: Node) -> Node {
            var out = node
            switch node.value {
            case .scalar: return node
            case .sequence(let items): out.value = .sequence(items.map(sortedKeys))
            case .mapping(let m):
                var sorted = Mapping()
                for key in m.keys.sorted() { sorted.set(key, sortedKeys(m[key]!), keyLocation: m.keyLocation(key)) }
                out.value = .mapping(sorted)
            }
            return out
        }
    }

    /// Builds the kustomization in `directory` (a path of the tree; "" is its root).
    public func build(_ directory: String) throws -> Output {
        var context = BuildContext(tree: tree, options: options, top: directory)
        let top = try context.loadKustomization(in: Path.normalize(directory), at: nil)
        // `openapi: {path: FILE}` replaces the registry for the whole build (kyaml's custom schema).
        if let registry = try context.openAPIRegistry(of: top) { context.options.registry = registry }
        var accumulator = Accumulator()
        try context.accumulate(top, into: &accumulator, stack: [])
        var resources = accumulator.resources

        try Finishing.addHashes(&resources)
        try NameReferences(config: accumulator.config).fix(&resources)
        try accumulator.vars.resolve(&resources, config: accumulator.config)
        resources.resources.removeAll { $0.isLocalConfig }

        var output = resources.resources
        let sortOptions = top["sortOptions"]
        if let sortOptions {
            output = try Finishing.sort(output, options: sortOptions)
        } else if options.legacySort {
            output = Finishing.legacySort(output, first: Finishing.legacyFirst, last: Finishing.legacyLast)
        }
        output = try Finishing.buildMetadata(output, kustomization: top)
        return Output(resources: output, warnings: context.warnings, files: context.files)
    }

    /// Applies the kustomization in `directory` (a layer, or a component) to resources built
    /// elsewhere: like a component, its resources join them and its generators, patches and
    /// transformers act on all of them; then hash suffixes, name references and vars, as at
    /// the top of a build. The order of the resources is kept, new ones last.
    public func apply(_ directory: String, to nodes: [Node]) throws -> Output {
        var context = BuildContext(tree: tree, options: options, top: directory)
        let k = try context.loadKustomization(in: Path.normalize(directory), at: nil)
        var accumulator = Accumulator()
        try accumulator.resources.append(contentsOf: nodes.map { node in
            var r = KustomizeResource(node: node)
            r.serial = context.nextSerial()
            return r
        }, at: nil)
        try context.accumulate(k, into: &accumulator, stack: [])
        var resources = accumulator.resources
        try Finishing.addHashes(&resources)
        try NameReferences(config: accumulator.config).fix(&resources)
        try accumulator.vars.resolve(&resources, config: accumulator.config)
        resources.resources.removeAll { $0.isLocalConfig }
        return Output(resources: resources.resources, warnings: context.warnings, files: context.files)
    }
}

extension BuildContext {
    /// The documents a kustomization entry holds: YAML written inline (already read with the
    /// kustomization), or a file of its directory; and that file's path, nil when inline.
    mutating func documents(of entry: Located<String>, in k: Kustomization, role: String) throws -> (documents: [Node], path: String?) {
        if Inline.holdsYAML(entry.value) { return (try Inline.parse(entry, in: k).filter { !$0.isNull }, nil) }
        let (path, text) = try loadFile(entry, of: k, role: role)
        return (try parse(text, path: path), path)
    }

    /// Parses a file the build reads, through the caller's document filter.
    func parse(_ text: String, path: String) throws -> [Node] {
        let docs = try YAMLParser().parseStream(text, file: display(path)).filter { !$0.isNull }
        guard let filter = options.documentFilter else { return docs }
        return try docs.map(filter)
    }
}

/// What a kustomization directory contributes while it is being built.
struct Accumulator: Sendable {
    var resources = ResourceMap()
    var config = TransformerConfig()
    var vars = Vars()
}

/// Paths of the tree: relative, `/`-separated, normalized.
public enum Path {
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    static func join(_ directory: String, _ relative: String) -> String {
        normalize(directory.isEmpty ? relative : directory + "/" + relative)
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory.isEmpty ? !path.hasPrefix("..") : (path == directory || path.hasPrefix(directory + "/"))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    static func base(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `to` written relative to `from` (both directories or files of the tree, or both
    /// absolute paths).
    public static func relative(_ to: String, from: String) -> String {
        let a = from.split(separator: "/")
        let b = to.split(separator: "/")
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let up = Array(repeating: "..", count: a.count - common)
        return (up + b[common...].map(String.init)).joined(separator: "/")
    }

    static func isRemote(_ entry: String) -> Bool {
        entry.contains("://") || entry.hasPrefix("git@") || entry.hasPrefix("github.com/") || entry.hasPrefix("gitlab.com/")
            || entry.hasPrefix("bitbucket.org/") || entry.contains("?ref=") || entry.contains(".git//")
    }
}

/// The state of one build: the tree, and what was read.
struct BuildContext {
    let tree: any SourceTree
    var options: KustomizeBuild.Options
    let top: String
    var warnings: [Diagnostic] = []
    var files: [String] = []
    var serials = 0

    mutating func nextSerial() -> Int {
        serials += 1
        return serials
    }

    init(tree: any SourceTree, options: KustomizeBuild.Options, top: String) {
        self.tree = tree
        self.options = options
        self.top = Path.normalize(top)
    }

    func display(_ path: String) -> String { tree.displayPath(path.isEmpty ? "." : path) }

    mutating func read(_ path: String) throws -> String? {
        guard let text = try tree.readFile(path) else { return nil }
        files.append(path)
        return text
    }

    /// The kustomization file of a directory; an error at `location` when there is none.
    mutating func loadKustomization(in directory: String, at location: SourceLocation?) throws -> Kustomization {
        guard let entries = try tree.list(directory) else {
            throw Diagnostic.error(at: location, "\(display(directory)) is not a directory",
                                   hint: location == nil ? "give the directory that holds kustomization.yaml" : nil)
        }
        let files = Set(entries.filter { !$0.isDirectory }.map(\.name))
        let found = Kustomization.fileNames.filter(files.contains).map { Path.join(directory, $0) }
        guard let path = found.first else {
            throw Diagnostic.error(at: location, "no kustomization file in \(display(directory))",
                                   hint: "kustomize looks for one of " + Kustomization.fileNames.joined(separator: ", "))
        }
        if found.count > 1 {
            throw Diagnostic.error(at: location, "\(display(directory)) has more than one kustomization file: "
                                   + found.map { Path.base(of: $0) }.joined(separator: ", "),
                                   hint: "keep one of them")
        }
        let text = try read(path) ?? ""
        let documents = try parse(text, path: path)
        if documents.count > 1 {
            throw Diagnostic.error(at: documents[1].location, "a kustomization file holds one document")
        }
        var k = try Kustomization(directory: directory, path: path,
                                  node: documents.first ?? .scalar(.null, at: SourceLocation(file: display(path), line: 1, column: 1)))
        k.text = text
        warnings += k.warnings
        return k
    }

    /// A file the kustomization names, which must lie in or below its directory (kustomize's
    /// default load restrictor).
    mutating func loadFile(_ entry: Located<String>, of k: Kustomization, role: String) throws -> (path: String, text: String) {
        if Path.isRemote(entry.value) {
            throw Diagnostic.error(at: entry.location, "remote \(role) \"\(entry.value)\" is not supported",
                                   hint: "gitops-weave build reads local files only; vendor the files into the repository and list their local path")
        }
        if entry.value.hasPrefix("/") {
            throw Diagnostic.error(at: entry.location, "\(role) \"\(entry.value)\" is an absolute path",
                                   hint: "paths in a kustomization are relative to its directory")
        }
        let path = Path.join(k.directory, entry.value)
        guard Path.isInside(path, k.directory) else {
            throw Diagnostic.error(at: entry.location, "\(role) \"\(entry.value)\" is outside the kustomization's directory \(display(k.directory))",
                                   hint: "kustomize's load restrictor reads files only in or below the kustomization's directory; "
                                       + "move the file there, or make its directory a kustomization and list that directory")
        }
        guard let text = try read(path) else {
            if try tree.list(path) != nil {
                throw Diagnostic.error(at: entry.location, "\(role) \"\(entry.value)\" is a directory, not a file")
            }
            throw Diagnostic.error(at: entry.location, "\(role) \"\(entry.value)\" not found: no file \(display(path))",
                                   hint: suggestion(for: path))
        }
        return (path, text)
    }

    func suggestion(for path: String) -> String? {
        let dir = Path.directory(of: path)
        guard let entries = try? tree.list(dir) else { return nil }
        return Suggestion.closest(to: Path.base(of: path), in: entries.map(\.name)).map { "did you mean \"\($0)\"?" }
    }

    /// Runs one kustomization into `acc`: its resources, configuration, generators, components,
    /// transformers and vars, in kustomize's order.
    mutating func accumulate(_ k: Kustomization, into acc: inout Accumulator, stack: [String]) throws {
        let stack = stack + [k.directory]
        var entries = try k.strings("resources")
        entries += try k.strings("bases")
        for entry in entries {
            try accumulateResource(entry, of: k, into: &acc, stack: stack)
        }
        // Configuration files add to the built-in configuration, except that name prefix and
        // suffix specs they give replace the built-in ones (as kubectl kustomize 5.5 behaves:
        // a custom namePrefix spec for one kind leaves other kinds unprefixed).
        var custom = TransformerConfig()
        for entry in try k.strings("configurations") {
            let (path, text) = try loadFile(entry, of: k, role: "configuration")
            for doc in try YAMLParser().parseStream(text, file: display(path)) where !doc.isNull {
                custom.merge(try TransformerConfig(parsing: doc))
            }
        }
        var level = TransformerConfig.defaults
        for category in ["namePrefix", "nameSuffix"] where custom.specs[category] != nil { level.specs[category] = [] }
        level.merge(custom)
        acc.config.merge(level)
        for entry in try k.strings("crds") {
            let (path, text) = try loadFile(entry, of: k, role: "CRD file")
            for doc in try YAMLParser().parseStream(text, file: display(path)) where !doc.isNull {
                acc.config.merge(TransformerConfig(crdReferences: doc))
            }
        }
        var generators = Generators(kustomization: k, top: top)
        try generators.run(into: &acc.resources, context: &self)

        for entry in try k.strings("components") {
            let directory = Path.join(k.directory, entry.value)
            if Path.isRemote(entry.value) {
                throw Diagnostic.error(at: entry.location, "remote component \"\(entry.value)\" is not supported",
                                       hint: "gitops-weave build reads local files only; vendor the component into the repository")
            }
            guard try tree.list(directory) != nil else {
                throw Diagnostic.error(at: entry.location, "component \"\(entry.value)\" not found: \(display(directory)) is not a directory",
                                       hint: suggestion(for: directory))
            }
            let component = try loadKustomization(in: directory, at: entry.location)
            guard component.kind == .component else {
                throw Diagnostic.error(at: entry.location, "\(display(component.path)) is a Kustomization, not a Component",
                                       hint: "list a kustomization under resources; components have kind: Component (apiVersion kustomize.config.k8s.io/v1alpha1)")
            }
            if stack.contains(directory) {
                throw Diagnostic.error(at: entry.location, "\(display(directory)) includes itself", hint: "a kustomization cannot list itself or a directory that lists it")
            }
            try accumulate(component, into: &acc, stack: stack)
        }

        var transformers = Transformers(kustomization: k, config: acc.config, options: options, top: top)
        try transformers.run(&acc.resources, context: &self)
        try acc.vars.add(try k.mappings("vars"), of: k, resources: acc.resources)
        if let validators = k["validators"] {
            throw Diagnostic.error(at: validators.location, "validator plugins are not supported by gitops-weave build",
                                   hint: "gitops-weave runs no plugins; check the output with `gitops-weave validate` instead")
        }
    }

    mutating func accumulateResource(_ entry: Located<String>, of k: Kustomization, into acc: inout Accumulator, stack: [String]) throws {
        if Path.isRemote(entry.value) {
            throw Diagnostic.error(at: entry.location, "remote resource \"\(entry.value)\" is not supported",
                                   hint: "gitops-weave build reads local files only; vendor the files into the repository and list their local path")
        }
        if entry.value.hasPrefix("/") {
            throw Diagnostic.error(at: entry.location, "resource \"\(entry.value)\" is an absolute path",
                                   hint: "paths in a kustomization are relative to its directory")
        }
        let path = Path.join(k.directory, entry.value)
        if path.hasPrefix("..") {
            throw Diagnostic.error(at: entry.location, "resource \"\(entry.value)\" leads outside the source root \(display(""))",
                                   hint: "run the build from a directory that holds every kustomization it uses, or pass --root")
        }
        if try tree.list(path) != nil {
            if stack.contains(path) {
                throw Diagnostic.error(at: entry.location, "\(display(path)) includes itself", hint: "a kustomization cannot list itself or a directory that lists it")
            }
            let sub = try loadKustomization(in: path, at: entry.location)
            if sub.kind == .component {
                throw Diagnostic.error(at: entry.location, "\(display(sub.path)) is a Component; list it under components, not resources",
                                       hint: "a component applies to the resources of the kustomization that lists it")
            }
            var subAcc = Accumulator()
            try accumulate(sub, into: &subAcc, stack: stack)
            try acc.resources.append(contentsOf: subAcc.resources, at: entry.location)
            acc.config.merge(subAcc.config)
            try acc.vars.merge(subAcc.vars, at: entry.location)
            return
        }
        let (file, text) = try loadFile(entry, of: k, role: "resource")
        var loaded: [KustomizeResource] = []
        let origin = KustomizeResource.Origin(path: Path.relative(file, from: top))
        for doc in try parse(text, path: file) {
            for item in try Self.objects(in: doc) {
                var r = KustomizeResource(node: try Self.checked(item))
                r.serial = nextSerial()
                r.origin = origin
                loaded.append(r)
            }
        }
        try acc.resources.append(contentsOf: loaded, at: nil)
    }

    /// kustomize reads labels and annotations as strings (`port: 8080` becomes "8080"); and a
    /// binding's subject with an empty namespace is an error, not a default.
    static func checked(_ item: Node) throws -> Node {
        var node = item
        for field in ["labels", "annotations"] {
            guard var map = node.value(at: ["metadata", field])?.mapping else { continue }
            for (k, e) in map.entries where e.value.scalar != nil && e.value.scalar!.tag != .string && !e.value.isNull {
                var v = e.value
                v.value = .scalar(.string(e.value.scalar!.text))
                map.set(k, v)
            }
            node = node.setting(["metadata", field], to: Node(.mapping(map), at: node.value(at: ["metadata", field])!.location))
        }
        let kind = node["kind"]?.stringValue
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            for s in node["subjects"]?.sequence ?? [] where s["kind"]?.stringValue == "ServiceAccount" {
                if let ns = s["namespace"], ns.isNull || ns.scalar?.text == "" {
                    throw Diagnostic.error(at: ns.location, "the ServiceAccount subject \(s["name"]?.scalar?.text ?? "") of \(kind!) \(node.value(at: ["metadata", "name"])?.scalar?.text ?? "") has a blank namespace",
                                           hint: "set the namespace, or remove the field to let the kustomization's namespace apply")
                }
            }
        }
        return node
    }

    /// A document's objects: itself, or the items of a `List`, each checked to be one.
    static func objects(in doc: Node) throws -> [Node] {
        guard let map = doc.mapping else {
            throw Diagnostic.error(at: doc.location, "a resource must be a mapping, not \(doc.kindWithArticle)")
        }
        let kind = map["kind"]?.stringValue ?? ""
        if kind.hasSuffix("List"), let items = map["items"]?.sequence {
            return try items.flatMap { try objects(in: $0) }
        }
        if map["apiVersion"]?.stringValue == "kustomize.config.k8s.io/v1beta1" || map["apiVersion"]?.stringValue == "kustomize.config.k8s.io/v1alpha1" {
            throw Diagnostic.error(at: doc.location, "this file is a kustomization (kind \(kind)), listed as a resource",
                                   hint: "list the directory that holds it, not the file")
        }
        guard !kind.isEmpty else {
            throw Diagnostic.error(at: doc.location, "the resource has no kind", hint: "every Kubernetes object has apiVersion, kind and metadata.name")
        }
        guard let name = doc.value(at: ["metadata", "name"]), let text = name.scalar?.text, !text.isEmpty, !name.isNull else {
            if doc.value(at: ["metadata", "generateName"]) != nil {
                throw Diagnostic.error(at: doc.location, "\(kind) uses metadata.generateName, which kustomize cannot track",
                                       hint: "give it a metadata.name")
            }
            throw Diagnostic.error(at: doc["metadata"]?.location ?? doc.location, "the \(kind) has no metadata.name",
                                   hint: "every Kubernetes object has apiVersion, kind and metadata.name")
        }
        return [doc]
    }
}
