import ArgumentParser
import Foundation
import Kustomize
import LocalFiles
import MergeEngine
import YAMLModel

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build a kustomization directory, as `kustomize build` does.",
        discussion: """
            Prints the YAML stream `kustomize build DIR` prints: the same documents, in the \
            same order (kustomize's legacy kind order unless the kustomization's sortOptions \
            say otherwise), with keys sorted as kustomize writes them.

            Local directories only: remote resources, helmCharts and plugin generators, \
            transformers and validators are refused with an error at their line. Files \
            outside a kustomization's directory are refused, as kustomize's default load \
            restrictor does; bases and components may be anywhere under --root.

            Every error is `file:line:col: error: ...`. `gitops-weave explain --build DIR \
            KIND/NAME FIELD` says which kustomization line set a field.

            --merge apimachinery merges patches as `kubectl patch` does rather than as \
            kustomize's kyaml; --crd reads list merge keys of custom resources from their \
            CRDs, so their lists merge by key instead of being replaced.
            """)

    @Argument(help: "The directory holding kustomization.yaml.")
    var directory: String = "."

    @OptionGroup var kustomize: KustomizeOptions

    func run() throws {
        try Diagnostics.run {
            let output = try kustomize.build(directory)
            for w in output.warnings { Diagnostics.print(w) }
            FileHandle.standardOutput.write(Data(output.yaml.utf8))
        }
    }
}

/// How a kustomization is built: where its files may come from, and how patches merge.
struct KustomizeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The directory every file of the build lies under (default: the git work tree holding DIR, else the current directory).", valueName: "DIR"))
    var root: String?

    @Option(help: ArgumentHelp("How patches merge: kyaml (kustomize's, the default) or apimachinery (kubectl patch's).", valueName: "FLAVOR"))
    var merge: MergeFlavorArgument = .kyaml

    @Option(name: .customLong("crd"), help: ArgumentHelp("A CustomResourceDefinition file to read list merge keys from (repeatable).", valueName: "CRD.yaml"))
    var crds: [String] = []

    @Option(name: .customLong("merge-key"), help: ArgumentHelp("Declare a keyed list: group/Kind:path.to.list=key (repeatable).", valueName: "DECL"))
    var mergeKeys: [String] = []

    enum MergeFlavorArgument: String, ExpressibleByArgument, CaseIterable {
        case kyaml, apimachinery
    }

    func build(_ directory: String) throws -> KustomizeBuild.Output {
        var options = KustomizeBuild.Options()
        options.flavor = merge == .kyaml ? .kyaml : .apimachinery
        for path in crds {
            for schema in try CRDSchemaReader.read(try SourceFile.parseStream(path)) {
                options.registry.register(schema.type, groupKind: schema.groupKind)
            }
        }
        for text in mergeKeys { options.registry.declare(try MergeKeyDeclaration(parsing: text)) }
        let (tree, path) = try Self.tree(for: directory, root: root)
        return try KustomizeBuild(tree: tree, options: options).build(path)
    }

    /// The source tree a build reads, and the directory's path in it. Paths in messages are
    /// relative to the current directory, as the user wrote DIR.
    static func tree(for directory: String, root: String?) throws -> (SourceTree, String) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        let dir = URL(fileURLWithPath: directory, relativeTo: cwd).standardizedFileURL
        var rootURL: URL
        if let root {
            rootURL = URL(fileURLWithPath: root, relativeTo: cwd).standardizedFileURL
        } else {
            rootURL = cwd
            var probe = dir
            while probe.path != "/" {
                if FileManager.default.fileExists(atPath: probe.appendingPathComponent(".git").path) { rootURL = probe; break }
                probe = probe.deletingLastPathComponent()
            }
            if !dir.path.hasPrefix(rootURL.path) { rootURL = dir }
        }
        guard dir.path == rootURL.path || dir.path.hasPrefix(rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/") else {
            throw Diagnostic.error(at: nil, "\(directory) is outside --root \(root ?? rootURL.path)")
        }
        let inTree = String(dir.path.dropFirst(rootURL.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return (RelativeTree(base: FileSystemSource(root: rootURL.path), root: rootURL.path, cwd: cwd.path), inTree)
    }

    static func relative(_ to: String, from: String) -> String {
        let a = from.split(separator: "/"), b = to.split(separator: "/")
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let parts = Array(repeating: "..", count: a.count - common) + b[common...].map(String.init)
        return parts.joined(separator: "/")
    }

}

/// A source tree whose paths print relative to the current directory.
struct RelativeTree: SourceTree {
    let base: FileSystemSource
    /// Absolute paths of the tree's root and of the current directory.
    let root: String
    let cwd: String

    func displayPath(_ path: String) -> String {
        let absolute = path.isEmpty || path == "." ? root : root + "/" + path
        let relative = KustomizeOptions.relative(absolute, from: cwd)
        return relative.isEmpty ? "." : relative
    }

    func readFile(_ path: String) throws -> String? { try base.readFile(path) }
    func list(_ path: String) throws -> [SourceEntry]? { try base.list(path) }
}
