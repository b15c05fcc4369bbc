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

    /// Whether a string value at this location is the whole text of its file, which starts
    /// here: an embedded file's (`$file`), whose line n is the file's line n. A value parsed
    /// from a YAML document never starts at 1:1 (the document's first key is there).
    public var startsFile: Bool { line == 1 && column == 1 }

    /// Where line `line`, column `column` (both 1-based) of a string value at this location
    /// is in its file: exact for an embedded file's text; nil for a string written in YAML,
    /// whose quoting, folding and indentation move its characters.
    public func inText(line: Int, column: Int) -> SourceLocation? {
        guard startsFile, line >= 1, column >= 1 else { return nil }
        return SourceLocation(file: file, line: line, column: column)
    }
}
