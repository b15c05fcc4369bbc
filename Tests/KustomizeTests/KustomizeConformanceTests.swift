import Foundation
import Kustomize
import LocalFiles
import TestSupport
import Testing
import YAMLModel

/// One case of `../shared/kustomize-conformance`: a tree, the directory to build, and what
/// the real `kubectl kustomize` (v5.5.0) printed, or that it failed.
struct KustomizeCase: CustomTestStringConvertible, Sendable {
    let name: String
    let directory: URL
    var testDescription: String { name }

    static var root: URL { RepositoryPaths.shared.appendingPathComponent("kustomize-conformance/cases") }

    static var all: [KustomizeCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().map { KustomizeCase(name: $0, directory: root.appendingPathComponent($0)) }
    }

    /// Cases listed in kustomize-conformance-differences.txt, with their reasons.
    static let differences: [String: String] = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("kustomize-conformance-differences.txt")
        var out: [String: String] = [:]
        for line in ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }()

    /// Nil when the build agrees with kustomize, else what differs.
    func difference() throws -> String? {
        let meta = try YAMLParser().parseDocument(try String(contentsOf: directory.appendingPathComponent("case.yaml"), encoding: .utf8), file: "case.yaml")
        let expectError = meta["expected_error"]?.scalar?.boolValue == true
        let tree = FileSystemSource(root: directory.appendingPathComponent("tree").path)
        let output: KustomizeBuild.Output
        do {
            output = try KustomizeBuild(tree: tree).build(meta["dir"]?.stringValue ?? ".")
        } catch let d as Diagnostic {
            return expectError ? nil : "failed: \(d)"
        }
        if expectError { return "kustomize rejects this input; the build accepted it" }
        let expected = try YAMLParser().parseStream(try String(contentsOf: directory.appendingPathComponent("expected.yaml"), encoding: .utf8), file: "expected.yaml")
            .filter { !$0.isNull }
        let got = output.nodes
        guard got.count == expected.count else { return "\(got.count) documents, expected \(expected.count)" }
        for (i, (g, e)) in zip(got, expected).enumerated() where g != e {
            return "document \(i + 1) differs:\n" + YAMLEmitter().emit(g) + "--- expected:\n" + YAMLEmitter().emit(e)
        }
        return nil
    }
}

@Suite("kustomize's own test cases, against kubectl kustomize's output")
struct KustomizeConformanceTests {
    @Test("the corpus is present, or the shared directory is absent")
    func corpus() throws {
        try #require(FileManager.default.fileExists(atPath: RepositoryPaths.shared.path), "../shared is absent: skipped")
        #expect(KustomizeCase.all.count >= 90, "../shared/kustomize-conformance/cases is missing or small")
    }

    @Test("each case agrees with kustomize, or is listed with its reason", arguments: KustomizeCase.all)
    func agrees(_ c: KustomizeCase) throws {
        let difference = try c.difference()
        if let reason = KustomizeCase.differences[c.name] {
            #expect(difference != nil, "\(c.name) now agrees with kustomize: remove it from kustomize-conformance-differences.txt (\(reason))")
        } else {
            #expect(difference == nil, "\(c.name): \(difference ?? "")")
        }
    }

    @Test("at least 90% of the cases agree")
    func passRate() throws {
        let cases = KustomizeCase.all
        guard !cases.isEmpty else { return }
        let passing = try cases.filter { try $0.difference() == nil }.count
        #expect(Double(passing) / Double(cases.count) >= 0.9, "\(passing) of \(cases.count) agree")
        #expect(KustomizeCase.differences.keys.allSatisfy { name in cases.contains { $0.name == name } }, "the differences file lists a case that does not exist")
    }
}
