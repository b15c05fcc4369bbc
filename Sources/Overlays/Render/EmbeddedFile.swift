import YAMLModel

/// `{$file: files/PATH}` in a base or layer document: the text of a file in the `files/`
/// directory of the same layer (or of the base), as a string value.
///
///     config.d/storage_configuration.xml: {$file: files/config.d/storage_configuration.xml}
///
/// The string is located at the file's line 1, column 1, so whatever checks it later (the
/// parameter substitution, a stack rule reading the XML) can point at the file's own lines
/// (`SourceLocation.inText`). Parameters are substituted in it as in any string of the
/// layer. The file is read once per run, with the document that names it.
public enum EmbeddedFile {
    public static let key = "$file"
    /// Where a layer keeps the files it embeds, beside resources/ and patches/.
    public static let directory = "files"

    /// The document with every `{$file: ...}` replaced by the file's text; nil when it has
    /// none (most documents), so that the parsed tree is shared, not copied.
    public static func resolve(_ node: Node, root: String, source: any SourceTree) throws -> Node? {
        if let m = node.mapping, let value = m[key] {
            guard m.count == 1 else {
                throw Diagnostic.error(at: m.keyLocation(key)!, "\(key) stands alone in its mapping: the whole mapping becomes the file's text",
                                       hint: "move the other keys out, or write the value as {\(key): \(directory)/NAME} by itself")
            }
            return try text(of: value, root: root, source: source)
        }
        return try node.replacingChildren { try resolve($0, root: root, source: source) }
    }

    /// The string value a `$file` path names.
    static func text(of reference: Node, root: String, source: any SourceTree) throws -> Node {
        let hint = "write the path from the layer's directory (\(source.displayPath(root))/), inside its \(directory)/: {\(key): \(directory)/NAME}"
        guard let path = reference.stringValue, !path.isEmpty else {
            throw Diagnostic.error(at: reference.location, "\(key) takes a path, not \(reference.kindWithArticle)", hint: hint)
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), parts.count >= 2, parts[0] == Substring(directory),
              !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw Diagnostic.error(at: reference.location, "\(key) \"\(path)\" is not a file of this layer's \(directory)/ directory", hint: hint)
        }
        let full = root + "/" + path
        guard let text = try source.readFile(full) else {
            var message = "there is no file \(source.displayPath(full)) to embed"
            var fix = "add the file, or correct the path (it is read from \(source.displayPath(root))/)"
            let folder = String(full[..<full.lastIndex(of: "/")!])
            if let names = try? source.list(folder)?.filter({ !$0.isDirectory }).map(\.name) {
                if let close = Suggestion.closest(to: String(parts.last!), in: names) {
                    fix = "did you mean \"\(close)\"? " + fix
                } else if names.isEmpty {
                    message += " (\(source.displayPath(folder))/ is empty)"
                }
            }
            throw Diagnostic.error(at: reference.location, message, hint: fix)
        }
        return Node(.scalar(.string(text)), at: SourceLocation(file: source.displayPath(full), line: 1, column: 1))
    }
}
