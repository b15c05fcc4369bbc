import Foundation
import Testing

/// The README's module table is the package's real dependency graph, and no module of the
/// engine imports one that `Package.swift` does not let it.
@Suite("The module graph")
struct PackageGraphTests {
    /// `name: [dependencies]` of every non-test target in Package.swift.
    static func packageTargets() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Paths.repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        var out: [String: Set<String>] = [:]
        let target = try Regex(#"\.(?:target|executableTarget)\(\s*name:\s*"([^"]+)"\s*,\s*dependencies:\s*\[([^\]]*)\]"#)
        for match in text.matches(of: target) {
            let name = String(match.output[1].substring!)
            let deps = String(match.output[2].substring!)
            var names = Set<String>()
            for d in deps.matches(of: try Regex(#"\.product\(name:\s*"([^"]+)""#)) { names.insert(String(d.output[1].substring!)) }
            let plain = deps.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
            for d in plain.matches(of: try Regex(#""([^"]+)""#)) { names.insert(String(d.output[1].substring!)) }
            out[name] = names
        }
        return out
    }

    static func readmeTable() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Paths.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(text.range(of: "<!-- module-graph -->")), end = try #require(text.range(of: "<!-- /module-graph -->"))
        var out: [String: Set<String>] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| module") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            out[cells[0]] = Set(cells[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return out
    }

    @Test("the README's module table matches Package.swift")
    func readmeMatchesPackage() throws {
        let package = try Self.packageTargets()
        #expect(package.count >= 9, "\(package.keys.sorted())")
        #expect(try Self.readmeTable() == package)
    }

    @Test("every import in a module's sources is one of its dependencies (or the system's)")
    func importsAreDeclared() throws {
        let package = try Self.packageTargets()
        let system: Set<String> = ["Foundation", "Glibc", "Dispatch", "Darwin"]
        let importLine = try Regex(#"^(?:@testable )?import (\w+)"#).anchorsMatchLineEndings()
        for (module, deps) in package {
            let dir = Paths.repository.appendingPathComponent("Sources/\(module)")
            let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            #expect(!files.isEmpty, "\(module) has no sources")
            for file in files {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                for m in text.matches(of: importLine) {
                    let imported = String(m.output[1].substring!)
                    #expect(deps.contains(imported) || system.contains(imported), "\(module)/\(file) imports \(imported), which Package.swift does not give it")
                }
            }
        }
    }

    @Test("the engine names no stack")
    func engineKnowsNoStack() throws {
        let words = try Regex("ClickHouse|clickhouse|WeightsAndBiases|wandb|Keeper|OpenShift|openshift")
        for module in ["Overlays"] {
            let dir = Paths.repository.appendingPathComponent("Sources/\(module)")
            for file in FileManager.default.enumerator(atPath: dir.path)?.compactMap({ $0 as? String }).filter({ $0.hasSuffix(".swift") }) ?? [] {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                #expect(text.firstMatch(of: words) == nil, "Sources/\(module)/\(file) names a stack's kind")
            }
        }
    }
}
