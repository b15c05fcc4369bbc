import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The hostile-input corpus (`Tests/CLITests/Hostile`, see its README.md) and a way to run
/// the binary on it that survives a hang or a crash and says which it was.
enum Hostile {
    static func data(_ name: String) throws -> Data {
        let url = Bundle.module.url(forResource: "Hostile", withExtension: nil)!.appendingPathComponent(name)
        return try Data(contentsOf: url)
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }

    struct Run: CustomStringConvertible {
        var status: Int32
        /// False when a signal ended the process (a crash), or it was killed after the timeout.
        var exitedNormally: Bool
        var timedOut: Bool
        var seconds: Double
        var stdout: String
        var stderr: String

        var description: String {
            "exit \(status)\(exitedNormally ? "" : " (signal)")\(timedOut ? " (timed out)" : ""), \(String(format: "%.1f", seconds)) s\nstdout:\n\(stdout.prefix(1000))\nstderr:\n\(stderr.prefix(1000))"
        }

        var headline: String { String(stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }
    }

    /// Runs the binary with a deadline; a process still running then is killed.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String]? = nil,
                    timeout: TimeInterval = 120) throws -> Run {
        let r = try ProcessRunner.run(CLI.binary, arguments, in: directory, environment: environment, timeout: timeout)
        return Run(status: r.status, exitedNormally: r.exitedNormally, timedOut: r.timedOut, seconds: r.seconds,
                   stdout: r.stdout, stderr: r.stderr)
    }

    /// Every file under a directory (hidden ones included) with its contents; empty when the
    /// directory does not exist.
    static func snapshot(_ root: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return files }
        while let path = walker.nextObject() as? String {
            let url = root.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            files[path] = isDirectory.boolValue ? Data("<dir>".utf8) : (FileManager.default.contents(atPath: url.path) ?? Data())
        }
        return files
    }

    /// `levels` nested flow mappings `{a: {a: ... x}}`.
    static func nestedMappings(_ levels: Int) -> String {
        String(repeating: "{a: ", count: levels) + "x" + String(repeating: "}", count: levels)
    }

    /// A file whose first bytes are a PNG signature, then bytes from a fixed generator.
    static var binaryFile: Data {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<4096 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return Data(bytes)
    }
}

/// A small source to break: parameter `value` (a string, default "v"), `base/app.yaml` (the
/// ConfigMap app in namespace default, `data.value: ${value}`) and `environments/test.yaml`.
/// `out/test/previous.yaml` stands for an earlier render, which a failed one must leave.
final class HostileSource {
    let scratch: Scratch
    var root: URL { scratch.url.appendingPathComponent("src") }
    var out: URL { scratch.url.appendingPathComponent("out") }
    /// A directory beside the source, which nothing may read.
    var outside: URL { scratch.url.appendingPathComponent("outside") }

    init() throws {
        scratch = try Scratch()
        try write("gitops-weave.yaml", "parameters:\n  value:\n    type: string\n    default: v\n")
        try write("base/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  value: ${value}\n")
        try write("environments/test.yaml", "description: the environment under test\n")
        try RenderSources.write(out, "test/previous.yaml", "previous\n")
        try RenderSources.write(outside, "layer/patches/steal.yaml",
                                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {value: stolen}\n")
        try RenderSources.write(outside, "secret.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret, namespace: default}\ndata: {key: stolen}\n")
    }

    func write(_ path: String, _ text: String) throws {
        try RenderSources.write(root, path, text)
    }

    func write(_ path: String, data: Data) throws {
        let file = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// Puts a corpus file at `path` in the source.
    func copy(_ hostile: String, to path: String) throws {
        try write(path, data: try Hostile.data(hostile))
    }

    func symlink(_ path: String, to target: String) throws {
        let link = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
    }

    /// Uses layer `l` in the environment.
    func useLayer(_ name: String = "l") throws {
        try write("environments/test.yaml", "layers: [\(name)]\n")
    }

    func render(_ arguments: [String] = ["test"]) throws -> Hostile.Run {
        try Hostile.run(["render"] + arguments + ["--out", out.path], in: root)
    }

    /// The real path of the scratch directory's `outside`, as messages print it.
    var realOutside: String {
        guard let p = realpath(outside.path, nil) else { return outside.path }
        defer { free(p) }
        return String(cString: p)
    }
}

@Suite("hostile input")
struct HostileInputTests {
    /// The run ended by itself, quickly enough, with status 1 and error lines only on stderr.
    func expectCleanFailure(_ r: Hostile.Run, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.timedOut, "the process hung: \(r)", sourceLocation: sourceLocation)
        #expect(r.exitedNormally, "the process was ended by a signal: \(r)", sourceLocation: sourceLocation)
        #expect(r.status == 1, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains("error: "), "\(r)", sourceLocation: sourceLocation)
        for crash in ["Fatal error", "Backtrac", "Program crashed", "Segmentation"] {
            #expect(!r.stderr.contains(crash), "\(r)", sourceLocation: sourceLocation)
        }
    }

    /// A failed render: a clean failure whose first line is `headline`, nothing on stdout,
    /// and the output directory exactly as it was.
    func expectRefused(_ src: HostileSource, _ arguments: [String] = ["test"], headline: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectRefused(src, arguments, sourceLocation: sourceLocation) { r in
            #expect(r.headline == headline, "stderr: \(r.stderr.prefix(1000))", sourceLocation: sourceLocation)
        }
    }

    func expectRefused(_ src: HostileSource, _ arguments: [String] = ["test"], sourceLocation: SourceLocation = #_sourceLocation,
                       check: (Hostile.Run) -> Void) throws {
        let before = Hostile.snapshot(src.out)
        let r = try src.render(arguments)
        expectCleanFailure(r, sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "stdout: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(Hostile.snapshot(src.out) == before, "the output directory changed", sourceLocation: sourceLocation)
        check(r)
    }

    /// A render that works: exit 0, and the environment's files in the output.
    func expectRendered(_ src: HostileSource, resources: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> Hostile.Run {
        let r = try src.render()
        #expect(!r.timedOut && r.exitedNormally, "\(r)", sourceLocation: sourceLocation)
        #expect(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stdout == "rendered test: \(resources) resources in \(src.out.path)/test\n", "\(r)", sourceLocation: sourceLocation)
        return r
    }

    // MARK: Malformed YAML

    @Test("malformed YAML: libyaml's message at its position")
    func malformed() throws {
        let src = try HostileSource()
        try src.copy("malformed.yaml", to: "base/broken.yaml")
        try expectRefused(src, headline: "base/broken.yaml:3:9: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence (which started at line 2, column 7)")
    }

    @Test("a tab in the indentation: the position, and a hint that it is a tab")
    func tabs() throws {
        let src = try HostileSource()
        try src.copy("tabs.yaml", to: "base/tabs.yaml")
        try expectRefused(src) { r in
            #expect(r.stderr == """
                base/tabs.yaml:4:1: error: invalid YAML: found character that cannot start any token while scanning for the next token (which started at line 4, column 1)
                  hint: this is a tab; YAML indents with spaces only

                """)
        }
    }

    @Test("a duplicate key names both positions")
    func duplicateKeys() throws {
        let src = try HostileSource()
        try src.copy("duplicate-keys.yaml", to: "base/dup.yaml")
        try expectRefused(src, headline: "base/dup.yaml:6:3: error: duplicate key \"name\"; first defined at base/dup.yaml:4:3")
    }

    @Test("an alias bomb fails at once")
    func aliasBomb() throws {
        let src = try HostileSource()
        try src.copy("alias-bomb.yaml", to: "base/bomb.yaml")
        try expectRefused(src) { r in
            #expect(r.headline.hasPrefix("base/bomb.yaml:7:"), "\(r)")
            #expect(r.headline.contains(": error: aliases expand to more than "), "\(r)")
            #expect(r.headline.hasSuffix("refusing a possible alias bomb"), "\(r)")
            #expect(r.seconds < 30, "\(r)")
        }
    }

    @Test("aliases of aliases may not nest a document deeper than written nesting may")
    func aliasNesting() throws {
        // Each anchor holds the previous one 500 levels down: 20 of them would be 10,000
        // levels, with few enough nodes to pass the alias bomb check.
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested, namespace: default}\n"
        for i in 0..<20 {
            let inner = i == 0 ? "x" : "*a\(i - 1)"
            text += "k\(i): &a\(i) " + String(repeating: "[", count: 500) + inner + String(repeating: "]", count: 500) + "\n"
        }
        let src = try HostileSource()
        try src.write("base/nested.yaml", text)
        try expectRefused(src, headline: "base/nested.yaml:5:509: error: alias *a0 would nest the document 1001 levels deep; the limit is 512")
    }

    // MARK: Size and depth

    @Test("a 10 MB scalar in a ConfigMap renders, whole")
    func largeScalar() throws {
        let src = try HostileSource()
        let blob = String(repeating: "abcdefghij", count: 1_000_000)
        try src.write("base/big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n  blob: \(blob)\n")
        let r = try expectRendered(src, resources: 2)
        #expect(r.stderr.isEmpty, "\(r)")
        #expect(r.seconds < 60, "\(r)")
        let written = try String(contentsOf: src.out.appendingPathComponent("test/configmap_default_big.yaml"), encoding: .utf8)
        #expect(written.contains("\n  blob: \"\(blob)\"\n") || written.contains("\n  blob: \(blob)\n"))
    }

    @Test("a source file over 64 MiB is refused before it is read")
    func oversizedFile() throws {
        let src = try HostileSource()
        let path = src.root.appendingPathComponent("base/huge.yaml")
        FileManager.default.createFile(atPath: path.path, contents: nil)
        let handle = try FileHandle(forWritingTo: path)
        try handle.truncate(atOffset: 65 << 20)  // sparse: nothing is written to disk
        try handle.close()
        try expectRefused(src, headline: "error: base/huge.yaml is 68157440 bytes; source files may hold at most 67108864 bytes (64 MiB)")
    }

    @Test("nesting 10,000 levels deep stops at 512, in flow and block style", arguments: [
        ("flow mappings", "base/deep.yaml:4:2051: error: nesting deeper than 512 levels"),
        ("flow lists", "base/deep.yaml:4:518: error: nesting deeper than 512 levels"),
        ("block lists", "base/deep.yaml:5:1023: error: nesting deeper than 512 levels"),
    ])
    func deepNesting(style: String, headline: String) throws {
        let data = switch style {
        case "flow mappings": "data: " + Hostile.nestedMappings(10_000)
        case "flow lists": "data: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        default: "data:\n" + String(repeating: "- ", count: 10_000) + "x"
        }
        let src = try HostileSource()
        try src.write("base/deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: default}\n" + data + "\n")
        try expectRefused(src, headline: headline)
    }

    @Test("nesting 10,000 levels deep in the environment file")
    func deepEnvironment() throws {
        let src = try HostileSource()
        try src.write("environments/test.yaml", "description: " + Hostile.nestedMappings(10_000) + "\n")
        try expectRefused(src, headline: "environments/test.yaml:1:2058: error: nesting deeper than 512 levels")
    }

    // MARK: Bytes that are not YAML text

    @Test("invalid UTF-8: the position of the first bad byte")
    func invalidUTF8() throws {
        let src = try HostileSource()
        try src.write("base/latin1.yaml", data: Data("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf".utf8) + Data([0xE9]) + Data("\n".utf8))
        try expectRefused(src) { r in
            #expect(r.stderr == """
                base/latin1.yaml:4:12: error: the file is not UTF-8 text (byte 0xE9)
                  hint: source files are YAML in UTF-8; a binary file does not belong in the source

                """)
        }
    }

    @Test("a NUL byte")
    func nulByte() throws {
        let src = try HostileSource()
        try src.write("base/nul.yaml", data: Data("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a".utf8) + Data([0]) + Data("b\n".utf8))
        try expectRefused(src, headline: "base/nul.yaml:4:10: error: invalid YAML: control characters are not allowed (found U+0000)")
    }

    @Test("a binary file")
    func binaryFile() throws {
        let src = try HostileSource()
        try src.write("base/logo.yaml", data: Hostile.binaryFile)
        try expectRefused(src, headline: "base/logo.yaml:1:1: error: the file is not UTF-8 text (byte 0x89)")
    }

    @Test("a FIFO is refused, not waited on")
    func fifo() throws {
        let src = try HostileSource()
        #expect(mkfifo(src.root.appendingPathComponent("base/pipe.yaml").path, 0o644) == 0)
        try expectRefused(src, headline: "error: cannot read base/pipe.yaml: it is not a regular file")
    }

    // MARK: Empty files

    @Test("an empty base file holds no resources")
    func emptyBase() throws {
        let src = try HostileSource()
        try src.copy("empty.yaml", to: "base/empty.yaml")
        _ = try expectRendered(src, resources: 1)
    }

    @Test("an empty environment file: no layers, the defaults")
    func emptyEnvironment() throws {
        let src = try HostileSource()
        try src.copy("empty.yaml", to: "environments/test.yaml")
        _ = try expectRendered(src, resources: 1)
    }

    @Test("an empty project file is an empty project")
    func emptyProject() throws {
        let src = try HostileSource()
        try src.copy("empty.yaml", to: "gitops-weave.yaml")
        try src.write("base/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  value: v\n")
        _ = try expectRendered(src, resources: 1)
    }

    @Test("an empty patch file patches nothing")
    func emptyPatch() throws {
        let src = try HostileSource()
        try src.copy("empty.yaml", to: "layers/l/patches/empty.yaml")
        try src.useLayer()
        _ = try expectRendered(src, resources: 1)
    }

    @Test("an empty CRD file is an error at its entry")
    func emptyCRD() throws {
        let src = try HostileSource()
        try src.copy("empty.yaml", to: "crds/empty.yaml")
        try src.write("gitops-weave.yaml", "crds:\n- crds/empty.yaml\n")
        try expectRefused(src, headline: "gitops-weave.yaml:2:3: error: crds/empty.yaml holds no CustomResourceDefinition")
    }

    // MARK: Patches

    @Test("an unknown $patch directive", arguments: [
        ("unknown-directive.yaml", "layers/l/patches/p.yaml:8:11: error: unknown $patch directive \"frobnicate\" (at data)"),
        ("unknown-directive-new-map.yaml", "layers/l/patches/p.yaml:8:13: error: unknown $patch directive \"frobnicate\" (at metadata.labels)"),
    ])
    func unknownDirective(file: String, headline: String) throws {
        let src = try HostileSource()
        try src.copy(file, to: "layers/l/patches/p.yaml")
        try src.useLayer()
        try expectRefused(src, headline: headline)
    }

    @Test("a patch that targets nothing")
    func patchTargetsNothing() throws {
        let src = try HostileSource()
        try src.copy("patch-targets-nothing.yaml", to: "layers/l/patches/p.yaml")
        try src.useLayer()
        try expectRefused(src, headline: "layers/l/patches/p.yaml:2:1: error: patch matches no resource: ConfigMap/missing (namespace default) in the core API group")
    }

    @Test("a patch that targets two resources")
    func patchTargetsTwo() throws {
        let src = try HostileSource()
        try src.copy("configmap-other-namespace.yaml", to: "base/other.yaml")
        try src.copy("patch-targets-two.yaml", to: "layers/l/patches/p.yaml")
        try src.useLayer()
        try expectRefused(src, headline: "layers/l/patches/p.yaml:2:1: error: patch for ConfigMap/app matches 2 resources, in namespaces default, other")
    }

    @Test("a JSON patch that copies a document into itself: refused, not written out for ever")
    func copyBomb() throws {
        let src = try HostileSource()
        try src.copy("json-patch-copy-bomb.yaml", to: "layers/l/json-patches/bomb.yaml")
        try src.useLayer()
        try expectRefused(src) { r in
            #expect(r.headline.hasPrefix("layers/l/json-patches/bomb.yaml:"), "\(r)")
            #expect(r.headline.hasSuffix(":3: error: the patch copies more than 5000000 nodes; refusing a possible copy bomb"), "\(r)")
        }
    }

    @Test("JSON patches that add at ever deeper paths stop at 1,024 levels")
    func deepJSONPatch() throws {
        let src = try HostileSource()
        try src.write("base/deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: default}\ndata: " + Hostile.nestedMappings(500) + "\n")
        var path = "/data" + String(repeating: "/a", count: 500)
        var ops = ""
        for _ in 0..<8 {
            ops += "- {op: add, path: \(path), value: \(Hostile.nestedMappings(400))}\n"
            path += String(repeating: "/a", count: 400)
        }
        try src.write("layers/l/json-patches/deep.yaml", "target: {apiVersion: v1, kind: ConfigMap, name: deep, namespace: default}\npatch:\n" + ops)
        try src.useLayer()
        try expectRefused(src) { r in
            #expect(r.headline.hasPrefix("layers/l/json-patches/deep.yaml:4:3: error: add /data/a/a/a/"), "\(r)")
            #expect(r.headline.hasSuffix("… would nest the document more than 1024 levels deep"), "\(r)")
        }
    }

    // MARK: Paths out of the source

    @Test("a layer name that is a path", arguments: ["../../outside/layer", "..", "/tmp"])
    func layerNameOutside(name: String) throws {
        let src = try HostileSource()
        try src.write("environments/test.yaml", "layers: [\"\(name)\"]\n")
        try expectRefused(src, headline: "environments/test.yaml:1:10: error: a layer is named by its directory under layers/, not \"\(name)\"")
    }

    @Test("a layer that is a symbolic link out of the source")
    func layerSymlinkOutside() throws {
        let src = try HostileSource()
        try src.symlink("layers/evil", to: src.outside.appendingPathComponent("layer").path)
        try src.useLayer("evil")
        try expectRefused(src) { r in
            #expect(r.stderr == "error: layers/evil leads outside the source root: it resolves to \(src.realOutside)/layer\n  hint: symbolic links in a source must point inside it\n")
        }
    }

    @Test("a base file that is a symbolic link out of the source, absolute or relative", arguments: [true, false])
    func baseFileSymlinkOutside(absolute: Bool) throws {
        let src = try HostileSource()
        try src.symlink("base/evil.yaml", to: absolute ? src.outside.appendingPathComponent("secret.yaml").path : "../../outside/secret.yaml")
        try expectRefused(src, headline: "error: base/evil.yaml leads outside the source root: it resolves to \(src.realOutside)/secret.yaml")
    }

    @Test("an environments directory that is a symbolic link out of the source", arguments: [["secret"], ["--all"]])
    func environmentsSymlinkOutside(arguments: [String]) throws {
        let src = try HostileSource()
        try FileManager.default.removeItem(at: src.root.appendingPathComponent("environments"))
        try src.symlink("environments", to: src.outside.path)
        try expectRefused(src, arguments, headline: "error: environments\(arguments == ["--all"] ? "" : "/secret.yaml") leads outside the source root: it resolves to \(src.realOutside)\(arguments == ["--all"] ? "" : "/secret.yaml")")
    }

    @Test("an environment named with a path out of the source")
    func environmentNameOutside() throws {
        let src = try HostileSource()
        try expectRefused(src, ["../../outside/secret"], headline: "error: environments/../../outside/secret.yaml leads outside the source root")
    }

    @Test("directories and CRD paths of the project file that leave the source", arguments: [
        ("base: ../outside\n", "gitops-weave.yaml:5:7: error: base ../outside leads outside the source root"),
        ("layers: a/../../outside\n", "gitops-weave.yaml:5:9: error: layers a/../../outside leads outside the source root"),
        ("base: /etc\n", "gitops-weave.yaml:5:7: error: base must be a directory relative to the source root"),
        ("output:\n  directory: ../stolen\n", "gitops-weave.yaml:6:14: error: output.directory ../stolen leads outside the source root"),
        ("crds:\n- ../outside/secret.yaml\n", "gitops-weave.yaml:6:3: error: a CRD path ../outside/secret.yaml leads outside the source root"),
        ("crds:\n- /etc/hostname\n", "gitops-weave.yaml:6:3: error: a CRD path must be relative to the source root, not the absolute path /etc/hostname"),
    ])
    func projectPathsOutside(addition: String, headline: String) throws {
        let src = try HostileSource()
        try src.write("gitops-weave.yaml", "parameters:\n  value:\n    type: string\n    default: v\n" + addition)
        try expectRefused(src, headline: headline)
    }

    @Test("a CRD file that is a symbolic link out of the source: the error points at its entry")
    func crdSymlinkOutside() throws {
        let src = try HostileSource()
        try src.symlink("crds/widget.yaml", to: src.outside.appendingPathComponent("secret.yaml").path)
        try src.write("gitops-weave.yaml", "crds:\n- crds/widget.yaml\n")
        try src.write("base/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\n")
        try expectRefused(src, headline: "gitops-weave.yaml:2:3: error: crds/widget.yaml leads outside the source root: it resolves to \(src.realOutside)/secret.yaml")
    }

    @Test("the project file itself as a symbolic link out of the source")
    func projectSymlinkOutside() throws {
        let src = try HostileSource()
        try FileManager.default.moveItem(at: src.root.appendingPathComponent("gitops-weave.yaml"), to: src.outside.appendingPathComponent("project.yaml"))
        try src.symlink("gitops-weave.yaml", to: src.outside.appendingPathComponent("project.yaml").path)
        try expectRefused(src, headline: "error: gitops-weave.yaml leads outside the source root: it resolves to \(src.realOutside)/project.yaml")
    }

    @Test("symbolic links that stay inside the source, and a source root that is itself a link, are fine")
    func symlinksInside() throws {
        let src = try HostileSource()
        try FileManager.default.moveItem(at: src.root.appendingPathComponent("base/app.yaml"), to: src.root.appendingPathComponent("shared.yaml"))
        try src.symlink("base/app.yaml", to: "../shared.yaml")
        _ = try expectRendered(src, resources: 1)
        let link = src.scratch.url.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: src.root.path)
        let r = try Hostile.run(["render", "test", "--source", link.path, "--out", src.out.path], in: src.scratch.url)
        #expect(r.status == 0 && r.exitedNormally, "\(r)")
    }

    // MARK: Parameters

    @Test("a parameter value with YAML in it stays one string")
    func injection() throws {
        let src = try HostileSource()
        try src.write("base/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  value: ${value}\n  inside: \"prefix-${value}\"\n")
        try src.copy("injection-environment.yaml", to: "environments/test.yaml")
        _ = try expectRendered(src, resources: 1)
        let dir = src.out.appendingPathComponent("test")
        #expect(RenderSources.entries(dir) == ["configmap_default_app.yaml", "kustomization.yaml", "render-info.txt"])
        let text = try String(contentsOf: dir.appendingPathComponent("configmap_default_app.yaml"), encoding: .utf8)
        #expect(text.contains("""
            data:
              value: |-
                a
                kind: Secret
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: injected}
              inside: |-
                prefix-a
                kind: Secret

            """), "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("kind:") } == ["kind: ConfigMap"])
        #expect(!lines.contains("---"))
        let kustomization = try String(contentsOf: dir.appendingPathComponent("kustomization.yaml"), encoding: .utf8)
        #expect(!kustomization.contains("secret"))
    }

    // MARK: CRDs

    static let crdHeader = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          names: {kind: Widget, plural: widgets}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
        """

    func crdSource(_ crd: String) throws -> HostileSource {
        let src = try HostileSource()
        try src.write("crds/widget.yaml", crd)
        try src.write("gitops-weave.yaml", "crds:\n- crds/widget.yaml\n")
        try src.write("base/app.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\nspec: {}\n")
        return src
    }

    @Test("a CRD schema that refers to itself")
    func crdSelfReference() throws {
        let src = try crdSource(try Hostile.text("crd-self-reference.yaml"))
        try expectRefused(src, headline: "crds/widget.yaml:22:22: error: alias *schema refers to no anchor defined before it")
    }

    @Test("a CRD schema nested 490 levels deep is read without exhausting the stack")
    func crdDeepSchema() throws {
        let levels = 240
        let schema = "{type: object, properties: {apiVersion: {type: string}, kind: {type: string}, metadata: {type: object}, spec: "
            + String(repeating: "{type: object, properties: {a: ", count: levels) + "{type: string}" + String(repeating: "}}", count: levels) + "}}"
        let src = try crdSource(Self.crdHeader + " " + schema + "\n")
        _ = try expectRendered(src, resources: 1)
    }

    @Test("a CRD schema nested 10,000 levels deep, written or through aliases")
    func crdDeeperSchema() throws {
        let written = try crdSource(Self.crdHeader + " " + Hostile.nestedMappings(10_000) + "\n")
        try expectRefused(written) { r in
            #expect(r.headline.hasPrefix("crds/widget.yaml:13:"), "\(r)")
            #expect(r.headline.hasSuffix(": error: nesting deeper than 512 levels"), "\(r)")
        }
        var chain = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nx-definitions:\n"
        for i in 0..<40 {
            let inner = i == 0 ? "{type: string}" : "*s\(i - 1)"
            chain += "  s\(i): &s\(i) " + String(repeating: "{type: object, properties: {a: ", count: 125) + inner + String(repeating: "}}", count: 125) + "\n"
        }
        let aliased = try crdSource(chain + "spec: {group: example.com, names: {kind: Widget}, versions: [{name: v1, storage: true, schema: {openAPIV3Schema: *s39}}]}\n")
        try expectRefused(aliased, headline: "crds/widget.yaml:7:3886: error: alias *s1 would nest the document 753 levels deep; the limit is 512")
    }

    // MARK: merge

    @Test("merge: a JSON patch copy bomb, aliases nested too deep, invalid UTF-8 and an oversized file")
    func merge() throws {
        let dir = try Scratch()
        try dir.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata: {value: v}\n")
        try Hostile.data("json-patch-copy-bomb.yaml").write(to: dir.url.appendingPathComponent("bomb.yaml"))
        let bomb = try Hostile.run(["merge", "cm.yaml", "--json-patch", "bomb.yaml"], in: dir.url)
        expectCleanFailure(bomb)
        #expect(bomb.headline.hasSuffix(":3: error: the patch copies more than 5000000 nodes; refusing a possible copy bomb"), "\(bomb)")
        #expect(bomb.stdout.isEmpty)

        var nested = "a0: &a0 " + Hostile.nestedMappings(300) + "\n"
        nested += "a1: &a1 " + String(repeating: "[", count: 300) + "*a0" + String(repeating: "]", count: 300) + "\n"
        try dir.write("nested.yaml", nested)
        let deep = try Hostile.run(["merge", "nested.yaml"], in: dir.url)
        expectCleanFailure(deep)
        #expect(deep.headline == "nested.yaml:2:309: error: alias *a0 would nest the document 601 levels deep; the limit is 512", "\(deep)")

        try (Data("a: b\nc: ".utf8) + Data([0xC3, 0x28]) + Data("\n".utf8)).write(to: dir.url.appendingPathComponent("bad.yaml"))
        let utf8 = try Hostile.run(["merge", "bad.yaml"], in: dir.url)
        expectCleanFailure(utf8)
        #expect(utf8.headline == "bad.yaml:2:4: error: the file is not UTF-8 text (byte 0xC3)", "\(utf8)")

        let huge = dir.url.appendingPathComponent("huge.yaml")
        FileManager.default.createFile(atPath: huge.path, contents: nil)
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 65 << 20)
        try handle.close()
        let big = try Hostile.run(["merge", "huge.yaml"], in: dir.url)
        expectCleanFailure(big)
        #expect(big.headline == "error: huge.yaml is 68157440 bytes; source files may hold at most 67108864 bytes (64 MiB)", "\(big)")
    }

    // MARK: publish

    @Test("publish: a hostile source creates no reference", .enabled(if: ExternalTool.hasGit), arguments: ["malformed", "alias-bomb", "symlink", "copy-bomb"])
    func publish(variant: String) throws {
        let world = try GitWorld()
        let repo = try world.initRepository("src")
        try world.write(repo, "gitops-weave.yaml", "output: {target: flux}\n")
        try world.write(repo, "base/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  value: v\n")
        try world.write(repo, "environments/test.yaml", "description: test\n")
        try world.write(world.root, "outside/secret.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret, namespace: default}\n")
        switch variant {
        case "malformed": try Hostile.data("malformed.yaml").write(to: repo.appendingPathComponent("base/broken.yaml"))
        case "alias-bomb": try Hostile.data("alias-bomb.yaml").write(to: repo.appendingPathComponent("base/bomb.yaml"))
        case "symlink": try FileManager.default.createSymbolicLink(atPath: repo.appendingPathComponent("base/evil.yaml").path, withDestinationPath: "../../outside/secret.yaml")
        default:
            try world.write(repo, "layers/l/json-patches/bomb.yaml", try Hostile.text("json-patch-copy-bomb.yaml"))
            try world.write(repo, "environments/test.yaml", "layers: [l]\n")
        }
        try world.commitAll(repo, "A hostile source")
        let refsBefore = try world.gitLines("for-each-ref", "--format=%(refname)", in: repo)
        let r = try Hostile.run(["publish"], in: repo, environment: world.environment)
        expectCleanFailure(r)
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(r.stderr.hasSuffix("error: nothing was published: fix the errors above and publish again\n"), "\(r)")
        #expect(try world.gitLines("for-each-ref", "--format=%(refname)", in: repo) == refsBefore)
        #expect(refsBefore == ["refs/heads/main"])
    }
}
