// A libFuzzer target over the engine's pipeline: parse → merge → emit → parse again.
//
// The input is split at the first "\n---PATCH---\n" into a base stream and a patch stream
// (without the separator, the whole input is the base and also the patch). Both are parsed
// with YAMLParser; then
//
// - every base document is emitted and re-parsed: the emitter's output must parse and read
//   back as the same tree;
// - CRDs among the base documents are read with CRDSchemaReader into a registry;
// - each patch document is applied with ResourcePatcher (strategic merge, or JSON merge
//   patch for unknown kinds; a `{target, patch}` document as a JSON patch), and directly
//   with StrategicMerge (both option sets) and JSONMergePatch to the first base document,
//   whatever its identity;
// - every result is emitted and re-parsed, and must read back as the same tree.
//
// Errors (Diagnostics) are expected and ignored; a crash, a trap or an emitted stream that
// does not read back is a bug. See fuzz/README.md.
//
// Built with `-Xswiftc -DGITOPS_WEAVE_FUZZING -Xswiftc -sanitize=fuzzer,address`, `main`
// runs libFuzzer's driver. In a normal build (`swift build`) `main` runs the target once on
// standard input, so the package builds and tests as before.

import Foundation
import MergeEngine
import WeaveStack
import YAMLModel

let separator = Array("\n---PATCH---\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    FuzzPipeline.run(input)
    return 0
}

enum FuzzPipeline {
    static func run(_ input: [UInt8]) {
        var baseBytes = input, patchBytes = input
        if let cut = firstIndex(of: separator, in: input) {
            baseBytes = Array(input[..<cut])
            patchBytes = Array(input[(cut + separator.count)...])
        }
        let parser = YAMLParser()
        guard let base = try? parser.parseStream(bytes: &baseBytes, file: "base.yaml") else { return }
        for doc in base { roundTrip([doc], what: "base document") }
        guard let patches = try? parser.parseStream(bytes: &patchBytes, file: "patch.yaml") else { return }

        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        if let crds = try? CRDSchemaReader.read(base) {
            for schema in crds { registry.register(schema.type, groupKind: schema.groupKind) }
        }

        // Through the patcher, as `merge` and `render` apply patches.
        if let resources = try? Resource.load(base) {
            var patcher = ResourcePatcher(resources: resources, registry: registry)
            for doc in patches where !doc.isNull {
                if doc.mapping?["target"] != nil, let p = try? TargetedJSONPatch(parsing: doc) {
                    try? patcher.applyJSONPatch(p.patch, target: p.target, at: p.location)
                } else {
                    try? patcher.applyStrategic(doc)
                }
            }
            roundTrip(patcher.resources.map(\.node), what: "patched resources")
        }

        // Straight through the merge engines, whatever the identities say.
        guard let first = base.first(where: { !$0.isNull }) else { return }
        let type = (try? Resource(document: first)).flatMap { registry.type(groupKind: $0.id.groupKind) }
        for patch in patches.prefix(4) {
            for options in [StrategicMerge.Options.apimachinery, .customResource] {
                if case .merged(let node)? = try? StrategicMerge.apply(patch, to: first, type: type, options: options) {
                    roundTrip([node], what: "strategic merge")
                }
            }
            roundTrip([JSONMergePatch.apply(patch, to: first)], what: "JSON merge patch")
        }
    }

    /// Emits documents, parses the text back and requires the same trees.
    static func roundTrip(_ nodes: [Node], what: String) {
        guard !nodes.isEmpty else { return }
        let text = YAMLEmitter().emitStream(nodes)
        let again: [Node]
        do {
            again = try YAMLParser().parseStream(text, file: "emitted.yaml")
        } catch {
            fail("the emitted \(what) does not parse: \(error)", text)
        }
        guard again.count == nodes.count else {
            fail("the emitted \(what) reads back as \(again.count) documents, not \(nodes.count)", text)
        }
        for (a, b) in zip(nodes, again) where a != b {
            fail("the emitted \(what) reads back as a different tree", text)
        }
    }

    static func fail(_ message: String, _ text: String) -> Never {
        let shown = text.utf8.count > 4000 ? String(decoding: Array(text.utf8.prefix(4000)), as: UTF8.self) + "\n[…]" : text
        FileHandle.standardError.write(Data("gitops-weave-fuzz: \(message)\n--- emitted ---\n\(shown)\n---\n".utf8))
        fatalError(message)
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

#if GITOPS_WEAVE_FUZZING
/// libFuzzer's driver, from the fuzzer runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

/// SwiftPM links an executable's entry point under its own name, so the target keeps a
/// `main`: under libFuzzer it hands over to the fuzzing driver; otherwise it runs the
/// target once on standard input (or on each file named).
@main
struct FuzzMain {
    static func main() {
        #if GITOPS_WEAVE_FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzOne(data, size) }))
        #else
        let arguments = CommandLine.arguments.dropFirst()
        let inputs: [Data] = arguments.isEmpty
            ? [FileHandle.standardInput.readDataToEndOfFile()]
            : arguments.map { FileManager.default.contents(atPath: $0) ?? Data() }
        for data in inputs { FuzzPipeline.run([UInt8](data)) }
        #endif
    }
}
