import Foundation
import YAMLModel

/// One `kustomize build` the benchmark times: the directory `directory` of the tree at
/// `root`, built with the current directory at `root`, as the corpus's oracle was run.
struct BuildTarget {
    var name: String
    var root: URL
    var directory: String
    /// What `kubectl kustomize` printed when the case was recorded (corpus cases only):
    /// the reference when kubectl is not installed.
    var recorded: URL?
}

/// The cases of `shared/kustomize-conformance` (see its FORMAT.md) that build: the error
/// cases measure how fast a tool fails, which is not what this benchmark is about. Nor are
/// the cases the project lists as deliberate differences (gitops-weave refuses them, so
/// it would time an error against a build); they are named in the report.
struct ConformanceCorpus {
    var builds: [BuildTarget]
    var errorCases: Int
    /// Case name and the reason the list gives.
    var deliberate: [(name: String, reason: String)] = []
    var root: URL

    /// The project's list of cases gitops-weave deliberately does not reproduce, which
    /// KustomizeConformanceTests keeps honest (it fails when a listed case passes).
    static func differencesFile(project: String) -> URL {
        URL(fileURLWithPath: project).appendingPathComponent("Tests/KustomizeTests/kustomize-conformance-differences.txt")
    }

    /// `$GITOPS_WEAVE_SHARED`, or `shared` beside the checkout, as the tests find it.
    static func sharedDirectory(project: String) -> URL {
        if let env = ProcessInfo.processInfo.environment["GITOPS_WEAVE_SHARED"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: project).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// Nil when the corpus is not there.
    static func load(shared: URL, differences: URL) throws -> ConformanceCorpus? {
        var listed: [String: String] = [:]
        for line in ((try? String(contentsOf: differences, encoding: .utf8)) ?? "").split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            listed[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let cases = shared.appendingPathComponent("kustomize-conformance/cases")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: cases.path) else { return nil }
        var corpus = ConformanceCorpus(builds: [], errorCases: 0, root: cases)
        for name in names.sorted() {
            let dir = cases.appendingPathComponent(name)
            let file = dir.appendingPathComponent("case.yaml")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            guard let meta = try YAMLParser().parseStream(text, file: file.path).first else { continue }
            if meta["expected_error"]?.scalar?.boolValue == true {
                corpus.errorCases += 1
                continue
            }
            if let reason = listed[name] {
                corpus.deliberate.append((name, reason))
                continue
            }
            corpus.builds.append(BuildTarget(name: name, root: dir.appendingPathComponent("tree"), directory: meta["dir"]?.stringValue ?? ".",
                                             recorded: dir.appendingPathComponent("expected.yaml")))
        }
        return corpus.builds.isEmpty ? nil : corpus
    }
}
