import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// The generated source written the way a kustomize user would write it: a base, a
/// component per layer, and a kustomization per environment that lists the base and its
/// layers' components in order. kustomize has no parameters, so every file that holds a
/// `${...}` placeholder is inlined into each environment with that environment's values;
/// files without placeholders are shared, once, by every environment.
///
///     kustomize/base/                  the base's files without placeholders
///     kustomize/components/<layer>-<k>/ a run of a layer's files without placeholders
///     kustomize/envs/<env>/            the environment's kustomization, its inlined base
///                                      files, and <layer>-<k>/ components holding runs
///                                      of its layers' inlined files
///     kustomize/all/                   many environments in one build (see `aggregate`)
///
/// A layer's files (resources, then patches, each sorted) are split into runs of shared or
/// inlined files, and each run is one component, so kustomize applies them in the same
/// order gitops-weave does.
struct KustomizeTree {
    let root: URL
    let environments: [String]

    func directory(of environment: String) -> URL {
        root.appendingPathComponent("envs").appendingPathComponent(environment)
    }

    /// The kustomization that builds the first `aggregated` environments at once.
    /// kustomize refuses two resources with the same identity, so each environment is
    /// wrapped in a kustomization that gives its names a suffix of its own.
    var aggregate: URL { root.appendingPathComponent("all") }
    let aggregated: Int

    /// A file of the source and whether it must be inlined per environment.
    struct SourceFile {
        var name: String
        var text: String
        var documents: [Node]
        var shared: Bool { !text.contains("${") }
    }

    /// One run of a layer's files: all shared, or all inlined.
    struct Run {
        var index: Int
        var shared: Bool
        var resources: [SourceFile] = []
        var patches: [SourceFile] = []
    }

    init(source: StackSource, project: Project, renderer: Renderer, into root: URL, aggregating: Int) throws {
        self.root = root
        environments = source.names
        aggregated = min(aggregating, source.names.count)
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        try fm.createDirectory(at: root, withIntermediateDirectories: true)

        let base = try Self.files(in: source.root.appendingPathComponent("base"), source: project.source, root: project.baseDirectory)
        var runs: [String: [Run]] = [:]
        for layer in try fm.contentsOfDirectory(atPath: source.root.appendingPathComponent("layers").path).sorted() {
            let dir = source.root.appendingPathComponent("layers").appendingPathComponent(layer)
            if !(try Self.files(in: dir.appendingPathComponent("json-patches"), source: project.source, root: "")).isEmpty {
                throw BenchError("layer \(layer) has json-patches; the kustomize tree does not translate them yet")
            }
            let root = project.layerPath(layer)
            runs[layer] = Self.runs(resources: try Self.files(in: dir.appendingPathComponent("resources"), source: project.source, root: root),
                                    patches: try Self.files(in: dir.appendingPathComponent("patches"), source: project.source, root: root))
        }

        // Shared files: written once.
        let sharedBase = base.filter(\.shared)
        if !sharedBase.isEmpty {
            let dir = root.appendingPathComponent("base")
            try write(sharedBase, kind: "Kustomization", resources: sharedBase.map(\.name), patches: [], in: dir)
        }
        for (layer, layerRuns) in runs {
            for run in layerRuns where run.shared {
                try write(run.resources + run.patches, kind: "Component", resources: run.resources.map(\.name), patches: run.patches.map(\.name),
                          in: root.appendingPathComponent("components").appendingPathComponent("\(layer)-\(run.index)"))
            }
        }

        // Each environment: its inlined files and its kustomization.
        let emitter = YAMLEmitter()
        var wrappers: [String] = []
        for (i, name) in source.names.enumerated() {
            let outcome = renderer.render(named: name)
            guard !outcome.failed else { throw BenchError("\(name) does not render: \(outcome.diagnostics.map(\.description).joined(separator: "; "))") }
            let values = Dictionary(outcome.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            let inline = Values(project: project, values: values, emitter: emitter)
            let dir = directory(of: name)
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)

            var resources: [String] = sharedBase.isEmpty ? [] : ["../../base"]
            for file in base where !file.shared {
                try inline.write(file, to: dir.appendingPathComponent(file.name))
                resources.append(file.name)
            }
            var components: [String] = []
            for layer in outcome.layers.dropFirst() {  // "base" comes first
                for run in runs[layer] ?? [] {
                    if run.shared {
                        components.append("../../components/\(layer)-\(run.index)")
                    } else {
                        let local = "\(layer)-\(run.index)"
                        let runDir = dir.appendingPathComponent(local)
                        try fm.createDirectory(at: runDir, withIntermediateDirectories: true)
                        for file in run.resources + run.patches { try inline.write(file, to: runDir.appendingPathComponent(file.name)) }
                        try Self.kustomization(kind: "Component", resources: run.resources.map(\.name), patches: run.patches.map(\.name), components: [])
                            .write(to: runDir.appendingPathComponent("kustomization.yaml"), atomically: false, encoding: .utf8)
                        components.append(local)
                    }
                }
            }
            try Self.kustomization(kind: "Kustomization", resources: resources, patches: [], components: components)
                .write(to: dir.appendingPathComponent("kustomization.yaml"), atomically: false, encoding: .utf8)

            guard i < aggregated else { continue }
            let wrapper = aggregate.appendingPathComponent("envs").appendingPathComponent(name)
            try fm.createDirectory(at: wrapper, withIntermediateDirectories: true)
            // nameSuffix leaves Namespace objects alone, so they are renamed by patches.
            var wrapping = Self.kustomization(kind: "Kustomization", resources: ["../../../envs/\(name)"], patches: [], components: []) + "nameSuffix: -e\(i)\n"
            let namespaces = outcome.resources.filter { $0.id.kind == "Namespace" }.map(\.id.name)
            if !namespaces.isEmpty {
                wrapping += "patches:\n" + namespaces.map {
                    "- target: {kind: Namespace, name: \($0)}\n  patch: '[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"\($0)-e\(i)\"}]'\n"
                }.joined()
            }
            try wrapping
                .write(to: wrapper.appendingPathComponent("kustomization.yaml"), atomically: false, encoding: .utf8)
            wrappers.append("envs/\(name)")
        }
        try Self.kustomization(kind: "Kustomization", resources: wrappers, patches: [], components: [])
            .write(to: aggregate.appendingPathComponent("kustomization.yaml"), atomically: false, encoding: .utf8)
    }

    /// The YAML files of a directory, sorted by name, as gitops-weave reads them. kustomize
    /// has no `$file`: a file that embeds one is written with the embedded text inline, as a
    /// kustomize user would write it.
    static func files(in dir: URL, source: any SourceTree, root: String) throws -> [SourceFile] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return try names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { name in
            var text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            var docs = try YAMLParser().parseStream(text, file: dir.appendingPathComponent(name).path).filter { !$0.isNull }
            if text.contains(EmbeddedFile.key) {
                docs = try docs.map { try EmbeddedFile.resolve($0, root: root, source: source) ?? $0 }
                text = YAMLEmitter().emitStream(docs)
            }
            return SourceFile(name: name, text: text, documents: docs)
        }
    }

    static func runs(resources: [SourceFile], patches: [SourceFile]) -> [Run] {
        var out: [Run] = []
        for (file, isPatch) in resources.map({ ($0, false) }) + patches.map({ ($0, true) }) {
            if out.last?.shared != file.shared { out.append(Run(index: out.count, shared: file.shared)) }
            if isPatch { out[out.count - 1].patches.append(file) } else { out[out.count - 1].resources.append(file) }
        }
        return out
    }

    static func kustomization(kind: String, resources: [String], patches: [String], components: [String]) -> String {
        var text = "apiVersion: kustomize.config.k8s.io/\(kind == "Component" ? "v1alpha1" : "v1beta1")\nkind: \(kind)\n"
        if !resources.isEmpty { text += "resources:\n" + resources.map { "- \($0)\n" }.joined() }
        if !patches.isEmpty { text += "patches:\n" + patches.map { "- path: \($0)\n" }.joined() }
        if !components.isEmpty { text += "components:\n" + components.map { "- \($0)\n" }.joined() }
        return text
    }

    private func write(_ files: [SourceFile], kind: String, resources: [String], patches: [String], in dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for file in files { try file.text.write(to: dir.appendingPathComponent(file.name), atomically: false, encoding: .utf8) }
        try Self.kustomization(kind: kind, resources: resources, patches: patches, components: [])
            .write(to: dir.appendingPathComponent("kustomization.yaml"), atomically: false, encoding: .utf8)
    }

    /// Writes a file with one environment's parameter values in place of its placeholders,
    /// typed as gitops-weave types them (a whole-scalar `${replicas}` stays an integer).
    struct Values {
        var project: Project
        var values: [String: Node]
        var emitter: YAMLEmitter

        func write(_ file: SourceFile, to url: URL) throws {
            var substitution = ParameterSubstitution(declarations: project.parameters, values: values, environmentFile: "bench")
            let docs = file.documents.map { substitution.substitute($0) }
            if let d = substitution.diagnostics.first { throw BenchError("inlining \(file.name): \(d)") }
            try emitter.emitStream(docs).write(to: url, atomically: false, encoding: .utf8)
        }
    }
}
