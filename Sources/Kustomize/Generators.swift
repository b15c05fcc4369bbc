import Foundation
import YAMLModel
import OrderedCollections

/// `configMapGenerator` and `secretGenerator`, with `generatorOptions`: each entry makes a
/// ConfigMap or Secret (or merges into, or replaces, one a base made), which gets a
/// content-hash suffix at the end of the build unless the options disable it.
struct Generators {
    let kustomization: Kustomization
    let top: String

    init(kustomization: Kustomization, top: String) {
        self.kustomization = kustomization
        self.top = top
    }

    struct Options {
        var labels: [(key: String, value: Located<String>)] = []
        var annotations: [(key: String, value: Located<String>)] = []
        var disableHash = false
        var immutable = false

        init() {}

        init(parsing node: Node?) throws {
            guard let node, !node.isNull else { return }
            guard let map = node.mapping else {
                throw Diagnostic.error(at: node.location, "generator options must be a mapping, not \(node.kindWithArticle)")
            }
            for (key, entry) in map.entries {
                switch key {
                case "labels": labels = try Kustomization.stringMap(entry.value, what: "labels")
                case "annotations": annotations = try Kustomization.stringMap(entry.value, what: "annotations")
                case "disableNameSuffixHash": disableHash = try Kustomization.bool(entry.value, what: key) ?? false
                case "immutable": immutable = try Kustomization.bool(entry.value, what: key) ?? false
                default:
                    throw Diagnostic.error(at: entry.keyLocation, "unknown generator option \"\(key)\"",
                                           hint: "generator options are labels, annotations, disableNameSuffixHash and immutable")
                }
            }
        }

        /// The entry's own options over the kustomization's `generatorOptions`.
        func over(_ global: Options) -> Options {
            var out = self
            for (k, v) in global.labels where !out.labels.contains(where: { $0.key == k }) { out.labels.append((k, v)) }
            for (k, v) in global.annotations where !out.annotations.contains(where: { $0.key == k }) { out.annotations.append((k, v)) }
            out.disableHash = disableHash || global.disableHash
            out.immutable = immutable || global.immutable
            return out
        }
    }

    mutating func run(into resources: inout ResourceMap, context: inout BuildContext) throws {
        let global = try Options(parsing: kustomization["generatorOptions"])
        for entry in try kustomization.mappings("configMapGenerator") {
            let r = try generate(entry, kind: "ConfigMap", global: global, context: &context)
            try absorb(r, into: &resources, at: entry.location)
        }
        for entry in try kustomization.mappings("secretGenerator") {
            let r = try generate(entry, kind: "Secret", global: global, context: &context)
            try absorb(r, into: &resources, at: entry.location)
        }
        for entry in try kustomization.strings("generators") {
            let (documents, file) = try context.documents(of: entry, in: kustomization, role: "generator configuration")
            let configuredIn = Path.relative(file ?? kustomization.path, from: top)
            for doc in documents {
                let kind = doc["kind"]?.stringValue ?? ""
                guard doc["apiVersion"]?.stringValue == "builtin", kind == "ConfigMapGenerator" || kind == "SecretGenerator" else {
                    throw Diagnostic.error(at: doc.location, "generator plugin \(doc["apiVersion"]?.stringValue ?? "") \(kind) is not supported",
                                           hint: "gitops-weave runs no plugins; the built-in ConfigMapGenerator and SecretGenerator (apiVersion: builtin) are, "
                                               + "or commit the generated files and list them under resources")
                }
                var fields = doc.mapping!
                for key in ["apiVersion", "kind", "metadata"] { fields.remove(key) }
                var r = try generate(Node(.mapping(fields), at: doc.location), kind: kind == "ConfigMapGenerator" ? "ConfigMap" : "Secret",
                                     global: global, context: &context)
                r.origin = .init(configuredIn: configuredIn, configuredBy: kind, configuredByName: doc.value(at: ["metadata", "name"])?.scalar?.text)
                try absorb(r, into: &resources, at: doc.location)
            }
        }
    }

    static let entryKeys: Set<String> = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type", "kvSources"]

    func generate(_ entry: Node, kind: String, global: Options, context: inout BuildContext) throws -> KustomizeResource {
        let map = entry.mapping!
        let what = kind == "ConfigMap" ? "configMapGenerator" : "secretGenerator"
        try Kustomization.rejectUnknown(map, known: kind == "ConfigMap" ? Self.entryKeys.subtracting(["type"]) : Self.entryKeys, what: what)
        if let kv = map["kvSources"] {
            throw Diagnostic.error(at: kv.location, "kvSources are key-value plugins, which gitops-weave build does not run",
                                   hint: "use literals, files or envs")
        }
        guard let nameNode = map["name"], let name = nameNode.scalar?.text, !nameNode.isNull, !name.isEmpty else {
            throw Diagnostic.error(at: entry.location, "a \(what) entry has no name", hint: "give it name: the \(kind)'s name before any prefix or hash")
        }
        let namespace = try map["namespace"].map { try Kustomization.string($0, what: "namespace") } ?? ""
        var behavior = KustomizeResource.Behavior.create
        if let b = map["behavior"], !b.isNull {
            let text = try Kustomization.string(b, what: "behavior")
            guard let parsed = KustomizeResource.Behavior(rawValue: text) else {
                throw Diagnostic.error(at: b.location, "behavior \"\(text)\" is not create, merge or replace")
            }
            behavior = parsed
        }
        let options = try Options(parsing: map["options"]).over(global)

        var data = OrderedDictionary<String, Located<String>>()
        func add(_ key: String, _ value: String, at location: SourceLocation) throws {
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) }), key.unicodeScalars.allSatisfy(\.isASCII) else {
                throw Diagnostic.error(at: location, "\"\(key)\" is not a valid \(kind) key",
                                       hint: "keys are made of letters, digits, '-', '_' and '.'")
            }
            if data[key] != nil {
                throw Diagnostic.error(at: location, "\(kind.lowercased()) \(name) repeats the key \"\(key)\"")
            }
            data[key] = Located(value, at: location)
        }
        for literal in try map["literals"].map({ try Kustomization.strings($0, what: "literals") }) ?? [] {
            guard let eq = literal.value.firstIndex(of: "="), eq != literal.value.startIndex else {
                // A Secret's malformed literal may be the secret itself: its position says enough.
                throw Diagnostic.error(at: literal.location, kind == "Secret" ? "the literal is not key=value" : "literal \"\(literal.value)\" is not key=value",
                                       hint: "write each literal as key=value")
            }
            var value = String(literal.value[literal.value.index(after: eq)...])
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" { value = String(value.dropFirst().dropLast()) }
            try add(String(literal.value[..<eq]), value, at: literal.location)
        }
        for file in try map["files"].map({ try Kustomization.strings($0, what: "files") }) ?? [] {
            var key: String?
            var path = file.value
            if let eq = file.value.firstIndex(of: "=") {
                key = String(file.value[..<eq])
                path = String(file.value[file.value.index(after: eq)...])
                if key!.isEmpty || path.isEmpty {
                    throw Diagnostic.error(at: file.location, "file source \"\(file.value)\" is not [key=]path")
                }
            }
            let (_, text) = try context.loadFile(Located(path, at: file.location), of: kustomization, role: "\(what) file")
            try add(key ?? Path.base(of: path), text, at: file.location)
        }
        var envs = try map["envs"].map { try Kustomization.strings($0, what: "envs") } ?? []
        if let env = map["env"], !env.isNull { envs.append(Located(try Kustomization.string(env, what: "env"), at: env.location)) }
        for env in envs {
            let (path, text) = try context.loadFile(env, of: kustomization, role: "env file")
            var lineNumber = 0
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                var line = Substring(raw)
                if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
                if line.hasSuffix("\r") { line = line.dropLast() }
                line = line.drop(while: { $0.isWhitespace })
                if line.isEmpty || line.hasPrefix("#") { continue }
                let at = SourceLocation(file: context.display(path), line: lineNumber, column: 1)
                let key: Substring
                var value = ""
                if let eq = line.firstIndex(of: "=") {
                    key = line[..<eq]
                    value = String(line[line.index(after: eq)...])
                } else {
                    key = line
                }
                guard let first = key.first, first.isLetter || first == "_", key.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) }) else {
                    throw Diagnostic.error(at: at, kind == "Secret" ? "the line does not start with a valid environment variable name"
                                                                    : "\"\(key)\" is not a valid environment variable name",
                                           hint: "env files hold KEY=VALUE lines, KEY made of letters, digits, '_', '-' and '.'")
                }
                try add(String(key), value, at: at)
            }
        }

        let at = nameNode.location
        var meta = Mapping()
        meta.set("name", .scalar(.string(name), at: at))
        if !namespace.isEmpty { meta.set("namespace", .scalar(.string(namespace), at: map["namespace"]!.location)) }
        if !options.labels.isEmpty {
            var labels = Mapping()
            for (k, v) in options.labels.sorted(by: { $0.key < $1.key }) { labels.set(k, .scalar(.string(v.value), at: v.location)) }
            meta.set("labels", .mapping(labels, at: at))
        }
        if !options.annotations.isEmpty {
            var annotations = Mapping()
            for (k, v) in options.annotations.sorted(by: { $0.key < $1.key }) { annotations.set(k, .scalar(.string(v.value), at: v.location)) }
            meta.set("annotations", .mapping(annotations, at: at))
        }
        var object = Mapping()
        object.set("apiVersion", .scalar(.string("v1"), at: at))
        object.set("kind", .scalar(.string(kind), at: at))
        object.set("metadata", .mapping(meta, at: at))
        if !data.isEmpty {
            var values = Mapping()
            for (k, v) in data {
                let text = kind == "Secret" ? Data(v.value.utf8).base64EncodedString() : v.value
                values.set(k, .scalar(.string(text), at: v.location))
            }
            object.set("data", .mapping(values, at: at))
        }
        if kind == "Secret" {
            let type = try map["type"].map { try Kustomization.string($0, what: "type") } ?? "Opaque"
            object.set("type", .scalar(.string(type), at: map["type"]?.location ?? at))
        }
        if options.immutable { object.set("immutable", .scalar(.bool(true), at: at)) }

        var r = KustomizeResource(node: .mapping(object, at: entry.location))
        r.serial = context.nextSerial()
        r.needsHash = !options.disableHash
        r.behavior = behavior
        r.origin = .init(configuredIn: Path.relative(kustomization.path, from: top),
                         configuredBy: kind == "ConfigMap" ? "ConfigMapGenerator" : "SecretGenerator")
        return r
    }

    /// Adds a generated resource, or merges it into (or replaces) the one a base made.
    func absorb(_ generated: KustomizeResource, into resources: inout ResourceMap, at location: SourceLocation) throws {
        var r = generated
        let matches = resources.matching(anyID: r.id)
        let behavior = r.behavior ?? .create
        guard let i = matches.first else {
            if behavior != .create {
                throw Diagnostic.error(at: location, "\(r.id) does not exist; behavior \(behavior.rawValue) needs a \(r.gvk.kind) from a base",
                                       hint: "use behavior: create (the default) to make a new one, or check the name against the base's generator")
            }
            return try resources.append(r, at: location)
        }
        if matches.count > 1 {
            throw Diagnostic.error(at: location, "\(matches.count) resources could take the merge of \(r.id)")
        }
        let old = resources.resources[i]
        if behavior == .create {
            throw Diagnostic.error(at: location, "\(r.id) exists already (at \(old.node.location)); behavior must be merge or replace",
                                   hint: "set behavior: merge to add keys to it, or behavior: replace to replace its data")
        }
        // Labels and annotations merge; identity and history are the old one's.
        for field in ["labels", "annotations"] {
            var merged = old.node.value(at: ["metadata", field])?.mapping ?? Mapping()
            for (k, e) in (r.node.value(at: ["metadata", field])?.mapping ?? Mapping()).entries { merged.set(k, e.value) }
            if !merged.isEmpty { r.set(["metadata", field], .mapping(merged, at: r.node.location)) }
        }
        r.set(["metadata", "name"], old.node.value(at: ["metadata", "name"])!)
        if let ns = old.node.value(at: ["metadata", "namespace"]) { r.set(["metadata", "namespace"], ns) }
        if behavior == .merge {
            for field in ["data", "binaryData"] {
                guard let base = old.node[field]?.mapping else { continue }
                var merged = base
                for (k, e) in (r.node[field]?.mapping ?? Mapping()).entries {
                    let earlier = merged[k]
                    merged.set(k, earlier.map { e.value.replacing($0) } ?? e.value)
                }
                r.set([field], .mapping(merged, at: r.node[field]?.location ?? r.node.location))
            }
            r.origin = old.origin
        }
        r.serial = old.serial
        r.previous = old.previous
        r.prefixes = old.prefixes
        r.suffixes = old.suffixes
        r.needsHash = old.needsHash && generated.needsHash
        r.node = r.node.replacing(old.node)
        resources.resources[i] = r
    }
}
