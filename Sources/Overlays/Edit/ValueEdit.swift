import YAMLModel

/// Sets or removes one value of a YAML file by changing only its characters: the value's
/// own bytes when it exists (its quoting kept where the new text fits it), or one new line
/// where a person would add it (after the mapping's last entry, at its indentation, with the
/// file's line breaks). Comments, key order, blank lines and everything else stay as they
/// are; nothing is re-emitted.
public enum ValueEdit {
    /// A value to write: a scalar, or a list of scalars (written as a flow sequence).
    public enum Value: Sendable, Equatable {
        case scalar(Scalar)
        case list([Scalar])
    }

    /// The edits that set `path` (mapping keys from the root) to `value`.
    public static func set(_ path: [String], to value: Value, in spans: YAMLSpans, file: String) throws -> [TextEdit] {
        precondition(!path.isEmpty)
        guard let root = spans.root else {
            // An empty file: the path, as block lines.
            return [TextEdit(range: spans.bytes.count..<spans.bytes.count, text: block(path, value, indent: 0, unit: 2, spans: spans))]
        }
        return try set(path[...], value, in: root, spans: spans, file: file)
    }

    private static func set(_ path: ArraySlice<String>, _ value: Value, in item: YAMLSpans.Item, spans: YAMLSpans, file: String) throws -> [TextEdit] {
        let key = path.first!
        guard case .mapping(let entries, let flow, let span) = item else {
            throw Diagnostic.error(at: location(item.span.start, spans, file), "cannot set \(key) here: the value is not a mapping")
        }
        guard let entry = entries.first(where: { $0.key == key }) else {
            return [insert(path, value, into: entries, flow: flow, span: span, spans: spans)]
        }
        if path.count == 1 { return [try replace(entry, with: value, inFlow: flow, spans: spans, file: file)] }
        if case .scalar(let text, _, let s) = entry.value, text.isEmpty || text == "~" || text == "null" {
            // `key:` with nothing yet: the rest of the path goes under it.
            let unit = indentUnit(spans)
            if flow || s.start != s.end {
                return [TextEdit(range: try valueRange(entry, spans: spans, file: file), text: " " + flowText(path.dropFirst(), value))]
            }
            let at = spans.nextLineStart(entry.keySpan.end)
            let prefix = at == spans.bytes.count && spans.bytes.last != 0x0A ? spans.lineBreak : ""
            return [TextEdit(range: at..<at, text: prefix + block(Array(path.dropFirst()), value, indent: spans.column(entry.keySpan.start) + unit, unit: unit, spans: spans))]
        }
        return try set(path.dropFirst(), value, in: entry.value, spans: spans, file: file)
    }

    /// The edit that removes `path`'s entry; nil when there is none.
    public static func remove(_ path: [String], in spans: YAMLSpans, file: String) throws -> TextEdit? {
        var item = spans.root
        for key in path.dropLast() {
            guard let next = item?.entry(key)?.value else { return nil }
            item = next
        }
        guard case .mapping(let entries, let flow, _)? = item,
              let index = entries.firstIndex(where: { $0.key == path.last! }) else { return nil }
        let entry = entries[index]
        if flow {
            if index + 1 < entries.count { return TextEdit(range: entry.keySpan.start..<entries[index + 1].keySpan.start, text: "") }
            if index > 0 { return TextEdit(range: entries[index - 1].value.span.end..<entry.value.span.end, text: "") }
            return TextEdit(range: entry.keySpan.start..<entry.value.span.end, text: "")
        }
        let end = entry.value.span.end
        let through = spans.column(end) == 0 && end > entry.keySpan.start ? end : spans.nextLineStart(end)
        return TextEdit(range: spans.lineStart(entry.keySpan.start)..<through, text: "")
    }

    // MARK: Replacing a value

    static func replace(_ entry: YAMLSpans.Entry, with value: Value, inFlow: Bool, spans: YAMLSpans, file: String) throws -> TextEdit {
        switch (entry.value, value) {
        case (.scalar(_, let style, let span), .scalar(let s)) where span.start != span.end && style != .literal && style != .folded:
            return TextEdit(range: span.start..<span.end, text: YAMLEmitter.inlineScalar(s, inFlow: inFlow, keeping: style))
        case (.sequence(let items, true, let span), .list(let list)):
            // A flow list keeps its brackets' spacing: `[ a, b ]` stays spaced.
            let inner = spans.bytes[(span.start + 1)..<(span.end - 1)]
            let padded = inner.first == 0x20 && inner.last == 0x20 && !items.isEmpty
            let body = list.map { YAMLEmitter.inlineScalar($0, inFlow: true) }.joined(separator: ", ")
            return TextEdit(range: span.start..<span.end, text: padded ? "[ " + body + " ]" : "[" + body + "]")
        default:
            // A block list or block string, or a value of another shape: the new value goes
            // on the key's line, in flow style.
            return TextEdit(range: try valueRange(entry, spans: spans, file: file), text: " " + flowText([], value))
        }
    }

    /// From just after the entry's `:` to the end of its value (its trailing line break
    /// kept), for writing a new value on the key's line.
    static func valueRange(_ entry: YAMLSpans.Entry, spans: YAMLSpans, file: String) throws -> Range<Int> {
        var i = entry.keySpan.end
        while i < spans.bytes.count, spans.bytes[i] == 0x20 || spans.bytes[i] == 0x09 { i += 1 }
        guard i < spans.bytes.count, spans.bytes[i] == UInt8(ascii: ":") else {
            throw Diagnostic.error(at: location(entry.keySpan.start, spans, file), "cannot edit the value of \(entry.key) in place: its key is written in a form this edit does not follow")
        }
        var end = max(entry.value.span.end, i + 1)
        // A block scalar's end is the start of the line after it.
        while end > i + 1, spans.bytes[end - 1] == 0x0A || spans.bytes[end - 1] == 0x0D { end -= 1 }
        return (i + 1)..<end
    }

    // MARK: Inserting an entry

    static func insert(_ path: ArraySlice<String>, _ value: Value, into entries: [YAMLSpans.Entry], flow: Bool, span: YAMLSpans.Span, spans: YAMLSpans) -> TextEdit {
        if flow {
            let text = path.first! + ": " + flowText(path.dropFirst(), value)
            guard let last = entries.last else {
                // `{}`: inside the braces.
                return TextEdit(range: (span.start + 1)..<(span.end - 1), text: text)
            }
            return TextEdit(range: last.value.span.end..<last.value.span.end, text: ", " + text)
        }
        let indent = entries.first.map { spans.column($0.keySpan.start) } ?? 0
        let end = span.end
        var at = entries.isEmpty ? spans.bytes.count : (spans.column(end) == 0 ? end : spans.nextLineStart(end))
        var prefix = ""
        if at == spans.bytes.count, let lastByte = spans.bytes.last, lastByte != 0x0A { prefix = spans.lineBreak }
        if entries.isEmpty { at = spans.bytes.count }
        return TextEdit(range: at..<at, text: prefix + block(Array(path), value, indent: indent, unit: indentUnit(spans), spans: spans))
    }

    /// `a:\n  b: value\n` at `indent`, one level per key.
    static func block(_ path: [String], _ value: Value, indent: Int, unit: Int, spans: YAMLSpans) -> String {
        var text = ""
        for (depth, key) in path.enumerated() {
            text += String(repeating: " ", count: indent + depth * unit) + keyText(key) + ":"
            if depth == path.count - 1 {
                text += " " + flowText([], value)
            }
            text += spans.lineBreak
        }
        return text
    }

    /// `{a: {b: value}}` for the rest of a path, or the value itself.
    static func flowText(_ path: ArraySlice<String>, _ value: Value) -> String {
        guard let key = path.first else {
            switch value {
            case .scalar(let s): return YAMLEmitter.inlineScalar(s)
            case .list(let items): return "[" + items.map { YAMLEmitter.inlineScalar($0, inFlow: true) }.joined(separator: ", ") + "]"
            }
        }
        return "{" + keyText(key) + ": " + flowText(path.dropFirst(), value) + "}"
    }

    static func keyText(_ key: String) -> String {
        YAMLEmitter.inlineScalar(.string(key), inFlow: true)
    }

    /// The file's indentation step: the first nested mapping's, else 2.
    static func indentUnit(_ spans: YAMLSpans) -> Int {
        guard case .mapping(let entries, _, _)? = spans.root else { return 2 }
        for entry in entries {
            if case .mapping(let inner, false, _) = entry.value, let first = inner.first {
                let step = spans.column(first.keySpan.start) - spans.column(entry.keySpan.start)
                if step > 0 { return step }
            }
        }
        return 2
    }

    static func location(_ offset: Int, _ spans: YAMLSpans, _ file: String) -> SourceLocation {
        var line = 1
        for b in spans.bytes[..<min(offset, spans.bytes.count)] where b == 0x0A { line += 1 }
        return SourceLocation(file: file, line: line, column: spans.column(offset) + 1)
    }
}
