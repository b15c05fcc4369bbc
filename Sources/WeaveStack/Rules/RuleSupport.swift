import Foundation
import MergeEngine
import Overlays
import YAMLModel

/// Small readers the stack rules share: paths in a tree, where a piece of a string was set,
/// Kubernetes quantities, image versions and the XML of ClickHouse configuration files.
enum RuleSupport {
    static let keeperGroupKind = WeaveWiring.keeperGroupKind
    static let clickHouseGroupKind = WeaveWiring.clickHouseGroupKind
    static let wandbGroupKind = WeaveWiring.wandbGroupKind

    // MARK: Paths

    typealias Step = FieldPath.Step

    /// A path as `explain` takes it: `spec.templates.podTemplates[name=keeper].spec`.
    static func display(_ path: [Step]) -> String { FieldPath(path).prefix(path.count) }

    /// The last key of a path.
    static func lastKey(_ path: [Step]) -> String? {
        if case .key(let k)? = path.last { return k }
        return nil
    }


    /// `ClickHouseInstallation/wandb`, for messages.
    static func name(_ r: Resource) -> String { "\(r.id.kind)/\(r.id.name)" }

    // MARK: Where a piece of text was set

    /// Where `piece` of a string value was set: a value that is one parameter was set on
    /// the environment line (its location already); in a template string with parameters
    /// written into it, the parameter whose value is `piece` was set on its own line. Else
    /// the value's own location (the template that wrote it).
    static func origin(of piece: String, in node: Node) -> (location: SourceLocation, parameter: String?) {
        var link = node.overrode
        while let o = link {
            switch o.reason {
            case .interpolatedParameter(let name)?:
                if o.node.scalar?.text == piece { return (o.node.location, name) }
            case .parameter(let name)?:
                return (node.location, name)
            default:
                return (node.location, nil)
            }
            link = o.node.overrode
        }
        return (node.location, nil)
    }

    /// `" (parameter x)"` when a parameter set it, for messages.
    static func parameterNote(_ parameter: String?) -> String {
        parameter.map { " (parameter \($0))" } ?? ""
    }

    /// Without leading and trailing white space and newlines.
    static func trim(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    // MARK: Quantities

    /// Bytes of a Kubernetes quantity (`50Gi`, `200G`, `10737418240`, `1.5Ti`, `1e9`) or of a
    /// ClickHouse size (`40Gi`, `40GiB`, `40G`); nil when it is neither.
    static func bytes(_ text: String) -> Double? {
        let t = trim(text)
        guard !t.isEmpty else { return nil }
        let binary: [(String, Double)] = [("Ki", 0x1p10), ("Mi", 0x1p20), ("Gi", 0x1p30), ("Ti", 0x1p40), ("Pi", 0x1p50), ("Ei", 0x1p60)]
        let decimal: [(String, Double)] = [("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18)]
        var body = Substring(t)
        if body.hasSuffix("B") || body.hasSuffix("b") { body = body.dropLast() } // ClickHouse's GiB, GB
        for (suffix, factor) in binary + decimal where body.hasSuffix(suffix) {
            guard let n = number(body.dropLast(suffix.count)) else { return nil }
            return n * factor
        }
        if body.count != t.count { return nil } // a bare "B" after no unit
        return number(body)
    }

    static func number(_ s: Substring) -> Double? {
        guard let first = s.first, first.isNumber || first == "." || first == "+" else { return nil }
        guard let n = Double(s), n.isFinite, n >= 0 else { return nil }
        return n
    }

    // MARK: Image versions

    /// The tag of an image reference (`repo/name:tag@sha256:...` → `tag`), if it has one.
    static func tag(of image: String) -> String? {
        let withoutDigest = image.split(separator: "@", maxSplits: 1).first.map(String.init) ?? image
        guard let colon = withoutDigest.lastIndex(of: ":") else { return nil }
        let afterSlash = withoutDigest.lastIndex(of: "/").map { withoutDigest.index(after: $0) } ?? withoutDigest.startIndex
        guard colon >= afterSlash else { return nil } // a registry port, not a tag
        return String(withoutDigest[withoutDigest.index(after: colon)...])
    }

    /// The repository of an image reference, without tag or digest.
    static func repository(of image: String) -> String {
        var s = image.split(separator: "@", maxSplits: 1).first.map(String.init) ?? image
        if let t = tag(of: s) { s.removeLast(t.count + 1) }
        return s
    }

    /// The dotted numbers a tag starts with: `25.10` → [25, 10], `24.8.14.10459-alpine` →
    /// [24, 8, 14, 10459], `v25.3` → [25, 3]; nil for `latest`, `head` and the like.
    static func version(_ tag: String) -> [Int]? {
        var t = Substring(tag)
        if t.hasPrefix("v") { t = t.dropFirst() }
        var parts: [Int] = []
        for piece in t.split(separator: ".", omittingEmptySubsequences: false) {
            let digits = piece.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int(digits) else { break }
            parts.append(n)
            if digits.count != piece.count { break }
        }
        return parts.isEmpty ? nil : parts
    }

    /// Whether image tag `a` names an older version than `b`; false when either is not a
    /// numeric version.
    static func older(_ a: String, than b: String) -> Bool {
        guard let x = version(a), let y = version(b) else { return false }
        return compare(x, y) < 0
    }

    /// Compares versions over the parts both name, so `25.10` (a release line) is equal to
    /// `25.10.2.65`. Negative when `a` is older.
    static func compare(_ a: [Int], _ b: [Int]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }
}


// MARK: - XML

/// Just enough XML for ClickHouse configuration files: elements, text, comments, CDATA and
/// processing instructions; attributes are kept. Malformed input is an `XMLSyntaxError` at
/// its line and column, which the `clickhouse-config-xml` rule reports (the ClickHouse
/// server would refuse the file at start-up); the other rules skip such a file. A file nested
/// deeper than `maxDepth` elements is skipped too, unread, so no file can exhaust the stack.
struct ConfigXMLElement: Sendable {
    var name: String
    var attributes: [String: String] = [:]
    var children: [ConfigXMLElement] = []
    var text = ""
    /// 1-based line and column (in bytes) of the element's start tag in the text.
    var line: Int
    var column: Int = 1

    func child(_ name: String) -> ConfigXMLElement? { children.first { $0.name == name } }
    func childText(_ name: String) -> String? { child(name).map { RuleSupport.trim($0.text) } }

    /// Every element of this tree, with its parent.
    func descendants(parent: ConfigXMLElement? = nil, _ visit: (ConfigXMLElement, ConfigXMLElement?) -> Void) {
        visit(self, parent)
        for c in children { c.descendants(parent: self, visit) }
    }

    static let maxDepth = 256

    /// The file's root element; nil when it is malformed or too deep.
    static func parse(_ text: String) -> ConfigXMLElement? {
        if case .element(let root) = read(text) { return root }
        return nil
    }

    enum Reading: Sendable {
        case element(ConfigXMLElement)
        case malformed(XMLSyntaxError)
        case tooDeep
    }

    static func read(_ text: String) -> Reading {
        var parser = XMLLiteParser(Array(text.utf8))
        do {
            guard let root = try parser.document() else { return .tooDeep }
            return .element(root)
        } catch let error as XMLSyntaxError {
            return .malformed(error)
        } catch {
            return .malformed(XMLSyntaxError(line: 1, column: 1, message: "\(error)"))
        }
    }
}

/// Where and why a configuration file is not well-formed XML.
struct XMLSyntaxError: Error, Sendable, Equatable {
    /// 1-based, in the file's text; the column counts bytes.
    var line: Int
    var column: Int
    var message: String
}

/// Reads UTF-8 bytes: every character with a meaning in XML is ASCII, and the bytes of
/// other characters are copied through whole.
struct XMLLiteParser {
    let s: [UInt8]
    var i = 0
    var line = 1
    /// Index of the first byte of the current line.
    var lineStart = 0

    init(_ s: [UInt8]) {
        self.s = s
        if s.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3; lineStart = 3 }  // a byte-order mark
    }

    var column: Int { i - lineStart + 1 }

    func fail(_ message: String, line: Int, column: Int) -> XMLSyntaxError {
        XMLSyntaxError(line: line, column: column, message: message)
    }

    /// The root element; nil when the file nests deeper than `maxDepth`.
    mutating func document() throws -> ConfigXMLElement? {
        var root: ConfigXMLElement?
        var stack: [ConfigXMLElement] = []
        while i < s.count {
            let (atLine, atColumn) = (line, column)
            if s[i] == UInt8(ascii: "<") {
                if starts("<!--") {
                    guard skip(past: "-->") else { throw fail("the comment is not closed: there is no -->", line: atLine, column: atColumn) }
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    guard skip(past: "]]>") else { throw fail("the CDATA section is not closed: there is no ]]>", line: atLine, column: atColumn) }
                    guard !stack.isEmpty else { throw fail("a CDATA section outside the root element", line: atLine, column: atColumn) }
                    stack[stack.count - 1].text += string(start, i - 3)
                } else if starts("<?") || starts("<!") {
                    guard skip(past: ">") else { throw fail("the declaration is not closed: there is no >", line: atLine, column: atColumn) }
                } else if starts("</") {
                    i += 2
                    let name = readName()
                    skipSpace()
                    guard i < s.count, s[i] == UInt8(ascii: ">") else { throw fail("the closing tag </\(name)> is not closed with >", line: atLine, column: atColumn) }
                    i += 1
                    guard let open = stack.popLast() else {
                        throw fail("the closing tag </\(name)> has no opening tag", line: atLine, column: atColumn)
                    }
                    guard open.name == name else {
                        throw fail("the closing tag </\(name)> does not match <\(open.name)> of line \(open.line)", line: atLine, column: atColumn)
                    }
                    if stack.isEmpty {
                        root = open
                    } else {
                        stack[stack.count - 1].children.append(open)
                    }
                } else {
                    i += 1
                    let name = readName()
                    guard !name.isEmpty else { throw fail("a < that starts no element: write &lt; for a literal <", line: atLine, column: atColumn) }
                    if stack.isEmpty, root != nil {
                        throw fail("a second root element <\(name)>: a configuration file has one root, <clickhouse>", line: atLine, column: atColumn)
                    }
                    var element = ConfigXMLElement(name: name, line: atLine, column: atColumn)
                    var selfClosing = false
                    while true {
                        skipSpace()
                        guard i < s.count else { throw fail("the tag <\(name)> is not closed with >", line: atLine, column: atColumn) }
                        if s[i] == UInt8(ascii: ">") { i += 1; break }
                        if starts("/>") { i += 2; selfClosing = true; break }
                        let (attributeLine, attributeColumn) = (line, column)
                        let attribute = readName()
                        skipSpace()
                        guard !attribute.isEmpty, i < s.count, s[i] == UInt8(ascii: "=") else {
                            throw fail(attribute.isEmpty ? "an unexpected character in the tag <\(name)>" : "the attribute \(attribute) of <\(name)> has no value: write \(attribute)=\"...\"",
                                       line: attributeLine, column: attributeColumn)
                        }
                        i += 1
                        skipSpace()
                        guard i < s.count, s[i] == UInt8(ascii: "\"") || s[i] == UInt8(ascii: "'") else {
                            throw fail("the value of attribute \(attribute) of <\(name)> is not quoted", line: line, column: column)
                        }
                        let quote = s[i]
                        i += 1
                        let start = i
                        while i < s.count, s[i] != quote { advance() }
                        guard i < s.count else { throw fail("the value of attribute \(attribute) of <\(name)> is not closed", line: attributeLine, column: attributeColumn) }
                        element.attributes[attribute] = Self.unescape(string(start, i))
                        i += 1
                    }
                    guard stack.count < ConfigXMLElement.maxDepth else { return nil }
                    if selfClosing {
                        if stack.isEmpty {
                            root = element
                        } else {
                            stack[stack.count - 1].children.append(element)
                        }
                    } else {
                        stack.append(element)
                    }
                }
            } else {
                let start = i
                while i < s.count, s[i] != UInt8(ascii: "<") { advance() }
                if !stack.isEmpty {
                    stack[stack.count - 1].text += Self.unescape(string(start, i))
                } else if let first = s[start..<i].firstIndex(where: { !Self.isSpace($0) }) {
                    let (l, c) = position(of: first)
                    throw fail(root == nil ? "text before the root element" : "text after the root element </\(root!.name)>", line: l, column: c)
                }
            }
        }
        if let open = stack.last {
            throw fail("the element <\(open.name)> is not closed: the file ends before </\(open.name)>", line: open.line, column: open.column)
        }
        guard let root else { throw fail("the file holds no element: a configuration file has a root element, <clickhouse>", line: line, column: column) }
        return root
    }

    /// Line and column of an index at or before `i`.
    func position(of index: Int) -> (Int, Int) {
        var l = 1, start = 0
        for j in 0..<index where s[j] == UInt8(ascii: "\n") { l += 1; start = j + 1 }
        return (l, index - start + 1)
    }

    func starts(_ prefix: String) -> Bool {
        var j = i
        for c in prefix.utf8 {
            guard j < s.count, s[j] == c else { return false }
            j += 1
        }
        return true
    }

    mutating func advance() {
        if s[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
        i += 1
    }

    /// Moves past the next `end`; false when there is none.
    mutating func skip(past end: String) -> Bool {
        while i < s.count {
            if starts(end) {
                i += end.utf8.count
                return true
            }
            advance()
        }
        return false
    }

    mutating func skipSpace() {
        while i < s.count, Self.isSpace(s[i]) { advance() }
    }

    mutating func readName() -> String {
        let start = i
        while i < s.count, !Self.isSpace(s[i]), !Self.endsName(s[i]) { i += 1 }
        return string(start, i)
    }

    func string(_ from: Int, _ to: Int) -> String {
        String(decoding: s[from..<max(from, to)], as: UTF8.self)
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func endsName(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "/") || b == UInt8(ascii: "=")
            || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
    }

    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
