/// A position in a source file, 1-based, as compilers print it.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// Values the engine creates itself (an empty map left by `$patch: delete`, say).
    public static func generated(_ what: String) -> SourceLocation {
        SourceLocation(file: "<\(what)>", line: 0, column: 0)
    }

    public var isGenerated: Bool { line == 0 }

    public var description: String { isGenerated ? file : "\(file):\(line):\(column)" }
}
