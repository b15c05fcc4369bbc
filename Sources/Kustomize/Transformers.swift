import YAMLModel
import MergeEngine

/// The built-in transformers of one kustomization, in kustomize's order: strategic merge
/// patches, patches, namespace, name prefix, name suffix, labels, annotations, JSON 6902
/// patches, replicas, images, replacements; then the `transformers:` entries, which may be
/// configurations of those same built-ins.
///
/// Every value a transformer writes is located at the kustomization line that configured it,
/// and links to the value it replaced, so `explain` names the transformer and the line.
struct Transformers {
    let kustomization: Kustomization
    let config: TransformerConfig
    let patching: Patching
    let top: String
    /// The file, relative to the top kustomization, for transformer annotations.
    let configuredIn: String

    init(kustomization: Kustomization, config: TransformerConfig, options: KustomizeBuild.Options, top: String) {
        self.kustomization = kustomization
        self.config = config
        self.top = top
        patching = Patching(registry: options.registry, flavor: options.flavor)
        configuredIn = Path.relative(kustomization.path, from: top)
    }

    var k: Kustomization { kustomization }

    mutating func run(_ resources: inout ResourceMap, context: inout BuildContext) throws {
        for entry in try k.strings("patchesStrategicMerge") {
            for patch in try patchDocuments(entry, context: &context) where patch.sequence == nil {
                try applyUntargeted(patch, to: &resources, role: "strategic merge patch")
            }
        }
        for entry in try k.mappings("patches") {
            try applyPatchEntry(entry, to: &resources, context: &context, json6902Only: false)
        }
        if let ns = try k.string("namespace"), !ns.value.isEmpty {
            try Namespacing(namespace: ns, specs: config["namespace"]).run(&resources)
            annotate(&resources, "NamespaceTransformer")
        }
        if let prefix = try k.string("namePrefix"), !prefix.value.isEmpty {
            try Naming(prefix: prefix, suffix: nil, specs: config["namePrefix"]).run(&resources)
            annotate(&resources, "PrefixTransformer")
        }
        if let suffix = try k.string("nameSuffix"), !suffix.value.isEmpty {
            try Naming(prefix: nil, suffix: suffix, specs: config["nameSuffix"]).run(&resources)
            annotate(&resources, "SuffixTransformer")
        }
        try runLabels(&resources)
        let annotations = try k.stringMap("commonAnnotations")
        if !annotations.isEmpty {
            try MapSetter(pairs: annotations, specs: config["commonAnnotations"], what: "annotation").run(&resources)
            annotate(&resources, "AnnotationsTransformer")
        }
        for entry in try k.mappings("patchesJson6902") {
            try applyPatchEntry(entry, to: &resources, context: &context, json6902Only: true)
        }
        for entry in try k.mappings("replicas") {
            try Replicas(entry: entry, specs: config["replicas"]).run(&resources)
        }
        for entry in try k.mappings("images") {
            try Images(entry: entry, specs: config["images"]).run(&resources)
        }
        for entry in try replacementEntries(k["replacements"], context: &context) {
            try Replacement(parsing: entry).run(&resources)
        }
        for entry in try k.strings("transformers") {
            try runTransformerConfig(entry, on: &resources, context: &context)
        }
    }

    func annotate(_ resources: inout ResourceMap, _ kind: String) {
        for i in resources.resources.indices {
            resources.resources[i].transformedBy.append(.init(configuredIn: configuredIn, configuredBy: kind))
        }
    }

    // MARK: Patches

    /// The documents of a patch entry: a file's, or an inline patch's.
    func patchDocuments(_ entry: Located<String>, context: inout BuildContext) throws -> [Node] {
        try context.documents(of: entry, in: k, role: "patch").documents
    }

    mutating func applyUntargeted(_ patch: Node, to resources: inout ResourceMap, role: String) throws {
        let i = try Patching.target(of: patch, in: resources, role: role)
        if let merged = try patching.merge(patch, into: resources.resources[i]) {
            resources.resources[i] = merged
        } else {
            resources.resources.remove(at: i)
        }
    }

    mutating func applyPatchEntry(_ entry: Node, to resources: inout ResourceMap, context: inout BuildContext, json6902Only: Bool) throws {
        let map = entry.mapping!
        let what = json6902Only ? "patchesJson6902" : "patches"
        let known: Set<String> = ["path", "patch", "target", "options"]
        try Kustomization.rejectUnknown(map, known: known, what: what, fallback: "a patch has path or patch, and target and options")
        var documents: [Node]
        switch (map["path"], map["patch"]) {
        case (let p?, nil):
            documents = try patchDocuments(Located(try Kustomization.string(p, what: "path"), at: p.location), context: &context)
        case (nil, let p?):
            documents = try Inline.parse(Located(try Kustomization.string(p, what: "patch"), at: p.location), in: k).filter { !$0.isNull }
        case (.some, .some):
            throw Diagnostic.error(at: entry.location, "a patch entry has both path and patch", hint: "keep one: path names a file, patch holds the patch inline")
        case (nil, nil):
            throw Diagnostic.error(at: entry.location, "a patch entry has neither path nor patch")
        }
        let allowNameChange = try Kustomization.bool(map["options"]?["allowNameChange"], what: "allowNameChange") ?? false
        let selector = try map["target"].map { try Selector(parsing: $0, what: "target") }
        let isJSON = documents.count == 1 && documents[0].sequence != nil
        if json6902Only || isJSON {
            guard let selector else {
                throw Diagnostic.error(at: entry.location, "a JSON 6902 patch needs a target", hint: "add target: {kind: ..., name: ...}")
            }
            guard documents.count == 1, let ops = documents.first, ops.sequence != nil else {
                throw Diagnostic.error(at: documents.first?.location ?? entry.location, "a JSON 6902 patch is one list of operations",
                                       hint: "write - op: replace, path: /spec/replicas, value: 3")
            }
            let patch = try JSONPatch(parsing: ops)
            let selected = resources.resources.indices.filter { selector.matches(resources.resources[$0]) }
            if selected.isEmpty, json6902Only {
                throw Diagnostic.error(at: selector.location, "the JSON 6902 patch's target matches no resource")
            }
            for i in selected {
                var r = resources.resources[i]
                r.node = try patch.apply(to: r.node)
                r.recordRename(from: resources.resources[i])
                resources.resources[i] = r
            }
            return
        }
        for patch in documents {
            guard let selector else {
                try applyUntargeted(patch, to: &resources, role: "patch")
                continue
            }
            var deleted: [Int] = []
            for i in resources.resources.indices where selector.matches(resources.resources[i]) {
                let r = resources.resources[i]
                if let merged = try patching.merge(Patching.retargeted(patch, to: r, keepName: allowNameChange), into: r, allowNameChange: allowNameChange) {
                    resources.resources[i] = merged
                } else {
                    deleted.append(i)
                }
            }
            for i in deleted.reversed() { resources.resources.remove(at: i) }
        }
    }

    // MARK: Labels

    func runLabels(_ resources: inout ResourceMap) throws {
        var ran = false
        for entry in try k.mappings("labels") {
            let map = entry.mapping!
            let known: Set<String> = ["pairs", "includeSelectors", "includeTemplates", "fields"]
            try Kustomization.rejectUnknown(map, known: known, what: "labels")
            let pairs = try map["pairs"].map { try Kustomization.stringMap($0, what: "pairs") } ?? []
            var specs = try FieldSpec.list(map["fields"], what: "fields").merging(config["labels"])
            if try Kustomization.bool(map["includeSelectors"], what: "includeSelectors") == true {
                specs = specs.merging(config["commonLabels"])
            } else {
                if try Kustomization.bool(map["includeTemplates"], what: "includeTemplates") == true {
                    specs = specs.merging(config["templateLabels"])
                }
                specs = specs.merging([FieldSpec(path: "metadata/labels", create: true)])
            }
            try MapSetter(pairs: pairs, specs: specs, what: "label").run(&resources)
            ran = true
        }
        let common = try k.stringMap("commonLabels")
        if !common.isEmpty {
            try MapSetter(pairs: common, specs: config["commonLabels"], what: "common label").run(&resources)
            ran = true
        }
        if ran { annotate(&resources, "LabelTransformer") }
    }

    // MARK: Replacements

    func replacementEntries(_ node: Node?, context: inout BuildContext) throws -> [Node] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            throw Diagnostic.error(at: node.location, "replacements must be a list, not \(node.kindWithArticle)")
        }
        var out: [Node] = []
        for item in items {
            guard let map = item.mapping else { throw Diagnostic.error(at: item.location, "a replacement must be a mapping") }
            if let path = map["path"] {
                let (file, text) = try context.loadFile(Located(try Kustomization.string(path, what: "path"), at: path.location), of: k, role: "replacement file")
                for doc in try context.parse(text, path: file) {
                    out += doc.sequence ?? [doc]
                }
            } else {
                out.append(item)
            }
        }
        return out
    }

    // MARK: transformers: built-in plugin configurations

    static let builtinKinds = ["PrefixSuffixTransformer", "PrefixTransformer", "SuffixTransformer", "LabelTransformer",
                               "AnnotationsTransformer", "NamespaceTransformer", "PatchTransformer", "PatchStrategicMergeTransformer",
                               "PatchJson6902Transformer", "ImageTagTransformer", "ReplicaCountTransformer", "ReplacementTransformer"]

    mutating func runTransformerConfig(_ entry: Located<String>, on resources: inout ResourceMap, context: inout BuildContext) throws {
        if !Inline.holdsYAML(entry.value), try context.tree.list(Path.join(k.directory, entry.value)) != nil {
            throw Diagnostic.error(at: entry.location, "transformer directories (kustomizations of transformer configurations) are not supported",
                                   hint: "list the configuration files themselves")
        }
        for doc in try context.documents(of: entry, in: k, role: "transformer configuration").documents {
            let kind = doc["kind"]?.stringValue ?? ""
            let apiVersion = doc["apiVersion"]?.stringValue ?? ""
            guard apiVersion == "builtin", Self.builtinKinds.contains(kind) else {
                throw Diagnostic.error(at: doc.location, "transformer plugin \(apiVersion.isEmpty ? "" : apiVersion + " ")\(kind.isEmpty ? "(no kind)" : kind) is not supported",
                                       hint: "gitops-weave runs no plugins; the built-in transformers (apiVersion: builtin, kind: "
                                           + "PrefixSuffixTransformer, LabelTransformer, ...) are supported, or use the kustomization's own fields")
            }
            try runBuiltin(kind, doc, on: &resources, context: &context)
            annotate(&resources, kind)
        }
    }

    mutating func runBuiltin(_ kind: String, _ doc: Node, on resources: inout ResourceMap, context: inout BuildContext) throws {
        let specs = try FieldSpec.list(doc["fieldSpecs"], what: "fieldSpecs")
        func string(_ key: String) throws -> Located<String>? {
            guard let v = doc[key], !v.isNull else { return nil }
            return Located(try Kustomization.string(v, what: key), at: v.location)
        }
        switch kind {
        case "PrefixSuffixTransformer", "PrefixTransformer", "SuffixTransformer":
            try Naming(prefix: try string("prefix"), suffix: try string("suffix"), specs: specs.isEmpty ? config["namePrefix"] : specs).run(&resources)
        case "LabelTransformer":
            try MapSetter(pairs: try doc["labels"].map { try Kustomization.stringMap($0, what: "labels") } ?? [], specs: specs, what: "label").run(&resources)
        case "AnnotationsTransformer":
            try MapSetter(pairs: try doc["annotations"].map { try Kustomization.stringMap($0, what: "annotations") } ?? [], specs: specs, what: "annotation").run(&resources)
        case "NamespaceTransformer":
            guard let ns = try string("namespace") ?? doc.value(at: ["metadata", "namespace"]).map({ Located($0.scalar?.text ?? "", at: $0.location) }) else { return }
            try Namespacing(namespace: ns, specs: specs.isEmpty ? config["namespace"] : specs).run(&resources)
        case "ImageTagTransformer":
            guard let image = doc["imageTag"] else { throw Diagnostic.error(at: doc.location, "ImageTagTransformer has no imageTag") }
            try Images(entry: image, specs: specs.isEmpty ? config["images"] : specs).run(&resources)
        case "ReplicaCountTransformer":
            guard let replica = doc["replica"] else { throw Diagnostic.error(at: doc.location, "ReplicaCountTransformer has no replica") }
            try Replicas(entry: replica, specs: specs.isEmpty ? config["replicas"] : specs).run(&resources)
        case "ReplacementTransformer":
            for entry in try replacementEntries(doc["replacements"], context: &context) { try Replacement(parsing: entry).run(&resources) }
        case "PatchTransformer":
            var entry = Mapping()
            for key in ["path", "patch", "target", "options"] { if let v = doc[key] { entry.set(key, v) } }
            try applyPatchEntry(Node(.mapping(entry), at: doc.location), to: &resources, context: &context, json6902Only: false)
        case "PatchJson6902Transformer":
            var entry = Mapping()
            for key in ["path", "jsonOp", "target"] { if let v = doc[key] { entry.set(key == "jsonOp" ? "patch" : key, v) } }
            try applyPatchEntry(Node(.mapping(entry), at: doc.location), to: &resources, context: &context, json6902Only: true)
        default: // PatchStrategicMergeTransformer
            for p in try doc["paths"].map({ try Kustomization.strings($0, what: "paths") }) ?? [] {
                for patch in try patchDocuments(p, context: &context) { try applyUntargeted(patch, to: &resources, role: "strategic merge patch") }
            }
            if let inline = try string("patches") {
                for patch in try Inline.parse(inline, in: k) where !patch.isNull {
                    try applyUntargeted(patch, to: &resources, role: "strategic merge patch")
                }
            }
        }
    }
}

/// YAML written inside a kustomization string (`patch: |-`), parsed with positions in the
/// kustomization file: lines count from the string's own line.
enum Inline {
    /// An entry that is YAML text rather than a path: a path is one line with no YAML structure.
    static func holdsYAML(_ entry: String) -> Bool {
        entry.contains("\n") || entry.hasPrefix("[") || entry.hasPrefix("{")
    }

    /// Parses the string; positions are those in the kustomization file, for a block scalar
    /// (`patch: |-`), whose content starts on the next line at the block's indentation.
    static func parse(_ text: Located<String>, in k: Kustomization) throws -> [Node] {
        let lines = k.text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = text.location.line
        let indent = lines.indices.contains(first) ? lines[first].prefix(while: { $0 == " " }).count : text.location.column - 1
        let base = (file: text.location.file, line: first, indent: indent)
        do {
            let docs = try YAMLParser().parseStream(text.value, file: text.location.file)
            return docs.map { shift($0, by: base) }
        } catch var d as Diagnostic {
            if let l = d.location { d.location = shifted(l, by: base) }
            throw d
        }
    }

    static func shifted(_ l: SourceLocation, by base: (file: String, line: Int, indent: Int)) -> SourceLocation {
        SourceLocation(file: base.file, line: base.line + l.line, column: l.column + base.indent)
    }

    static func shift(_ node: Node, by base: (file: String, line: Int, indent: Int)) -> Node {
        var out = node
        out.location = shifted(node.location, by: base)
        switch node.value {
        case .scalar: break
        case .sequence(let items): out.value = .sequence(items.map { shift($0, by: base) })
        case .mapping(let m):
            var map = Mapping()
            for (k, e) in m.entries { map.set(k, shift(e.value, by: base), keyLocation: shifted(e.keyLocation, by: base)) }
            out.value = .mapping(map)
        }
        return out
    }
}
