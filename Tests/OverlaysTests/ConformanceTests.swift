import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// Runs every reference case of `../shared/conformance` through the engine, compared as
/// FORMAT.md's "What an engine must pass" says.
struct ConformanceCase: CustomTestStringConvertible, Sendable {
    let group: String
    let name: String
    let directory: URL

    var testDescription: String { "\(group)/\(name)" }

    static func all(_ group: String) -> [ConformanceCase] {
        let dir = Paths.conformance.appendingPathComponent("cases").appendingPathComponent(group)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { ConformanceCase(group: group, name: $0, directory: dir.appendingPathComponent($0)) }
    }

    func read(_ file: String) throws -> String {
        try SourceFile.read(directory.appendingPathComponent(file).path)
    }

    func has(_ file: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path)
    }

    enum Result { case output([Node]), failure(Diagnostic) }

    /// Runs the case through the engine as its oracle's semantics say; `kustomize` cases
    /// with the given flavor (crd-keyed keeps apimachinery's, see FORMAT.md).
    func run(flavor: MergeFlavor = .apimachinery) throws -> (meta: Node, result: Result) {
        let meta = try parse(try read("case.yaml"), file: "case.yaml")
        let oracle = meta["oracle"]?.stringValue ?? ""
        let patchType = meta["patch_type"]?.stringValue
        let base = try parseStream(try read("base.yaml"), file: directory.appendingPathComponent("base.yaml").path)
        let patch = try parse(try read("patch.yaml"), file: directory.appendingPathComponent("patch.yaml").path)
        do {
            switch (oracle, patchType) {
            case ("kubectl-patch", "merge"):
                return (meta, .output([JSONMergePatch.apply(patch, to: base[0])]))
            case ("kubectl-patch", _):
                let resource = try Resource(document: base[0])
                guard case .strategic(let type, let options) = SchemaRegistry(adding: [WeaveStack().mergeTypes]).semantics(for: resource.id) else {
                    Issue.record("no built-in schema for \(resource.id)")
                    return (meta, .output([]))
                }
                switch try StrategicMerge.apply(patch, to: base[0], type: type, options: options) {
                case .merged(let node): return (meta, .output([node]))
                case .deleted:
                    // kubectl patch needs an object back; an emptied one has no kind.
                    return (meta, .failure(.error(at: patch.location, "the patch deletes the object")))
                }
            default:
                var patcher = ResourcePatcher(resources: try Resource.load(base), registry: SchemaRegistry(adding: [WeaveStack().mergeTypes]),
                                              flavor: flavor)
                try patcher.applyStrategic(patch)
                return (meta, .output(patcher.resources.map(\.node)))
            }
        } catch let d as Diagnostic {
            return (meta, .failure(d))
        }
    }
}

/// Semantic comparison; lists that merge by key or as sets compare as multisets when asked.
func sameValue(_ a: Node, _ b: Node, type: MergeType?, keyedAsMultiset: Bool, path: String = "") -> String? {
    switch (a.value, b.value) {
    case (.mapping(let x), .mapping(let y)):
        let missing = Set(x.keys).symmetricDifference(Set(y.keys))
        if let k = missing.sorted().first { return "\(path).\(k) only on one side" }
        for (k, e) in x.entries {
            if let d = sameValue(e.value, y[k]!, type: type?.field(k)?.type, keyedAsMultiset: keyedAsMultiset,
                                 path: path + "." + k, list: type?.field(k)?.list) { return d }
        }
        return nil
    default:
        return sameValue(a, b, type: type, keyedAsMultiset: keyedAsMultiset, path: path, list: nil)
    }
}

func sameValue(_ a: Node, _ b: Node, type: MergeType?, keyedAsMultiset: Bool, path: String, list: ListStrategy?) -> String? {
    switch (a.value, b.value) {
    case (.sequence(let x), .sequence(let y)):
        guard x.count == y.count else { return "\(path): \(x.count) elements vs \(y.count)" }
        if keyedAsMultiset, let list, list != .atomic {
            var remaining = y
            for element in x {
                guard let i = remaining.firstIndex(where: { sameValue(element, $0, type: type, keyedAsMultiset: true) == nil }) else {
                    return "\(path): element \(YAMLEmitter().emit(element)) has no equal"
                }
                remaining.remove(at: i)
            }
            return nil
        }
        for (i, (p, q)) in zip(x, y).enumerated() {
            if let d = sameValue(p, q, type: type, keyedAsMultiset: keyedAsMultiset, path: "\(path)[\(i)]") { return d }
        }
        return nil
    case (.mapping, .mapping):
        return sameValue(a, b, type: type, keyedAsMultiset: keyedAsMultiset, path: path)
    case (.scalar(let x), .scalar(let y)):
        return x == y ? nil : "\(path): \(x.tag) \(x.display) vs \(y.tag) \(y.display)"
    default:
        return "\(path): \(a.kindName) vs \(b.kindName)"
    }
}

/// How the engine's result differs from the reference, one line each; empty when it agrees.
func problems(_ c: ConformanceCase, flavor: MergeFlavor = .apimachinery) throws -> [String] {
    let (meta, result) = try c.run(flavor: flavor)
    let expectError = meta["expected_error"]?.scalar?.boolValue == true
    switch result {
    case .failure(let d):
        return expectError ? [] : ["\(c.testDescription): engine failed: \(d)"]
    case .output(let nodes):
        guard !expectError else { return ["\(c.testDescription): the reference rejects this input; the engine accepted it"] }
        let expected = try parseStream(try c.read("expected.yaml"), file: "expected.yaml").filter { !$0.isNull }
        guard nodes.count == expected.count else {
            return ["\(c.testDescription): \(nodes.count) documents vs \(expected.count) expected"]
        }
        let multiset = c.group == "crd-keyed"
        var out: [String] = []
        for (got, want) in zip(nodes, expected) {
            let type = (try? Resource(document: got)).flatMap { SchemaRegistry(adding: [WeaveStack().mergeTypes]).type(groupKind: $0.id.groupKind) }
            if let difference = sameValue(got, want, type: c.group == "crd-merge" ? nil : type, keyedAsMultiset: multiset) {
                out.append("\(c.testDescription): \(difference)\n--- got:\n\(YAMLEmitter().emit(got))")
            }
        }
        return out
    }
}

func check(_ c: ConformanceCase, flavor: MergeFlavor = .apimachinery) throws {
    for problem in try problems(c, flavor: flavor) { Issue.record("\(problem)") }
}

/// core-kustomize cases the kyaml flavour deliberately does not reproduce, with the reason:
/// `Fixtures/conformance-core-kustomize-differences.txt`, one `NNN-slug: reason` a line.
enum KustomizeDifferences {
    static let file = Paths.fixtures.appendingPathComponent("conformance-core-kustomize-differences.txt")

    static let listed: [String: String] = {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }()
}

@Suite("Conformance with the reference implementations")
struct ConformanceTests {
    @Test("the corpus is present")
    func corpusPresent() {
        for group in ["core", "core-kustomize", "crd-merge", "crd-keyed"] {
            #expect(ConformanceCase.all(group).count > 50, "../shared/conformance/cases/\(group) is missing or small: set GITOPS_WEAVE_SHARED")
        }
    }

    @Test("core: apimachinery strategic merge", arguments: ConformanceCase.all("core"))
    func core(_ c: ConformanceCase) throws { try check(c) }

    /// Exact kyaml order (no multisets). A case listed as a difference must still differ,
    /// and every other case must pass.
    @Test("core-kustomize: kyaml merge2", arguments: ConformanceCase.all("core-kustomize"))
    func coreKustomize(_ c: ConformanceCase) throws {
        guard let reason = KustomizeDifferences.listed[c.name] else {
            try check(c, flavor: .kyaml)
            return
        }
        let found = (try? problems(c, flavor: .kyaml)) ?? ["the case does not run"]
        #expect(!found.isEmpty, "\(c.testDescription) is listed in \(KustomizeDifferences.file.lastPathComponent) (\(reason)) but now passes: remove it from the list")
    }

    @Test("the core-kustomize differences list names existing cases")
    func kustomizeDifferencesExist() {
        let names = Set(ConformanceCase.all("core-kustomize").map(\.name))
        for name in KustomizeDifferences.listed.keys.sorted() {
            #expect(names.contains(name), "\(KustomizeDifferences.file.lastPathComponent) lists \(name), which is not a core-kustomize case")
        }
    }

    @Test("crd-merge: RFC 7386 fallback for unknown kinds", arguments: ConformanceCase.all("crd-merge"))
    func crdMerge(_ c: ConformanceCase) throws { try check(c) }

    @Test("crd-keyed: built-in keys for the stack's custom resources", arguments: ConformanceCase.all("crd-keyed"))
    func crdKeyed(_ c: ConformanceCase) throws { try check(c) }
}
