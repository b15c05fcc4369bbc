import Foundation
import Kustomize
import MergeEngine
import YAMLModel

/// Turns one environment into its merged resources: base, then each layer in order
/// (resources it adds, strategic patches, JSON patches), parameters substituted, then the
/// stages of the project's stacks, then the rules (the stacks' and the secret policy), then
/// the target's forms (`TargetForms`: charts as Applications or HelmReleases).
/// Pure apart from reading the source; errors are collected.
public final class Renderer: @unchecked Sendable {
    public let project: Project
    private let stages: [any RenderStage]
    private let rules: [Rule]
    private var parsed: [String: [Template]] = [:]
    private var layerListings: [String: LayerListing] = [:]
    private var baseFileList: [String]?
    private let lock = NSLock()

    public init(project: Project) {
        self.project = project
        stages = project.stages
        rules = project.rules
    }

    /// The merged resources of one environment, or the reasons there are none.
    public struct Outcome: Sendable {
        public var environment: Environment
        public var resources: [Resource]
        public var diagnostics: [Diagnostic]
        /// Layers in the order they applied, base first.
        public var layers: [String]
        /// Every parameter's value as the environment sees it.
        public var parameters: [(name: String, value: Node)]
        /// Findings of the rules the environment disables (or of the secret policy it
        /// waives), by rule id: counted for render-info.txt, not reported.
        public var suppressedFindings: [String: Int] = [:]

        public var failed: Bool { diagnostics.contains { $0.severity == .error } }

        /// Resources built elsewhere (by `gitops-weave build`), to explain like an environment's.
        public init(environment: Environment, resources: [Resource], layers: [String] = []) {
            self.init(environment: environment, resources: resources, diagnostics: [], layers: layers, parameters: [])
        }

        init(environment: Environment, resources: [Resource], diagnostics: [Diagnostic], layers: [String],
             parameters: [(name: String, value: Node)], suppressedFindings: [String: Int] = [:]) {
            self.environment = environment
            self.resources = resources
            self.diagnostics = diagnostics
            self.layers = layers
            self.parameters = parameters
            self.suppressedFindings = suppressedFindings
        }
    }

    /// Renders environments on every core; results come back in the order of `names`.
    public func renderAll(_ names: [String]) -> [Outcome] {
        names.concurrentMap { render(named: $0) }
    }

    /// Renders a named environment.
    public func render(named name: String) -> Outcome {
        do {
            return render(try project.environment(named: name))
        } catch let d as Diagnostic {
            let env = try? Environment(name: name, file: project.environmentFile(name), documents: [])
            return Outcome(environment: env!, resources: [], diagnostics: [d], layers: [], parameters: [])
        } catch {
            let env = try? Environment(name: name, file: project.environmentFile(name), documents: [])
            return Outcome(environment: env!, resources: [], diagnostics: [.error(at: nil, "\(error)")], layers: [], parameters: [])
        }
    }

    public func render(_ environment: Environment) -> Outcome {
        var outcome = Outcome(environment: environment, resources: [], diagnostics: [],
                              layers: ["base"] + environment.layers.map(\.name), parameters: [])
        let values = bindParameters(environment, into: &outcome.diagnostics)
        outcome.parameters = project.parameters.keys.compactMap { name in values[name].map { (name, $0) } }
        let layers = resolveLayers(environment, into: &outcome.diagnostics)
        guard !outcome.failed else { return outcome }

        var substitution = ParameterSubstitution(declarations: project.parameters, values: values, environmentFile: environment.file)
        // kustomize directories read their own files; parameters fill in each document as it
        // is read, so that hash suffixes cover the values.
        let box = SubstitutionBox(substitution)
        func kustomize(_ build: (KustomizeBuild) throws -> KustomizeBuild.Output) throws -> [Node] {
            box.value = substitution
            var options = KustomizeBuild.Options()
            options.registry = project.registry
            options.flavor = project.kustomizeMerge
            options.documentFilter = { node in box.lock.withLock { box.value.substitute(node) } }
            let output = try build(KustomizeBuild(tree: project.source, options: options))
            substitution = box.value
            outcome.diagnostics += output.warnings
            return output.nodes
        }
        do {
            var base: [Node] = []
            if let overlay = environment.kustomize {
                do {
                    base = try kustomize { try $0.build(overlay.value) }
                } catch let d as Diagnostic where d.location == nil {
                    throw Diagnostic.error(at: overlay.location, d.message, hint: d.hint)
                }
            } else {
                for file in try baseFiles() {
                    base += try template(file).map { substitution.substitute($0.document, along: $0.placeholders) }
                }
                for doc in base { try Self.refuseKustomization(doc) }
            }
            outcome.diagnostics += substitution.diagnostics
            guard !outcome.failed else { return outcome }

            var patcher = ResourcePatcher(resources: try Resource.load(base), registry: project.registry)
            var notes: [Diagnostic] = []
            for layer in layers {
                if let directory = layer.kustomization {
                    let before = substitution.diagnostics.count
                    let nodes = try kustomize { try $0.apply(directory, to: patcher.resources.map(\.node)) }
                    outcome.diagnostics += substitution.diagnostics[before...]
                    guard !outcome.failed else { return outcome }
                    notes += patcher.notes
                    patcher = ResourcePatcher(resources: try Resource.load(nodes), registry: project.registry)
                    continue
                }
                let before = substitution.diagnostics.count
                let fill = { (t: Template) in substitution.substitute(t.document, along: t.placeholders) }
                let added = try layer.resources.flatMap { try template($0) }.map(fill)
                let patches = try layer.patches.flatMap { try template($0) }.map(fill)
                let jsonPatches = try layer.jsonPatches.flatMap { try template($0) }.map(fill)
                outcome.diagnostics += substitution.diagnostics[before...]
                guard !outcome.failed else { return outcome }
                for doc in added where !doc.isNull {
                    try Self.refuseKustomization(doc)
                    try patcher.add(try Resource(document: doc))
                }
                for doc in patches where !doc.isNull { try patcher.applyStrategic(doc) }
                for doc in jsonPatches where !doc.isNull {
                    let p = try TargetedJSONPatch(parsing: doc)
                    try patcher.applyJSONPatch(p.patch, target: p.target, at: p.location)
                }
            }
            outcome.diagnostics += notes + patcher.notes
            outcome.resources = patcher.resources
        } catch let d as Diagnostic {
            outcome.diagnostics.append(d)
            return outcome
        } catch {
            outcome.diagnostics.append(.error(at: nil, "\(error)"))
            return outcome
        }

        for (name, value) in environment.parameterValues where !substitution.used.contains(name) && project.parameters[name] != nil {
            outcome.diagnostics.append(Diagnostic(
                .warning, at: value.location,
                "parameter \"\(name)\" is set, but nothing in the base"
                    + (environment.layers.isEmpty ? "" : " or the layers " + environment.layers.map(\.name).joined(separator: ", ")) + " uses it",
                hint: "remove the value, or use ${\(name)} where it belongs"))
        }
        var staged: [Diagnostic] = []
        for stage in stages { staged += stage.run(&outcome.resources, environment: environment) }
        // A value the environment sets that patches replace wherever it is used: it shows in
        // render-info.txt, but changes nothing.
        let set = Set(environment.parameterValues.keys)
        if !set.isEmpty {
            for (name, patch) in ParameterUse(outcome.resources).overridden(among: substitution.used.intersection(set)) {
                guard let value = environment.parameterValues[name] else { continue }
                outcome.diagnostics.append(Diagnostic(
                    .warning, at: value.location,
                    "parameter \"\(name)\" is set, but a patch replaces every use of it, so the value changes nothing",
                    hint: "\(patch) sets the field instead; remove the value, or the patch's line"))
            }
        }
        let rules = Rule.check(self.rules, on: outcome.resources, environment: environment, earlier: staged)
        outcome.diagnostics += rules.diagnostics
        outcome.suppressedFindings = rules.suppressed
        // Last, what the target applies: charts in its own form, and nothing of the other tool.
        let forms = TargetForms.apply(outcome.resources, target: environment.target)
        outcome.resources = forms.resources
        outcome.diagnostics += forms.diagnostics
        return outcome
    }

    // MARK: Parameters

    /// Checks the environment's values against the declarations and adds the defaults.
    func bindParameters(_ environment: Environment, into diagnostics: inout [Diagnostic]) -> [String: Node] {
        var values: [String: Node] = [:]
        for (name, p) in project.parameters {
            if let d = p.defaultValue { values[name] = d }
        }
        for (name, value) in environment.parameterValues {
            guard let p = project.parameters[name] else {
                var hint = "declare it under parameters: in \(project.file)"
                if let close = Suggestion.closest(to: name, in: Array(project.parameters.keys)) {
                    hint = "did you mean \"\(close)\"? Or " + hint
                }
                diagnostics.append(.error(at: value.location, "undeclared parameter \"\(name)\"", hint: hint))
                continue
            }
            guard p.accepts(value) else {
                diagnostics.append(p.typeError(value))
                continue
            }
            values[name] = value
        }
        return values
    }

    // MARK: Layers

    /// The files of one layer, by role.
    public struct Layer: Sendable {
        public var name: String
        public var resources: [String] = []
        public var patches: [String] = []
        public var jsonPatches: [String] = []
        /// Set when the layer is a kustomize directory or component: its path in the source.
        public var kustomization: String?
    }

    static let layerSubdirectories = ["resources", "patches", "json-patches"]
    /// What a layer may hold besides those: the files its documents embed.
    static let layerDirectories = layerSubdirectories + [EmbeddedFile.directory]

    func resolveLayers(_ environment: Environment, into diagnostics: inout [Diagnostic]) -> [Layer] {
        var layers: [Layer] = []
        for reference in environment.layers {
            switch listing(ofLayer: reference.name) {
            case .missing(let known):
                var hint = "layers are directories under \(project.source.displayPath(project.layersDirectory))/"
                if let close = Suggestion.closest(to: reference.name, in: known) {
                    hint = "did you mean \"\(close)\"? " + hint
                } else if !known.isEmpty {
                    hint += "; there are: " + known.joined(separator: ", ")
                }
                diagnostics.append(.error(at: reference.location, "layer \"\(reference.name)\" does not exist", hint: hint))
            case .unreadable(let error):
                diagnostics.append(error as? Diagnostic ?? .error(at: reference.location, "cannot read layer \"\(reference.name)\": \(error)"))
            case .found(let layer, let strays):
                diagnostics += strays
                layers.append(layer)
            }
        }
        return layers
    }

    /// A layer's directory as read from the source: once per run, since every environment
    /// that names the layer sees the same files.
    enum LayerListing: Sendable {
        case found(Layer, strays: [Diagnostic])
        case missing(known: [String])
        case unreadable(any Error)
    }

    func listing(ofLayer name: String) -> LayerListing {
        lock.lock()
        if let done = layerListings[name] { lock.unlock(); return done }
        lock.unlock()
        let listing = readLayer(name)
        lock.lock()
        layerListings[name] = listing
        lock.unlock()
        return listing
    }

    private func readLayer(_ name: String) -> LayerListing {
        let path = project.layerPath(name)
        do {
            guard let entries = try project.source.list(path) else {
                return .missing(known: (try? project.source.list(project.layersDirectory))?.filter(\.isDirectory).map(\.name) ?? [])
            }
            // A layer with a kustomization file is a kustomize directory or component: it may
            // hold any files its kustomization names.
            if entries.contains(where: { !$0.isDirectory && Self.kustomizationFiles.contains($0.name) }) {
                return .found(Layer(name: name, kustomization: path), strays: [])
            }
            let strays = entries.filter { !Self.layerDirectories.contains($0.name) && !$0.name.hasPrefix(".") && $0.name != "README.md" }.map {
                Diagnostic.error(
                    at: SourceLocation(file: project.source.displayPath(path + "/" + $0.name), line: 1, column: 1),
                    "\($0.name) is not part of a layer's layout",
                    hint: "a layer holds resources/, patches/ and json-patches/ directories of YAML files, and files/ of the files they embed")
            }
            // Each directory is listed once, for its files and for what does not belong.
            var strayFiles = strays
            var files: [String: [String]] = [:]
            for sub in Self.layerSubdirectories {
                let listed = try Self.layerFiles(in: path + "/" + sub, of: sub, source: project.source)
                files[sub] = listed.yaml
                strayFiles += listed.misplaced
            }
            let layer = Layer(name: name, resources: files["resources"] ?? [], patches: files["patches"] ?? [],
                              jsonPatches: files["json-patches"] ?? [])
            return .found(layer, strays: strayFiles)
        } catch {
            return .unreadable(error)
        }
    }

    /// kustomize's names for its build file; in a layer it would be published as an object.
    static let kustomizationFiles: Set<String> = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// The YAML files of a layer's `resources/`, `patches/` or `json-patches/`, and what in
    /// it would otherwise be skipped without a word, or published as an object: files that
    /// are not `.yaml`/`.yml` (hidden files and README.md aside), directories, and
    /// kustomize's kustomization file.
    static func layerFiles(in directory: String, of sub: String, source: any SourceTree) throws -> (yaml: [String], misplaced: [Diagnostic]) {
        guard let entries = try source.list(directory) else { return ([], []) }
        let yaml = entries.filter { !$0.isDirectory && ($0.name.hasSuffix(".yaml") || $0.name.hasSuffix(".yml")) }
            .map { directory + "/" + $0.name }
        var out: [Diagnostic] = []
        for entry in entries where !entry.name.hasPrefix(".") && entry.name != "README.md" {
            let at = SourceLocation(file: source.displayPath(directory + "/" + entry.name), line: 1, column: 1)
            if kustomizationFiles.contains(entry.name) {
                out.append(.error(at: at, "\(entry.name) is kustomize's build file, not a Kubernetes object: a layer's \(sub)/ would publish it as one",
                                  hint: "to make the layer a kustomize directory, move \(entry.name) to the layer's top directory; otherwise delete it"))
                continue
            }
            if entry.isDirectory {
                out.append(.error(at: at, "\(entry.name)/ is a directory, and \(sub)/ is read one level deep",
                                  hint: "move its files up into \(sub)/, or make it a layer of its own under layers/"))
                continue
            }
            let name = entry.name
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { continue }
            let dot = name.lastIndex(of: ".")
            let ext = dot.map { String(name[name.index(after: $0)...]) } ?? ""
            if ["yaml", "yml"].contains(ext.lowercased()) {
                let fixed = String(name[..<dot!]) + "." + ext.lowercased()
                out.append(.error(at: at, "\(name) is not read: the extension must be .yaml or .yml, in lower case",
                                  hint: "rename it to \(fixed)"))
            } else {
                out.append(.error(at: at, "\(name) is not a YAML file: \(sub)/ holds .yaml and .yml files only",
                                  hint: ext == "xml" || ext == "json"
                                      ? "to ship a file's contents, put it in the layer's files/ and embed it where it belongs: {$file: files/\(name)}"
                                      : "move it out of the layer, or rename it to .yaml if it is YAML"))
            }
        }
        return (yaml, out)
    }

    /// A kustomize Kustomization or Component document, under any file name.
    static func refuseKustomization(_ doc: Node) throws {
        guard let kind = doc["kind"], ["Kustomization", "Component"].contains(kind.stringValue ?? ""),
              doc["apiVersion"]?.stringValue?.hasPrefix("kustomize.config.k8s.io/") == true else { return }
        throw Diagnostic.error(at: kind.location, "a kustomize \(kind.stringValue!) is a build file, not a Kubernetes object to publish",
                               hint: "a layer whose top directory holds kustomization.yaml is a kustomize directory; put this kustomization there, or delete it")
    }

    /// The base's files, listed once per run.
    func baseFiles() throws -> [String] {
        lock.lock()
        if let done = baseFileList { lock.unlock(); return done }
        lock.unlock()
        let files = try project.source.yamlFiles(in: project.baseDirectory)
        lock.lock()
        baseFileList = files
        lock.unlock()
        return files
    }

    /// A parsed document of the source, with where its placeholders are.
    struct Template: Sendable {
        var document: Node
        var placeholders: PlaceholderMap
    }

    /// The directory whose files/ a source file's `$file` reads: its layer's, or the base's.
    func embeddingRoot(of path: String) -> String {
        let layers = project.layersDirectory + "/"
        if path.hasPrefix(layers), let name = path.dropFirst(layers.count).split(separator: "/").first {
            return project.layerPath(String(name))
        }
        return project.baseDirectory
    }

    /// Parses a source file once for all environments, with its `$file` values read.
    func template(_ path: String) throws -> [Template] {
        lock.lock()
        if let done = parsed[path] { lock.unlock(); return done }
        lock.unlock()
        guard let docs = try project.source.parseStream(path) else {
            throw Diagnostic.error(at: nil, "cannot read \(project.source.displayPath(path))")
        }
        let root = embeddingRoot(of: path)
        let templates = try docs.map { parsed in
            let doc = try EmbeddedFile.resolve(parsed, root: root, source: project.source) ?? parsed
            return Template(document: doc, placeholders: PlaceholderMap(doc))
        }
        lock.lock()
        parsed[path] = templates
        lock.unlock()
        return templates
    }
}

/// The parameter substitution of one render, shared with the kustomize build's document
/// filter (which may be called from the build only, never concurrently with the renderer).
final class SubstitutionBox: @unchecked Sendable {
    var value: ParameterSubstitution
    let lock = NSLock()

    init(_ value: ParameterSubstitution) { self.value = value }
}
