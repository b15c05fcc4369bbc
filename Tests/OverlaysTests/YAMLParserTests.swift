import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

// Tests of YAMLParser: positions, the YAML 1.2 core schema, anchors and merge keys,
// duplicate keys, alias bombs and libyaml's own errors.

/// `file:line:col` of a node, for compact assertions.
private func at(_ node: Node?) -> String {
    guard let node else { return "<missing>" }
    return "\(node.location.line):\(node.location.column)"
}

private func keyAt(_ node: Node?, _ key: String) -> String {
    guard let loc = node?.mapping?.keyLocation(key) else { return "<missing>" }
    return "\(loc.line):\(loc.column)"
}

/// The value of `v:` in a one-line document `v: <text>`.
private func value(_ text: String) throws -> Scalar? {
    try parse("v: \(text)\n")["v"]?.scalar
}

/// The keys of a mapping node, in order.
private func keys(_ node: Node?) -> [String] {
    node?.mapping.map { Array($0.keys) } ?? []
}

/// The error a parse throws; records an issue when it does not throw one.
private func parseError(_ text: String, file: String = "test.yaml", parser: YAMLParser = YAMLParser(),
                        sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
    let d = diagnostic { _ = try parser.parseStream(text, file: file) }
    if d == nil { Issue.record("expected a parse error for \(text.debugDescription)", sourceLocation: sourceLocation) }
    return d
}

@Suite("YAML parser: positions")
struct YAMLParserPositionTests {
    static let document = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels:
            app: web
        spec:
          containers:
          - name: app
            image: nginx:1.25
            args:
            - --port
            - "8080"
            env: []
          nodeSelector:
        note: |
          two
          lines
        """

    @Test func keysAndValuesCarryLineAndColumn() throws {
        let root = try parse(Self.document, file: "pod.yaml")
        #expect(root.location == YAMLModel.SourceLocation(file: "pod.yaml", line: 1, column: 1))
        #expect(keyAt(root, "apiVersion") == "1:1")
        #expect(at(root["apiVersion"]) == "1:13")
        #expect(keyAt(root, "kind") == "2:1")
        #expect(at(root["kind"]) == "2:7")
        // A nested mapping starts at its first key.
        #expect(keyAt(root, "metadata") == "3:1")
        #expect(at(root["metadata"]) == "4:3")
        #expect(keyAt(root["metadata"], "name") == "4:3")
        #expect(at(root["metadata"]?["name"]) == "4:9")
        #expect(at(root["metadata"]?["labels"]) == "6:5")
        #expect(keyAt(root["metadata"]?["labels"], "app") == "6:5")
        #expect(at(root["metadata"]?["labels"]?["app"]) == "6:10")
        #expect(root["metadata"]?["labels"]?["app"]?.location.file == "pod.yaml")
    }

    @Test func listItemsAndNestedNodes() throws {
        let root = try parse(Self.document)
        let containers = root["spec"]?["containers"]
        // A list written at its parent key's indent starts at its first `-`.
        #expect(at(containers) == "9:3")
        let first = containers?.sequence?.first
        #expect(at(first) == "9:5")
        #expect(keyAt(first, "name") == "9:5")
        #expect(at(first?["name"]) == "9:11")
        #expect(keyAt(first, "image") == "10:5")
        #expect(at(first?["image"]) == "10:12")
        let args = first?["args"]?.sequence ?? []
        #expect(args.count == 2)
        #expect(args.map { at($0) } == ["12:7", "13:7"])
        // A quoted scalar starts at its opening quote.
        #expect(args.last?.scalar == .string("8080"))
        #expect(at(first?["env"]) == "14:10")
        // An empty value is a null placed right after its colon.
        #expect(root["spec"]?["nodeSelector"]?.isNull == true)
        #expect(at(root["spec"]?["nodeSelector"]) == "15:16")
        // A literal block starts at its `|`.
        #expect(at(root["note"]) == "16:7")
        // Clipped, and the stream ends without a line break.
        #expect(root["note"]?.scalar == .string("two\nlines"))
    }

    @Test func flowCollections() throws {
        let root = try parse("a: {x: 1, y: [p, 'q', [r]]}\n")
        #expect(at(root["a"]) == "1:4")
        #expect(keyAt(root["a"], "y") == "1:11")
        let y = root["a"]?["y"]?.sequence ?? []
        #expect(y.map { at($0) } == ["1:15", "1:18", "1:23"])
        #expect(at(y.last?.sequence?.first) == "1:24")
    }

    @Test func secondDocumentCountsLinesFromTheFileStart() throws {
        let text = """
            a: 1
            ---
            # comment
            b:
              - x
              - y: 2
            --- 3
            ---
            """
        let docs = try parseStream(text, file: "stream.yaml")
        #expect(docs.count == 4)
        #expect(at(docs[0]) == "1:1")
        #expect(at(docs[1]) == "4:1")
        #expect(keyAt(docs[1], "b") == "4:1")
        let items = docs[1]["b"]?.sequence ?? []
        #expect(items.map { at($0) } == ["5:5", "6:5"])
        #expect(at(items.last?["y"]) == "6:8")
        #expect(items.last?["y"]?.location.file == "stream.yaml")
        #expect(docs[2].scalar == .int(3))
        #expect(at(docs[2]) == "7:5")
        // An empty document is a null.
        #expect(docs[3].isNull)
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try parse("ключ: значение\nk: é\n")
        #expect(keyAt(root, "ключ") == "1:1")
        #expect(at(root["ключ"]) == "1:7")
        #expect(at(root["k"]) == "2:4")
    }

    @Test func crlfLineEnds() throws {
        let root = try parse("a: 1\r\nb:\r\n  - x\r\n")
        #expect(keyAt(root, "b") == "2:1")
        #expect(at(root["b"]?.sequence?.first) == "3:5")
        #expect(root["b"]?.sequence?.first?.scalar == .string("x"))
    }

    @Test func parseDocumentRejectsASecondDocumentAtItsPosition() throws {
        let d = diagnostic { _ = try parse("a: 1\n---\nb: 2\n") }
        #expect(d?.headline == "test.yaml:3:1: error: expected one YAML document, found 2")
        // No document at all reads as null.
        #expect(try parse("").isNull)
        #expect(try parse("# only a comment\n").isNull)
        #expect(try parseStream("").isEmpty)
    }
}

@Suite("YAML parser: scalar types (YAML 1.2 core schema)")
struct YAMLParserScalarTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: String
        let expected: Scalar
        var testDescription: String { "\(input) -> \(expected.tag) \(expected.text)" }
        init(_ input: String, _ tag: Scalar.Tag, _ text: String) {
            self.input = input
            self.expected = Scalar(tag: tag, text: text)
        }
    }

    static let plain: [Case] = [
        // Integers: canonical decimal text, any size, never through a Double.
        Case("42", .int, "42"), Case("-17", .int, "-17"), Case("+5", .int, "5"), Case("0", .int, "0"),
        Case("-0", .int, "0"), Case("007", .int, "7"), Case("0777", .int, "777"),
        Case("0x1F", .int, "31"), Case("0xff", .int, "255"), Case("0o17", .int, "15"),
        Case("9007199254740993", .int, "9007199254740993"), Case("10000000000", .int, "10000000000"),
        Case("123456789012345678901234567890", .int, "123456789012345678901234567890"),
        Case("-98765432109876543210", .int, "-98765432109876543210"),
        Case("0x10000000000000000", .int, "0x10000000000000000"),
        // Not integers in the core schema.
        Case("0x", .string, "0x"), Case("0xG1", .string, "0xG1"), Case("0o8", .string, "0o8"),
        Case("-0x1F", .string, "-0x1F"), Case("1_000", .string, "1_000"), Case("0b101", .string, "0b101"),
        Case("1:20", .string, "1:20"),
        // Floats keep their written text.
        Case("0.5", .float, "0.5"), Case("1e3", .float, "1e3"), Case("-1.5E-3", .float, "-1.5E-3"),
        Case(".5", .float, ".5"), Case("1.", .float, "1."), Case("+2.5", .float, "+2.5"),
        Case(".inf", .float, ".inf"), Case("-.Inf", .float, "-.Inf"), Case("+.INF", .float, "+.INF"),
        Case(".nan", .float, ".nan"), Case(".NaN", .float, ".NaN"),
        Case("1e", .string, "1e"), Case(".", .string, "."), Case("-.nan", .string, "-.nan"),
        Case("1.2.3", .string, "1.2.3"), Case("0.0.0.0", .string, "0.0.0.0"), Case("inf", .string, "inf"),
        // Booleans: only true/false spellings.
        Case("true", .bool, "true"), Case("True", .bool, "true"), Case("TRUE", .bool, "true"),
        Case("false", .bool, "false"), Case("FALSE", .bool, "false"),
        Case("yes", .string, "yes"), Case("no", .string, "no"), Case("on", .string, "on"),
        Case("off", .string, "off"), Case("y", .string, "y"), Case("tRUE", .string, "tRUE"),
        // Nulls.
        Case("null", .null, "null"), Case("Null", .null, "null"), Case("NULL", .null, "null"),
        Case("~", .null, "null"), Case("", .null, "null"), Case("nULL", .string, "nULL"),
        // Strings that look like other things in other schemas.
        Case("2024-01-01", .string, "2024-01-01"), Case("8Gi", .string, "8Gi"), Case("=", .string, "="),
        Case("::1", .string, "::1"), Case("a b  c", .string, "a b  c"),
    ]

    @Test(arguments: plain)
    func plainScalars(_ c: Case) throws {
        let s = try value(c.input)
        #expect(s?.tag == c.expected.tag)
        #expect(s?.text == c.expected.text)
    }

    @Test func intsStayExact() throws {
        #expect(try value("10000000000")?.intValue == 10_000_000_000)
        #expect(try value("9007199254740993")?.intValue == 9_007_199_254_740_993)
        #expect(try value("0x7FFFFFFFFFFFFFFF")?.intValue == Int.max)
        // Beyond 64 bits there is no Int, but the digits are kept.
        #expect(try value("99999999999999999999")?.intValue == nil)
        #expect(try value("99999999999999999999")?.text == "99999999999999999999")
    }

    static let quoted: [Case] = [
        Case("'42'", .string, "42"), Case("\"true\"", .string, "true"), Case("'null'", .string, "null"),
        Case("''", .string, ""), Case("\"\"", .string, ""), Case("\"0x1F\"", .string, "0x1F"),
        Case("'~'", .string, "~"), Case("\"1e3\"", .string, "1e3"), Case("'it''s'", .string, "it's"),
        Case("\"a\\tb\\u00e9\\x41\\\"\"", .string, "a\tbéA\""), Case("\"a\\nb\"", .string, "a\nb"),
        Case("'  padded  '", .string, "  padded  "),
    ]

    @Test(arguments: quoted)
    func quotedScalarsAreStrings(_ c: Case) throws {
        #expect(try value(c.input) == c.expected)
    }

    @Test func blockScalarsAreStrings() throws {
        let root = try parse("a: |\n  42\nb: >-\n  true\n  false\nc: |-\n  null\n")
        #expect(root["a"]?.scalar == .string("42\n"))
        #expect(root["b"]?.scalar == .string("true false"))
        #expect(root["c"]?.scalar == .string("null"))
    }

    static let tagged: [Case] = [
        Case("!!str 3", .string, "3"), Case("!!str true", .string, "true"), Case("!!str ~", .string, "~"),
        Case("!!str", .string, ""),
        Case("!!int \"3\"", .int, "3"), Case("!!int '0x10'", .int, "16"), Case("!!int 007", .int, "7"),
        Case("!!float 3", .float, "3"), Case("!!float \"0.25\"", .float, "0.25"),
        Case("!!bool \"true\"", .bool, "true"), Case("!!null \"\"", .null, "null"), Case("!!null ~", .null, "null"),
        Case("!<tag:yaml.org,2002:int> '12'", .int, "12"),
        // The non-specific tag `!` makes a scalar a string.
        Case("! 12", .string, "12"),
        // An application tag carries no type we know; the value reads as written.
        Case("!custom 12", .int, "12"), Case("!custom '12'", .string, "12"),
        Case("!!timestamp 2024-01-01", .string, "2024-01-01"),
    ]

    @Test(arguments: tagged)
    func explicitTags(_ c: Case) throws {
        let s = try value(c.input)
        #expect(s?.tag == c.expected.tag)
        #expect(s?.text == c.expected.text)
    }

    @Test func floatTagOnAnIntegerIsAFloatEqualToTheDecimal() throws {
        let s = try #require(try value("!!float 3"))
        #expect(s == Scalar(tag: .float, text: "3.0"))
        #expect(s != Scalar.int(3))
    }

    @Test func invalidTaggedValueIsAnErrorWithItsPosition() throws {
        let d = parseError("a: 1\nb: !!int abc\n")
        #expect(d?.headline == "test.yaml:2:4: error: \"abc\" is not a valid !!int")
        #expect(d?.location == YAMLModel.SourceLocation(file: "test.yaml", line: 2, column: 4))
        #expect(parseError("x: !!bool yes\n")?.headline == "test.yaml:1:4: error: \"yes\" is not a valid !!bool")
        #expect(parseError("x: !!float 1.2.3\n")?.headline == "test.yaml:1:4: error: \"1.2.3\" is not a valid !!float")
        #expect(parseError("x: !!null 0\n")?.headline == "test.yaml:1:4: error: \"0\" is not a valid !!null")
    }

    @Test func keysAreStringsAsWritten() throws {
        let root = try parse("1: a\ntrue: b\nnull: c\n0x10: d\n\"q\": e\n")
        #expect(keys(root) == ["1", "true", "null", "0x10", "q"])
        #expect(root["0x10"]?.scalar == .string("d"))
    }
}

@Suite("YAML parser: anchors, aliases and merge keys")
struct YAMLParserAnchorTests {
    @Test func aliasesRepeatTheAnchoredValue() throws {
        let root = try parse("""
            base: &b
              cpu: 500m
              memory: 8Gi
            port: &p 8080
            copy: *b
            again: *p
            list: [*p, *b]
            """)
        #expect(root["copy"] == root["base"])
        #expect(keys(root["copy"]) == ["cpu", "memory"])
        #expect(root["again"]?.scalar == .int(8080))
        #expect(root["list"]?.sequence?.count == 2)
        #expect(root["list"]?.sequence?.last == root["base"])
        // An alias's value keeps the position where it was written (its anchor), for provenance.
        #expect(at(root["copy"]) == "1:7")
        #expect(at(root["again"]) == "4:7")
        #expect(at(root["copy"]?["cpu"]) == "2:8")
    }

    @Test func mergeKeyWithOneMapping() throws {
        let root = try parse("""
            defaults: &d
              a: 1
              b: 2
              c: 3
            svc:
              b: explicit-before
              <<: *d
              c: explicit-after
              z: 26
            """)
        let svc = try #require(root["svc"])
        #expect(svc["a"]?.scalar == .int(1))
        #expect(svc["b"]?.scalar == .string("explicit-before"))
        #expect(svc["c"]?.scalar == .string("explicit-after"))
        // Explicit keys stay where they are written; merged ones take the place of `<<`.
        #expect(keys(svc) == ["b", "a", "c", "z"])
        #expect(svc.mapping?.contains("<<") == false)
        // A merged entry keeps the position it was written at.
        #expect(keyAt(svc, "a") == "2:3")
        #expect(at(svc["a"]) == "2:6")
    }

    @Test func mergeKeyWithAListOfMappings() throws {
        let root = try parse("""
            one: &one {a: 1, b: 1}
            two: &two {b: 2, c: 2, d: 2}
            m:
              d: 4
              <<: [*one, *two]
            """)
        let m = try #require(root["m"])
        // Earlier mappings in the list win over later ones; explicit keys over both.
        #expect(m["a"]?.scalar == .int(1))
        #expect(m["b"]?.scalar == .int(1))
        #expect(m["c"]?.scalar == .int(2))
        #expect(m["d"]?.scalar == .int(4))
        #expect(keys(m) == ["d", "a", "b", "c"])
    }

    @Test func taggedMergeKeyMerges() throws {
        // The form generated CRDs use.
        let root = try parse("""
            t: &T
              type: string
              enum: ["", "0", "1"]
            suspend:
              !!merge <<: *T
              description: x
            """)
        let suspend = try #require(root["suspend"])
        #expect(keys(suspend) == ["type", "enum", "description"])
        #expect(suspend["enum"]?.sequence?.count == 3)
        #expect(suspend.mapping?.contains("<<") == false)
    }

    @Test func quotedOrTaggedStringLessLessIsAnOrdinaryKey() throws {
        let root = try parse("m: &m {a: 1}\nx:\n  \"<<\": *m\ny:\n  !!str <<: 5\n")
        #expect(keys(root["x"]) == ["<<"])
        #expect(root["x"]?["<<"] == root["m"])
        #expect(root["y"]?["<<"]?.scalar == .int(5))
    }

    @Test func mergeOfANonMappingIsAnError() throws {
        let d = parseError("a: &a 1\nb:\n  <<: *a\n")
        #expect(d?.headline == "test.yaml:1:4: error: a << merge key needs a mapping or a list of mappings, not a int")
        let d2 = parseError("b:\n  <<: [{x: 1}, 2]\n")
        #expect(d2?.message.contains("<< merge key") == true)
        #expect(d2?.location?.line == 2)
    }

    @Test func unknownAliasIsAnErrorAtTheAlias() throws {
        let d = parseError("a: 1\nb: *nope\n")
        #expect(d?.headline == "test.yaml:2:4: error: alias *nope refers to no anchor defined before it")
        #expect(d?.hint != nil)
        // Anchors do not reach into the next document.
        let d2 = parseError("a: &x 1\n---\nb: *x\n")
        #expect(d2?.location?.line == 3)
    }

    @Test func anchorMayBeRedefined() throws {
        let root = try parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n")
        #expect(root["b"]?.scalar == .int(1))
        #expect(root["d"]?.scalar == .int(2))
    }

    @Test func anchoredKeyKeepsItsTypeWhenAliasedAsAValue() throws {
        let root = try parse("&p 8080: http\nport: *p\nm:\n  *p : again\n")
        #expect(root["8080"]?.scalar == .string("http"))
        #expect(root["port"]?.scalar == .int(8080))
        // As a key, an alias names the same key string, placed where the alias is written.
        #expect(root["m"]?["8080"]?.scalar == .string("again"))
        #expect(keyAt(root["m"], "8080") == "4:3")
        // So a duplicate made with an alias names both places.
        let d = parseError("&k name: a\n*k : b\n")
        #expect(d?.headline == "test.yaml:2:1: error: duplicate key \"name\"; first defined at test.yaml:1:1")
    }

    @Test func aliasOfACollectionAsAKeyIsAnError() throws {
        let d = parseError("a: &m {x: 1}\n*m : 2\n")
        #expect(d?.headline == "test.yaml:2:1: error: a mapping key must be a scalar; *m is a mapping")
        let d2 = parseError("? [a, b]\n: c\n")
        #expect(d2?.headline == "test.yaml:1:3: error: a mapping key must be a scalar, not a list")
    }

    @Test func clickHouseCRDWithAnchorsAndMergeKeys() throws {
        let path = Paths.shared.appendingPathComponent("crds/chop_clickhouseinstallations.clickhouse.altinity.com.yaml").path
        let docs = try SourceFile.parseStream(path)
        #expect(docs.count == 1)
        let crd = try #require(docs.first)
        #expect(crd["kind"]?.stringValue == "CustomResourceDefinition")
        // `clickhouse.altinity.com/chop: 0.25.6` is a plain version string.
        #expect(crd["metadata"]?["labels"]?["clickhouse.altinity.com/chop"]?.scalar == .string("0.25.6"))
        let version = try #require(crd["spec"]?["versions"]?.sequence?.first)
        let spec = try #require(version["schema"]?["openAPIV3Schema"]?["properties"]?["spec"]?["properties"])

        // `stop: &TypeStringBool` defines the enum; `suspend` merges it and sets its own description.
        let stop = try #require(spec["stop"])
        let suspend = try #require(spec["suspend"])
        #expect(keys(stop) == ["type", "description", "enum"])
        #expect(keys(suspend) == ["type", "enum", "description"])
        #expect(suspend["type"]?.scalar == .string("string"))
        #expect(suspend["enum"] == stop["enum"])
        #expect(suspend["enum"]?.sequence?.count == 23)
        // Quoted "Yes", "on" stay strings.
        #expect(suspend["enum"]?.sequence?.contains(Node.scalar(.string("Yes"), at: .generated("t"))) == true)
        #expect(suspend["enum"]?.sequence?.first?.scalar == .string(""))
        #expect(suspend["description"]?.stringValue?.hasPrefix("Suspend reconciliation of resources") == true)
        #expect(stop["description"]?.stringValue?.hasPrefix("Allows to stop all ClickHouse clusters") == true)
        // The merged `type` keeps the line where `stop` wrote it.
        #expect(suspend["type"]?.location.line == 286)
        #expect(suspend["description"]?.location.line == 327)

        // No `<<` survives anywhere, and the tree is much bigger than the text because of aliases.
        func hasMergeKey(_ n: Node) -> Bool {
            switch n.value {
            case .scalar: return false
            case .sequence(let items): return items.contains(where: hasMergeKey)
            case .mapping(let m): return m.contains("<<") || m.entries.values.contains { hasMergeKey($0.value) }
            }
        }
        #expect(!hasMergeKey(crd))
        // `reconcile: !!merge <<: *TypeReconcile` copies the whole `reconciling` block.
        let reconcile = try #require(spec["reconcile"])
        #expect(reconcile["description"]?.stringValue?.hasPrefix("Optional, allows tuning reconciling cycle") == true)
        #expect(reconcile["properties"] == spec["reconciling"]?["properties"])
        #expect(reconcile["properties"] != nil)
    }
}

@Suite("YAML parser: errors")
struct YAMLParserErrorTests {
    @Test func duplicateKeyNamesBothPositions() throws {
        let d = parseError("x: 1\ny: 2\nx: 3\n", file: "base.yaml")
        #expect(d?.headline == "base.yaml:3:1: error: duplicate key \"x\"; first defined at base.yaml:1:1")
        #expect(d?.location == YAMLModel.SourceLocation(file: "base.yaml", line: 3, column: 1))
        #expect(d?.hint != nil)
    }

    @Test func duplicateKeyInANestedListItem() throws {
        let text = """
            spec:
              containers:
              - name: a
                image: x
                name: b
            """
        #expect(parseError(text)?.headline == "test.yaml:5:5: error: duplicate key \"name\"; first defined at test.yaml:3:5")
        #expect(parseError("{a: 1, b: 2, a: 3}")?.headline == "test.yaml:1:14: error: duplicate key \"a\"; first defined at test.yaml:1:2")
        // Spelled differently, the same string.
        #expect(parseError("a: 1\n\"a\": 2\n")?.headline == "test.yaml:2:1: error: duplicate key \"a\"; first defined at test.yaml:1:1")
    }

    @Test func mergedKeysAreNotDuplicates() throws {
        let root = try parse("d: &d {a: 1}\ne:\n  <<: *d\n  a: 2\n")
        #expect(root["e"]?["a"]?.scalar == .int(2))
        // The same key in two documents is fine.
        #expect(try parseStream("a: 1\n---\na: 2\n").count == 2)
    }

    static func aliasBomb(levels: Int = 9, fanOut: Int = 9) -> String {
        var text = "l0: &l0 lol\n"
        for level in 1...levels {
            let refs = Array(repeating: "*l\(level - 1)", count: fanOut).joined(separator: ", ")
            text += "l\(level): &l\(level) [\(refs)]\n"
        }
        return text
    }

    @Test func billionLaughsFailsFast() throws {
        let text = Self.aliasBomb()
        let clock = ContinuousClock()
        var d: Diagnostic?
        let elapsed = clock.measure { d = parseError(text, file: "bomb.yaml") }
        let diag = try #require(d)
        #expect(diag.message.contains("alias"))
        #expect(diag.location?.file == "bomb.yaml")
        // It stops at the level where expansion passes the limit, long before level 9.
        #expect((diag.location?.line ?? 99) < 9)
        #expect(elapsed < .seconds(10))
    }

    @Test func aFewAliasesParse() throws {
        let root = try parse(Self.aliasBomb(levels: 3, fanOut: 4))
        // 4^3 leaves at level 3.
        func leaves(_ n: Node) -> Int { n.sequence.map { $0.reduce(0) { $0 + leaves($1) } } ?? 1 }
        #expect(leaves(try #require(root["l3"])) == 64)
        #expect(root["l3"]?.sequence?.first?.sequence?.first?.sequence?.first?.scalar == .string("lol"))
    }

    @Test func aliasLimitsAreConfigurable() throws {
        var limits = YAMLParser.Limits()
        limits.aliasNodesAlwaysAllowed = 10
        limits.aliasExpansionRatio = 1
        let text = Self.aliasBomb(levels: 3, fanOut: 4)
        let d = parseError(text, parser: YAMLParser(limits: limits))
        #expect(d?.message.contains("alias bomb") == true)
        limits.aliasNodesHardLimit = 50
        limits.aliasNodesAlwaysAllowed = 100_000
        #expect(parseError(text, parser: YAMLParser(limits: limits))?.message.contains("alias") == true)
        #expect(throws: Never.self) { try YAMLParser().parseStream(text, file: "t") }
    }

    @Test func nestingDepthIsBounded() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let d = parseError(deep)
        #expect(d?.headline == "test.yaml:1:513: error: nesting deeper than 512 levels")
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try parse(ok) }
    }

    @Test func unclosedQuoteReportsWhereLibyamlStopped() throws {
        let d = parseError("a: \"unclosed\nb: 2\n")
        #expect(d?.headline == "test.yaml:3:1: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar (which started at line 1, column 4)")
    }

    @Test func badIndentation() throws {
        let d = parseError("a:\n  b: 1\n c: 2\n")
        #expect(d?.headline == "test.yaml:3:2: error: invalid YAML: did not find expected key while parsing a block mapping (which started at line 1, column 1)")
        #expect(parseError("a: b: c\n")?.headline == "test.yaml:1:5: error: invalid YAML: mapping values are not allowed in this context")
        #expect(parseError("- a\nb: 1\n")?.location == YAMLModel.SourceLocation(file: "test.yaml", line: 2, column: 1))
        #expect(parseError("a: [1, 2\n")?.location?.line == 2)
        // A tab used as indentation.
        #expect(parseError("a:\n\tb: 1\n")?.location?.line == 2)
    }

    @Test func controlCharacterIsReportedWhereItIs() throws {
        // libyaml's reader reports a byte offset rather than a mark.
        let d = parseError("a: 1\nb: x\u{1}y\n")
        #expect(d?.headline == "test.yaml:2:5: error: invalid YAML: control characters are not allowed (found U+0001)")
        // Columns count characters, as libyaml's marks do.
        #expect(parseError("é: ü\u{7F}\n")?.location == YAMLModel.SourceLocation(file: "test.yaml", line: 1, column: 5))
        #expect(parseError("a: 1\r\nb: 2\r\nc: \u{80}\n")?.location == YAMLModel.SourceLocation(file: "test.yaml", line: 3, column: 4))
        // NEL ends a line for libyaml.
        #expect(parseError("a: \"x\u{85}y\u{9F}\"\n")?.location == YAMLModel.SourceLocation(file: "test.yaml", line: 2, column: 2))
    }
}
