import Crypto
import Foundation
import YAMLModel

/// Everything an environment's render reads, digested (SHA-256): two sources whose digests
/// of an environment are equal render it to equal resources, so a comparison of two
/// revisions need not render it at either.
///
/// The inputs are the environment's file; the project file, without the defaults of the
/// parameters the environment sets itself (so a default it overrides changes nothing); the
/// base directory and each of its layers' directories, every file in them (YAML, embedded
/// files, kustomize layers' files); the CRD files under `crds:`; and this program's
/// version, with its stacks. An environment built from a kustomize overlay, or with a
/// kustomize layer, may read any directory of the source (a kustomization names bases and
/// components anywhere), and has no digest: it is always rendered.
public final class RenderInputs: @unchecked Sendable {
    public let project: Project
    private var directories: [String: String] = [:]
    /// The project file's documents, parsed once; nil inside when it does not parse.
    private var projectFile: [Node]??
    /// The project file's digest by the set of parameters an environment sets itself (a
    /// few sets for a whole fleet).
    private var projectDigests: [[String]: String] = [:]
    private let lock = NSLock()

    public init(project: Project) {
        self.project = project
    }

    /// The environment's digest; nil when it cannot have one (a kustomize overlay, an
    /// environment file that does not read).
    public func digest(of name: String) -> String? {
        guard let (environment, envText) = try? project.environmentAndText(named: name), environment.kustomize == nil,
              let projectText = projectDigest(overriding: Set(environment.parameterValues.keys)) else { return nil }
        var lines = ["gitops-weave \(GitopsWeaveVersion.current) \(project.stacks.map(\.name).joined(separator: ","))",
                     "project \(projectText)", "environment \(Self.sha256(envText))"]
        guard let base = directoryDigest(project.baseDirectory) else { return nil }
        lines.append("base \(base)")
        for layer in environment.layers {
            // A kustomize layer may name bases and components in other directories.
            if let entries = try? project.source.list(project.layerPath(layer.name)),
               entries.contains(where: { !$0.isDirectory && Renderer.kustomizationFiles.contains($0.name) }) { return nil }
            guard let d = directoryDigest(project.layerPath(layer.name)) else { return nil }
            lines.append("layer \(layer.name) \(d)")
        }
        for path in project.crdFiles {
            guard let text = try? project.source.readFile(path) else { return nil }
            lines.append("crd \(path) \(Self.sha256(text))")
        }
        return Self.sha256(lines.joined(separator: "\n"))
    }

    /// The project file as data, without `default:` of the parameters in `overridden`.
    func projectDigest(overriding overridden: Set<String>) -> String? {
        // Only declared parameters' defaults are left out; others change nothing.
        let key = overridden.filter { project.parameters[$0] != nil }.sorted()
        lock.lock()
        if let done = projectDigests[key] { lock.unlock(); return done }
        if projectFile == nil { projectFile = .some(try? project.source.parseStream(Project.fileName)) }
        let root = projectFile!
        lock.unlock()
        let digest = projectDigest(root, leavingOut: key)
        lock.lock()
        if let digest { projectDigests[key] = digest }
        lock.unlock()
        return digest
    }

    /// Every document of the file (the first that is not empty is the project), as data.
    private func projectDigest(_ documents: [Node]?, leavingOut overridden: [String]) -> String? {
        guard var documents, let index = documents.firstIndex(where: { !$0.isNull }) else { return nil }
        var node = documents[index]
        if var map = node.mapping, var params = map["parameters"]?.mapping {
            for name in overridden {
                guard var declaration = params[name]?.mapping else { continue }
                declaration.remove("default")
                params.set(name, Node(.mapping(declaration), at: node.location))
            }
            map.set("parameters", Node(.mapping(params), at: node.location))
            node.value = .mapping(map)
        }
        documents[index] = node
        return Self.sha256(YAMLEmitter().emitStream(documents))
    }

    /// Every file below `path`, by name and content; "none" when it does not exist. Each
    /// directory is read once.
    func directoryDigest(_ path: String) -> String? {
        lock.lock()
        if let done = directories[path] { lock.unlock(); return done }
        lock.unlock()
        var lines: [String] = []
        func walk(_ dir: String) throws {
            guard let entries = try project.source.list(dir) else { return }
            for entry in entries {
                let child = dir + "/" + entry.name
                if entry.isDirectory {
                    lines.append("dir \(entry.name)")
                    try walk(child)
                    lines.append("end")
                } else {
                    lines.append("file \(entry.name) \(Self.sha256(try project.source.readFile(child) ?? ""))")
                }
            }
        }
        guard (try? walk(path)) != nil else { return nil }
        let digest = lines.isEmpty ? "none" : Self.sha256(lines.joined(separator: "\n"))
        lock.lock()
        directories[path] = digest
        lock.unlock()
        return digest
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
