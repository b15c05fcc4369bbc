import Foundation
@testable import YAMLModel
@testable import MergeEngine
@testable import Overlays
@testable import WeaveStack
@testable import LocalFiles
import Testing

/// `render --all` on every core: the same results, in the same order, as one environment
/// at a time; written trees identical; nothing half-written; and the byte-level helpers
/// the hot paths use agreeing with the Unicode-level ones they replace.
@Suite("Render pipeline and hot-path helpers")
struct RenderPipelineTests {
    static let provenance = RenderedEnvironment.Provenance(sourceRevision: "0123abcd", sourceDirty: false)

    static func pipeline(_ root: URL, validator: Bool = true) throws -> RenderPipeline {
        let project = try Project.load(from: FileSystemSource(root: root.path), stacks: .weave)
        return RenderPipeline(renderer: Renderer(project: project), provenance: provenance,
                              validator: validator ? SchemaValidator(schemas: project.validationSchemas) : nil)
    }

    /// A copy of the bundled stack with `count` environments made from its own, so the
    /// workers have enough to interleave.
    static func manyEnvironments(_ count: Int) throws -> WeaveSource {
        let s = try WeaveSource(copying: WeaveSource.stack)
        let envs = s.url.appendingPathComponent("environments")
        let originals = try FileManager.default.contentsOfDirectory(atPath: envs.path).sorted()
        for i in 0..<count {
            let from = originals[i % originals.count]
            try FileManager.default.copyItem(at: envs.appendingPathComponent(from), to: envs.appendingPathComponent("copy-\(i)-" + from))
        }
        return s
    }

    @Test("results come back in the order of the names, equal to rendering each alone")
    func orderAndEquality() throws {
        let s = try Self.manyEnvironments(24)
        let p = try Self.pipeline(s.url)
        let names = try p.renderer.project.environmentNames()
        let results = p.run(names)
        #expect(results.map(\.name) == names)
        let serial = try Self.pipeline(s.url)
        for (name, result) in zip(names, results) {
            let alone = RenderedEnvironment(serial.renderer.render(named: name), stacks: [WeaveStack()], provenance: Self.provenance)
            #expect(result.environment?.files == alone.files, "\(name)")
            #expect(!result.failed)
        }
    }

    @Test("write: every environment's directory holds exactly its files, relative paths stay relative, nothing is kept in memory")
    func write() throws {
        let s = try Self.manyEnvironments(12)
        let p = try Self.pipeline(s.url)
        let names = try p.renderer.project.environmentNames()
        let out = s.url.appendingPathComponent("out")
        let results = p.write(names, to: OutputDirectory(out.path))
        let expected = p.run(names)
        for (written, laidOut) in zip(results, expected) {
            #expect(written.environment == nil)
            #expect(written.directory == out.path + "/" + written.name)
            let dir = out.appendingPathComponent(written.name)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(files == laidOut.environment!.files.map(\.path).sorted())
            for file in laidOut.environment!.files {
                #expect(try String(contentsOf: dir.appendingPathComponent(file.path), encoding: .utf8) == file.contents)
            }
        }
        // Only the environment directories: no staging directory is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == names.sorted())
        #expect(OutputDirectory("rendered").directory(of: "dev") == "rendered/dev")
    }

    @Test("an environment with errors is reported and not written; the others are")
    func failureIsolated() throws {
        let s = try Self.manyEnvironments(3)
        try s.write("environments/broken.yaml", "layers: [no-such-layer]\n")
        let p = try Self.pipeline(s.url)
        let names = try p.renderer.project.environmentNames()
        let out = s.url.appendingPathComponent("out")
        let results = p.write(names, to: OutputDirectory(out.path))
        let broken = try #require(results.first { $0.name == "broken" })
        #expect(broken.failed && broken.directory == nil)
        #expect(broken.diagnostics.contains { $0.message.contains("layer \"no-such-layer\" does not exist") })
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("broken").path))
        #expect(results.filter { !$0.failed }.count == names.count - 1)
    }

    @Test("removeTree removes nested directories and files, and leaves symbolic links' targets alone")
    func removeTree() throws {
        let fm = FileManager.default
        let scratch = try Scratch(prefix: "gitops-weave-remove"), kept = try Scratch(prefix: "gitops-weave-keep")
        let root = scratch.url, keep = kept.url
        try fm.createDirectory(at: root.appendingPathComponent("a/b/c"), withIntermediateDirectories: true)
        try "x".write(to: keep.appendingPathComponent("target.txt"), atomically: false, encoding: .utf8)
        try "1".write(to: root.appendingPathComponent("one.yaml"), atomically: false, encoding: .utf8)
        try "2".write(to: root.appendingPathComponent("a/b/c/two.yaml"), atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(at: root.appendingPathComponent("a/link"), withDestinationURL: keep)
        OutputDirectory.removeTree(root.path)
        #expect(!fm.fileExists(atPath: root.path))
        #expect(fm.fileExists(atPath: keep.appendingPathComponent("target.txt").path))
        try fm.removeItem(at: keep)
    }

    @Test("substitution shares every subtree without a placeholder with the parsed file")
    func substitutionShares() throws {
        let doc = try parse("""
            a:
              untouched: {x: 1, y: [1, 2]}
              list: [plain, "${bucket}"]
            b: plain
            """)
        var substitution = ParameterSubstitution(declarations: [:], values: [:], environmentFile: "env.yaml")
        let unchanged = substitution.substituted(try parse("a: {b: [1, 2, plain]}"))
        #expect(unchanged == nil)
        var declared = ParameterSubstitution(declarations: ["bucket": Parameter(name: "bucket", kind: .string, defaultValue: nil, description: nil, location: .generated("test"))],
                                             values: ["bucket": .scalar(.string("data"), at: .generated("env"))], environmentFile: "env.yaml")
        let substituted = declared.substituted(doc)
        let out = try #require(substituted)
        #expect(out["a"]?["list"]?.sequence?.map { $0.stringValue } == ["plain", "data"])
        #expect(out["a"]?["untouched"]?.location == doc["a"]?["untouched"]?.location)
        #expect(out["b"]?.stringValue == "plain")
        #expect(substitution.diagnostics.isEmpty && declared.diagnostics.isEmpty)
    }

    @Test("placeholders are found byte by byte, around multi-byte text and escapes", arguments: [
        ("héllo ${bucket} wörld", ["text:héllo ", "placeholder:bucket", "text: wörld"]),
        ("$${literal} and ${bucket}", ["text:${literal} and ", "placeholder:bucket"]),
        ("cost: $5, ${bucket}$", ["text:cost: $5, ", "placeholder:bucket", "text:$"]),
        ("${a}${b}", ["placeholder:a", "placeholder:b"]),
        ("日本${bucket}語", ["text:日本", "placeholder:bucket", "text:語"]),
    ])
    func pieces(text: String, expected: [String]) throws {
        var substitution = ParameterSubstitution(declarations: [:], values: [:], environmentFile: "env.yaml")
        let found = substitution.pieces(text, at: .generated("test"))
        let pieces = try #require(found)
        #expect(pieces.map { piece -> String in
            switch piece {
            case .text(let t): return "text:" + t
            case .placeholder(let p, _): return "placeholder:" + p
            }
        } == expected)
    }

    @Test("an unterminated placeholder is one error")
    func unterminated() {
        var substitution = ParameterSubstitution(declarations: [:], values: [:], environmentFile: "env.yaml")
        let found = substitution.pieces("x ${bucket", at: .generated("test"))
        #expect(found == nil)
        #expect(substitution.diagnostics.map(\.message) == ["unterminated placeholder in \"x ${bucket\""])
    }

    @Test("byte search agrees with Foundation's contains on ASCII and multi-byte text", arguments: [
        ("config.d/storage.xml", "config.d/"), ("users.d/x.xml", "config.d/"), ("", "a"), ("abc", ""),
        ("ClickHouse Keeper", "Keeper"), ("ünïcödé ${x}", "${"), ("aaab", "aab"), ("ab", "abc"),
    ])
    func containsBytes(haystack: String, needle: String) {
        #expect(haystack.containsBytes(needle) == (needle.isEmpty || haystack.contains(needle)))
        #expect(haystack[...].containsBytes(needle) == haystack.containsBytes(needle))
    }

    @Test("file names: non-ASCII names still become safe file names")
    func nonASCIIFileName() {
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "café"))
                == "configmap_ns_café.yaml")
        #expect(RenderedEnvironment.fileName(for: ResourceID(apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "a b"))
                == "configmap_ns_a-b.yaml")
    }
}
