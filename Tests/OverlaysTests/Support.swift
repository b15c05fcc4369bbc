import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles

/// Locations of the repository and of `../shared` beside it.
enum Paths {
    static var repository: URL { RepositoryPaths.repository }

    static var shared: URL { RepositoryPaths.shared }

    static var conformance: URL { shared.appendingPathComponent("conformance") }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }
}

func parse(_ text: String, file: String = "test.yaml") throws -> Node {
    try YAMLParser().parseDocument(text, file: file)
}

func parseStream(_ text: String, file: String = "test.yaml") throws -> [Node] {
    try YAMLParser().parseStream(text, file: file)
}

/// Runs `body` and returns the diagnostic it throws, or nil.
func diagnostic(_ body: () throws -> Void) -> Diagnostic? {
    do {
        try body()
        return nil
    } catch let d as Diagnostic {
        return d
    } catch {
        return Diagnostic.error(at: nil, "unexpected error \(error)")
    }
}

extension StackCatalog {
    /// The Weave stack, as the CLI is built with it.
    static let weave = StackCatalog([WeaveStack()])
}
