import ArgumentParser
import Foundation
import Kustomize
import LocalFiles
import Overlays
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

    @Argument(help: ArgumentHelp("The directories holding kustomization.yaml (default: the current directory). Several are built in parallel, in one process, into --output.", valueName: "DIR"))
    var directories: [String] = []

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("""
        Write to PATH instead of standard output. With one DIR: the stream to the file PATH, \
        or, when PATH is a directory, one file per resource, named as kustomize names them \
        (group_version_kind_name.yaml). With several: PATH/DIR.yaml for each DIR (a DIR \
        outside the current directory by its path under --root). Files and directories are \
        replaced atomically, and only when every build succeeded; a directory is replaced \
        whole, so it must be new, empty or written by an earlier build.
        """, valueName: "PATH"))
    var output: String?

    @OptionGroup var kustomize: KustomizeOptions

    /// Where a build goes under --output: DIR as given, relative to the current directory;
    /// a DIR outside it by its path under its root.
    static func outputName(of build: KustomizeOptions.Built) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = KustomizeOptions.absolute(build.directory, in: cwd)
        let relative = Path.relative(absolute, from: cwd)
        if !relative.isEmpty && !relative.hasPrefix("..") { return relative }
        return build.path.isEmpty ? URL(fileURLWithPath: absolute).lastPathComponent : build.path
    }

    /// Written into every directory `build -o` fills, so that a later build may replace it.
    static let marker = ".gitops-weave-build"

    func validate() throws {
        if directories.count > 1 && output == nil {
            throw ValidationError("building \(directories.count) directories needs --output DIR: each build is written to DIR/<directory>.yaml")
        }
    }

    func run() throws {
        try Diagnostics.run {
            let dirs = directories.isEmpty ? ["."] : directories
            let builds = try kustomize.build(dirs)
            for build in builds { for w in build.output.warnings { Diagnostics.print(w) } }
            guard let output else {
                FileHandle.standardOutput.write(Data(builds[0].output.yaml.utf8))
                return
            }
            if dirs.count == 1 {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
                    try OutputDirectory.replace(output, with: try builds[0].output.resourceFiles(), marker: Self.marker)
                } else {
                    try OutputFile.write(builds[0].output.yaml, to: output)
                }
                return
            }
            var files: [(path: String, contents: String)] = []
            var written: [String: String] = [:]
            for build in builds {
                let name = Self.outputName(of: build) + ".yaml"
                if let other = written.updateValue(build.directory, forKey: name) {
                    throw Diagnostic.error(at: nil, "\(other) and \(build.directory) would both be written to \(output)/\(name)",
                                           hint: "build them into different --output directories")
                }
                files.append((name, build.output.yaml))
            }
            try OutputDirectory.replace(output, with: files, marker: Self.marker)
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

    func buildOptions() throws -> KustomizeBuild.Options {
        var options = KustomizeBuild.Options()
        options.flavor = merge == .kyaml ? .kyaml : .apimachinery
        for path in crds {
            for schema in try CRDSchemaReader.read(try SourceFile.parseStream(path)) {
                options.registry.register(schema.type, groupKind: schema.groupKind)
            }
        }
        for text in mergeKeys { options.registry.declare(try MergeKeyDeclaration(parsing: text)) }
        return options
    }

    func build(_ directory: String) throws -> KustomizeBuild.Output {
        let (tree, path) = try Self.tree(for: directory, root: root)
        return try KustomizeBuild(tree: tree, options: try buildOptions()).build(path)
    }

    /// One directory's build: the directory as given, its path in its tree, and the result.
    struct Built: Sendable {
        var directory: String
        var path: String
        var output: KustomizeBuild.Output
    }

    /// Builds every directory, on every core. When any fails, every failure is reported,
    /// each naming its directory, and nothing is returned.
    func build(_ directories: [String]) throws -> [Built] {
        let options = try buildOptions()
        let root = self.root
        let cwd = FileManager.default.currentDirectoryPath
        let results = directories.concurrentMap { directory in
            Result { () throws -> Built in
                let (tree, path) = try Self.tree(for: directory, root: root, cwd: cwd)
                return Built(directory: directory, path: path, output: try KustomizeBuild(tree: tree, options: options).build(path))
            }
        }
        var failures = DiagnosticList(namesEnvironments: directories.count > 1)
        var built: [Built] = []
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let b): built.append(b)
            case .failure(let error): failures.append(Diagnostic(describing: error), environment: directories[i])
            }
        }
        if !failures.isEmpty { throw CommandFailure(failures) }
        return built
    }

    /// The source tree a build reads, and the directory's path in it. Paths in messages are
    /// relative to the current directory, as the user wrote DIR.
    static func tree(for directory: String, root: String?, cwd: String = FileManager.default.currentDirectoryPath) throws -> (SourceTree, String) {
        let dir = absolute(directory, in: cwd)
        var rootPath: String
        if let root {
            rootPath = absolute(root, in: cwd)
        } else {
            rootPath = cwd
            var probe = dir
            while probe != "/" {
                if access(probe + "/.git", F_OK) == 0 { rootPath = probe; break }
                probe = String(probe[..<(probe.lastIndex(of: "/") ?? probe.startIndex)])
                if probe.isEmpty { probe = "/" }
            }
            if !dir.hasPrefix(rootPath) { rootPath = dir }
        }
        guard dir == rootPath || dir.hasPrefix(rootPath.hasSuffix("/") ? rootPath : rootPath + "/") else {
            throw Diagnostic.error(at: nil, "\(directory) is outside --root \(root ?? rootPath)")
        }
        let inTree = String(dir.dropFirst(rootPath.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return (RelativeTree(base: FileSystemSource(root: rootPath), root: rootPath, cwd: cwd), inTree)
    }

    /// `path` as an absolute path, with `.` and `..` resolved as text (as
    /// URL.standardizedFileURL does), without a trailing slash.
    static func absolute(_ path: String, in cwd: String) -> String {
        var parts: [Substring] = []
        for part in ((path.hasPrefix("/") ? path : cwd + "/" + path).split(separator: "/")) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
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
        let relative = Path.relative(absolute, from: cwd)
        return relative.isEmpty ? "." : relative
    }

    func readFile(_ path: String) throws -> String? { try base.readFile(path) }
    func list(_ path: String) throws -> [SourceEntry]? { try base.list(path) }
}
