import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

// Tests of YAMLEmitter: exact Kubernetes-style text, quoting, literal blocks, and the
// round-trip property over thousands of generated trees (also through PyYAML, a YAML 1.1
// reader, when it is installed).

private let here = YAMLModel.SourceLocation.generated("test")

private func str(_ s: String) -> Node { .scalar(.string(s), at: here) }
private func int(_ i: Int) -> Node { .scalar(.int(i), at: here) }
private func list(_ items: [Node]) -> Node { .sequence(items, at: here) }
private func map(_ pairs: [(String, Node)]) -> Node {
    var m = Mapping()
    for (k, v) in pairs { m.set(k, v) }
    return .mapping(m, at: here)
}

private func emit(_ node: Node) -> String { YAMLEmitter().emit(node) }

/// Keys of every mapping in the tree, in order, depth first: `Node ==` ignores key order.
private func keyOrder(_ node: Node) -> [[String]] {
    switch node.value {
    case .scalar: return []
    case .sequence(let items): return items.flatMap(keyOrder)
    case .mapping(let m): return [Array(m.keys)] + m.entries.values.flatMap { keyOrder($0.value) }
    }
}

/// Emits, parses back, and checks the value, the key order and that emitting again gives
/// the same bytes.
@discardableResult
private func expectRoundTrip(_ node: Node, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    let text = emit(node)
    do {
        let back = try parse(text)
        #expect(back == node, "round trip changed the value; emitted:\n\(text)", sourceLocation: sourceLocation)
        #expect(keyOrder(back) == keyOrder(node), "round trip changed key order", sourceLocation: sourceLocation)
        #expect(emit(back) == text, "emitting again changed the text", sourceLocation: sourceLocation)
    } catch {
        Issue.record("emitted text does not parse: \(error)\n\(text)", sourceLocation: sourceLocation)
    }
    return text
}

// MARK: - Random trees

/// Random YAML trees with nasty strings, drawn from TestSupport's SplitMix64 (seeded, the
/// same on every platform).
private struct TreeGenerator {
    var rng: SplitMix64

    /// Characters that trip up YAML writers: indicators, white space, line breaks, quotes,
    /// escapes, controls, non-ASCII and characters YAML treats specially.
    static let alphabet: [String] = [
        "a", "b", "z", "K", "0", "1", "7", "9", "e", "x", "o", "y", "n", ".", "-", "+", "_", "/",
        " ", " ", "  ", "\t", "\n", "\n", "\r", "\r\n", ":", ": ", "#", " #", "'", "\"", "\\", "`",
        "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "?", "~", "=", "<<", "---", "...",
        "é", "ü", "ß", "ключ", "日本", "🙂", "\u{00A0}", "\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}",
        "\u{0}", "\u{1}", "\u{1B}", "\u{7F}", "\u{80}", "\u{9F}", "\u{FFFE}", "\u{FFFD}",
    ]

    /// Whole strings that mean something else to some reader.
    static let lookalikes: [String] = [
        "", "y", "Y", "yes", "No", "on", "OFF", "true", "False", "null", "Null", "~", "=", "<<",
        "1", "-1", "+1", "0777", "0x1F", "-0x1F", "0o17", "-0o17", "0b101", "-0b101", "1_000", "1:20",
        "1.0", "1e3", "1.5e+3", ".5", "-.inf", ".NaN", "2024-01-01", "2001-12-14t21:59:43.10-05:00",
        "0.0.0.0", "::1", "1.2.3", "8Gi", "500m", "-", "--", "---", "- x", "? x", "?", ":", "...",
        "%TAG", "&a", "*a", "!tag", "|", ">", "#c", "a #c", "a: b", "a:", "x ", " x", "\n", "\n\n",
        "a\n", "a\n\n", " a\nb", "a\n b\n", "\ta", "a\t", "a \nb", "<a>\n  <b/>\n</a>\n",
    ]

    mutating func string() -> String {
        if rng.chance(20) { return rng.pick(Self.lookalikes) }
        var s = ""
        for _ in 0..<rng.below(12) { s += rng.pick(Self.alphabet) }
        if rng.chance(10) { s = String(repeating: s + "\n", count: 1 + rng.below(3)) }
        return s
    }

    mutating func scalar() -> Scalar {
        switch rng.below(10) {
        case 0: return .int(Int(truncatingIfNeeded: rng.next()) >> rng.below(64))
        case 1: return Scalar(tag: .int, text: rng.pick(["0", "9007199254740993", "10000000000", "-123456789012345678901234567890"]))
        case 2: return Scalar(tag: .float, text: rng.pick(["0.5", "1e3", "-1.5E-3", ".inf", "-.inf", ".nan", "3.0", "1.", "+2.25", "6.02e+23"]))
        case 3: return .bool(rng.chance(50))
        case 4: return .null
        default: return .string(string())
        }
    }

    mutating func tree(depth: Int = 0) -> Node {
        let kind = depth >= 4 ? 0 : rng.below(depth == 0 ? 3 : 5)
        switch kind {
        case 1:
            var m = Mapping()
            for _ in 0..<rng.below(5) { m.set(rng.chance(80) ? string() : rng.pick(Self.lookalikes), tree(depth: depth + 1)) }
            return .mapping(m, at: here)
        case 2:
            return .sequence((0..<rng.below(5)).map { _ in tree(depth: depth + 1) }, at: here)
        default:
            return .scalar(scalar(), at: here)
        }
    }
}

// MARK: - PyYAML, a YAML 1.1 reader

private enum PyYAML {
    static let available: Bool = {
        guard let out = try? run("import yaml; print('ok')", input: "") else { return false }
        return out == "ok\n"
    }()

    /// Runs python3 with `script`, feeding `input` on stdin; returns stdout.
    static func run(_ script: String, input: String) throws -> String {
        let r = try ExternalTool.run("python3", ["-c", script], input: Data(input.utf8), mergingStandardError: false)
        guard r.status == 0 else {
            throw Diagnostic.error(at: nil, "python3 exited with \(r.status)")
        }
        return r.stdout
    }

    /// Loads every document of `yaml` with PyYAML's safe loader and returns them as trees, with
    /// Python's types mapped onto scalar tags; a non-string key or an unknown type becomes a
    /// string starting with "\u{0}PY:" so that it cannot compare equal to anything we emit.
    static func load(_ yaml: String) throws -> [Node] {
        let script = #"""
        import sys, json, yaml
        def conv(v):
            if isinstance(v, bool): return {"b": v}
            if isinstance(v, int): return {"i": str(v)}
            if isinstance(v, float): return {"f": repr(v)}
            if v is None: return {"n": 0}
            if isinstance(v, str): return {"s": v}
            if isinstance(v, list): return {"l": [conv(x) for x in v]}
            if isinstance(v, dict):
                return {"m": [[k if isinstance(k, str) else "\u0000PY:" + repr(k), conv(x)] for k, x in v.items()]}
            return {"s": "\u0000PY:" + type(v).__name__ + ":" + repr(v)}
        text = sys.stdin.buffer.read().decode("utf-8")
        json.dump([conv(d) for d in yaml.safe_load_all(text)], sys.stdout)
        """#
        let out = try run(script, input: yaml)
        guard let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [Any] else {
            throw Diagnostic.error(at: nil, "python3 wrote no JSON list")
        }
        return try json.map(node)
    }

    private static func node(_ json: Any) throws -> Node {
        guard let d = json as? [String: Any], let (kind, v) = d.first else {
            throw Diagnostic.error(at: nil, "unexpected JSON \(json)")
        }
        switch kind {
        case "b": return .scalar(.bool(v as? Bool ?? false), at: here)
        case "i": return .scalar(Scalar(tag: .int, text: v as? String ?? ""), at: here)
        case "f":
            let r = v as? String ?? ""
            let text = r == "inf" ? ".inf" : r == "-inf" ? "-.inf" : r == "nan" ? ".nan" : r
            return .scalar(Scalar(tag: .float, text: text), at: here)
        case "n": return .scalar(.null, at: here)
        case "s": return .scalar(.string(v as? String ?? ""), at: here)
        case "l": return .sequence(try (v as? [Any] ?? []).map(node), at: here)
        case "m":
            var m = Mapping()
            for pair in v as? [[Any]] ?? [] { m.set(pair[0] as? String ?? "", try node(pair[1])) }
            return .mapping(m, at: here)
        default: throw Diagnostic.error(at: nil, "unexpected JSON kind \(kind)")
        }
    }

    /// The first difference between what we meant and what PyYAML read, or nil.
    static func difference(expected: Node, read: Node, path: String = "$") -> String? {
        switch (expected.value, read.value) {
        case (.scalar(let e), .scalar(let r)):
            if e == r { return nil }
            return "\(path): expected \(e.tag) \(e.text.debugDescription), PyYAML read \(r.tag) \(r.text.debugDescription)"
        case (.sequence(let e), .sequence(let r)):
            guard e.count == r.count else { return "\(path): \(e.count) items, PyYAML read \(r.count)" }
            for (i, (x, y)) in zip(e, r).enumerated() {
                if let d = difference(expected: x, read: y, path: "\(path)[\(i)]") { return d }
            }
            return nil
        case (.mapping(let e), .mapping(let r)):
            guard Array(e.keys) == Array(r.keys) else { return "\(path): keys \(Array(e.keys)), PyYAML read \(Array(r.keys))" }
            for (k, entry) in e.entries {
                if let d = difference(expected: entry.value, read: r[k]!, path: "\(path).\(k.debugDescription)") { return d }
            }
            return nil
        default:
            return "\(path): expected a \(expected.kindName), PyYAML read a \(read.kindName)"
        }
    }
}

// MARK: - Exact text

@Suite("YAML emitter: exact text")
struct YAMLEmitterGoldenTests {
    @Test func kubernetesObject() throws {
        // Written in a mix of styles; emitted in one.
        let input = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: clickhouse, namespace: db, labels: {app: clickhouse, "tier": 'data'}, annotations: {}}
            spec:
                replicas: 3
                selector:
                    matchLabels:
                        app: clickhouse
                template:
                    spec:
                        containers:
                            -   name: server
                                image: "clickhouse/clickhouse-server:24.8"
                                args: ['--config-file', /etc/clickhouse-server/config.xml]
                                ports: [{containerPort: 8123, name: http}, {containerPort: 9000, name: "native"}]
                                env:
                                    - {name: ENABLED, value: "yes"}
                                    - {name: RATIO, value: '0.5'}
                                    - {name: ZERO_PAD, value: "0777"}
                                    - {name: EMPTY, value: ""}
                                resources:
                                    limits: {cpu: 500m, memory: 8Gi}
                                    requests: null
                                volumeMounts: []
                                securityContext: {}
                        tolerations: [[a, b], [], [{key: x}]]
                        terminationGracePeriodSeconds: 10000000000
                        ratio: 0.25
                        enabled: true
                        nothing: ~
                        script: "#!/bin/sh\\nexec clickhouse-server\\n"
            """
        let expected = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: clickhouse
              namespace: db
              labels:
                app: clickhouse
                tier: data
              annotations: {}
            spec:
              replicas: 3
              selector:
                matchLabels:
                  app: clickhouse
              template:
                spec:
                  containers:
                  - name: server
                    image: clickhouse/clickhouse-server:24.8
                    args:
                    - --config-file
                    - /etc/clickhouse-server/config.xml
                    ports:
                    - containerPort: 8123
                      name: http
                    - containerPort: 9000
                      name: native
                    env:
                    - name: ENABLED
                      value: "yes"
                    - name: RATIO
                      value: "0.5"
                    - name: ZERO_PAD
                      value: "0777"
                    - name: EMPTY
                      value: ""
                    resources:
                      limits:
                        cpu: 500m
                        memory: 8Gi
                      requests: null
                    volumeMounts: []
                    securityContext: {}
                  tolerations:
                  - - a
                    - b
                  - []
                  - - key: x
                  terminationGracePeriodSeconds: 10000000000
                  ratio: 0.25
                  enabled: true
                  nothing: null
                  script: |
                    #!/bin/sh
                    exec clickhouse-server

            """
        let node = try parse(input)
        #expect(emit(node) == expected)
        expectRoundTrip(node)
    }

    @Test func builtTreeKeepsInsertionOrder() {
        let node = map([
            ("zeta", int(1)),
            ("alpha", map([("b", list([])), ("a", map([]))])),
            ("mid", list([map([("w", int(2)), ("x", list([int(3), list([str("deep")])]))]), .scalar(.null, at: here)])),
        ])
        #expect(emit(node) == """
            zeta: 1
            alpha:
              b: []
              a: {}
            mid:
            - w: 2
              x:
              - 3
              - - deep
            - null

            """)
        expectRoundTrip(node)
    }

    @Test func scalarTypes() throws {
        let node = map([
            ("huge", .scalar(Scalar(tag: .int, text: "9007199254740993"), at: here)),
            ("bigger", .scalar(Scalar(tag: .int, text: "123456789012345678901234567890"), at: here)),
            ("hex", try parse("0x1F")),
            ("float", try parse("1e3")),
            ("inf", try parse("-.inf")),
            ("tagged", try parse("!!float 3")),
            ("taggedNegative", try parse("!!float -12")),
            ("taggedHex", try parse("!!float 0x10000000000000000")),
            ("bool", .scalar(.bool(false), at: here)),
            ("null", .scalar(.null, at: here)),
            ("numberString", str("42")),
        ])
        #expect(emit(node) == """
            huge: 9007199254740993
            bigger: 123456789012345678901234567890
            hex: 31
            float: 1.0e+3
            inf: -.inf
            tagged: 3.0
            taggedNegative: -12.0
            taggedHex: 1.8446744073709552e+19
            bool: false
            "null": null
            numberString: "42"

            """)
        expectRoundTrip(node)
        #expect(try parse(emit(node))["tagged"]?.scalar?.tag == .float)
    }

    @Test func topLevelValuesAndStreams() throws {
        #expect(emit(map([])) == "{}\n")
        #expect(emit(list([])) == "[]\n")
        #expect(emit(.scalar(.null, at: here)) == "null\n")
        #expect(emit(str("yes")) == "\"yes\"\n")
        #expect(emit(str("plain text")) == "plain text\n")
        #expect(emit(str("a\nb")) == "|-\n  a\n  b\n")
        #expect(emit(list([str("a"), list([])])) == "- a\n- []\n")
        let stream = YAMLEmitter().emitStream([map([("a", int(1))]), list([str("x")]), str("s\n")])
        #expect(stream == "a: 1\n---\n- x\n---\n|\n  s\n")
        let docs = try parseStream(stream)
        #expect(docs == [map([("a", int(1))]), list([str("x")]), str("s\n")])
    }

    @Test func emittingTwiceGivesTheSameBytes() throws {
        var gen = TreeGenerator(rng: SplitMix64(seed: 7))
        for _ in 0..<200 {
            let tree = gen.tree()
            #expect(Array(emit(tree).utf8) == Array(emit(tree).utf8))
        }
        let crd = try SourceFile.parseStream(Paths.shared.appendingPathComponent("crds/chop_clickhouseinstallations.clickhouse.altinity.com.yaml").path)
        #expect(YAMLEmitter().emitStream(crd) == YAMLEmitter().emitStream(crd))
    }
}

// MARK: - Quoting

@Suite("YAML emitter: quoting")
struct YAMLEmitterQuotingTests {
    /// Strings a YAML 1.1 or 1.2 reader would read as something else, or that cannot be plain.
    static let mustQuote: [String] = [
        "y", "Y", "yes", "Yes", "on", "ON", "off", "no", "n", "1.0", "0777", "0x1F", "1e3", "2024-01-01",
        "null", "Null", "true", "False", "", "~", "=", "<<", " leading", "trailing ", "a: b", "a #b", "- x",
        "*x", "&x", "{x}", "[x]", "#x", "@x", "`x", "%x", "!x", "|x", ">x", "'x", "\"x", "?", "? x", "-", ":",
        "a:", "---", "...", ",x", "]", "42", "-17", "+5", ".5", "-.inf", ".NaN", "1_000", "1:20", "0b101",
        "-0b101", "+0b11", "-0o17", "0o17", "-0x1F", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
        "0.", "1.5e+3", "12e", "\t", "a\tb",
    ]

    /// Strings that stay plain, and read back as the same string everywhere.
    static let plain: [String] = [
        "0.0.0.0", "::1", "8Gi", "500m", "clickhouse-{chi}", "src.trace_server:app", "--host", "http://x.y/z",
        "a-b", "10.0.0.1", "1.2.3", "a b", "a#b", "a:b", "-x", "?x", ":x", "é", "日本", "x=y", "100%", "a'b",
        "a\"b", "a,b", "a[0]", "Yess", "nulls", "true-ish", "0xZZ", ".", "1.2.3.4.5", "v1.25.3", "12h", "~x",
    ]

    /// The double-quoted form of `s` as the emitter writes it (only `"` and `\` need escapes here,
    /// plus tab).
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\t", with: "\\t") + "\""
    }

    @Test(arguments: mustQuote)
    func quotedAsValueKeyAndItem(_ s: String) throws {
        let q = Self.quoted(s)
        #expect(emit(map([("k", str(s))])) == "k: \(q)\n")
        #expect(emit(map([(s, int(1))])) == "\(q): 1\n")
        #expect(emit(list([str(s)])) == "- \(q)\n")
        #expect(try parse("k: \(q)")["k"]?.scalar == .string(s))
        expectRoundTrip(map([("k", str(s)), (s, list([str(s)]))]))
    }

    @Test(arguments: plain)
    func plainAsValueKeyAndItem(_ s: String) throws {
        #expect(emit(map([("k", str(s))])) == "k: \(s)\n")
        #expect(emit(map([(s, int(1))])) == "\(s): 1\n")
        #expect(emit(list([str(s)])) == "- \(s)\n")
        expectRoundTrip(map([("k", str(s)), (s, list([str(s)]))]))
    }

    @Test func keyThatIsAYAML11BooleanIsQuoted() throws {
        // `y: 2` is `true: 2` to go-yaml v2.
        #expect(emit(map([("y", int(2)), ("x", int(1))])) == "\"y\": 2\nx: 1\n")
    }

    @Test func colonColonOneIsPlainAndReadsBack() throws {
        // `::1`: a leading `:` followed by a non-space is an ordinary plain character.
        #expect(emit(map([("bind", str("::1"))])) == "bind: ::1\n")
        #expect(try parse("bind: ::1\n")["bind"]?.scalar == .string("::1"))
    }

    @Test func escapes() {
        #expect(emit(map([("k", str("a\r\nb"))])) == "k: \"a\\r\\nb\"\n")
        #expect(emit(map([("k", str("bell\u{7}nul\u{0}esc\u{1B}del\u{7F}"))])) == "k: \"bell\\x07nul\\x00esc\\x1Bdel\\x7F\"\n")
        #expect(emit(map([("k", str("nel\u{85}ls\u{2028}ps\u{2029}bom\u{FEFF}"))])) == "k: \"nel\\Nls\\Lps\\Pbom\\uFEFF\"\n")
        // C1 controls and U+FFFE/U+FFFF are not printable YAML: readers reject them raw.
        #expect(emit(map([("k", str("c1\u{80}\u{9F}x\u{FFFE}\u{FFFF}"))])) == "k: \"c1\\x80\\x9Fx\\uFFFE\\uFFFF\"\n")
        #expect(emit(map([("a\nb", str("x\\y"))])) == "\"a\\nb\": x\\y\n")
        for s in ["a\r\nb", "bell\u{7}nul\u{0}", "nel\u{85}ls\u{2028}ps\u{2029}bom\u{FEFF}", "c1\u{80}\u{9F}x\u{FFFE}\u{FFFF}", "\u{FEFF}x"] {
            expectRoundTrip(map([("k", str(s)), (s, str(s))]))
        }
        // Other non-ASCII text stays as it is.
        #expect(emit(map([("k", str("ünïcødé \u{A0}🙂"))])) == "k: ünïcødé \u{A0}🙂\n")
    }

    @Test func longKeysUseTheExplicitForm() throws {
        // Readers accept implicit keys of at most 1024 characters.
        let short = String(repeating: "k", count: 999)
        let long = String(repeating: "k", count: 1100)
        #expect(emit(map([(short, int(1))])) == "\(short): 1\n")
        #expect(emit(map([(long, int(1))])) == "? \(long)\n: 1\n")
        #expect(emit(map([("a", map([(long, map([("x", int(1)), ("y", int(2))]))]))])) == "a:\n  ? \(long)\n  : x: 1\n    \"y\": 2\n")
        #expect(emit(list([map([(long, list([str("p"), str("q")])), ("z", int(0))])])) == "- ? \(long)\n  : - p\n    - q\n  z: 0\n")
        expectRoundTrip(map([
            (long, str("v")), (long + "\n", map([(long, str(" lit\nx\n"))])), ("end", list([map([(long + "#", list([]))])])),
        ]))
    }

    @Test(.enabled(if: PyYAML.available, "needs python3 with PyYAML"))
    func yaml11ReaderReadsEveryStringAsAString() throws {
        var gen = TreeGenerator(rng: SplitMix64(seed: 11))
        let strings = Self.mustQuote + Self.plain + TreeGenerator.lookalikes + (0..<3000).map { _ in gen.string() }
        let node = list(strings.map(str))
        let keyed = map(strings.enumerated().map { ($0.element, int($0.offset)) })
        let read = try PyYAML.load(YAMLEmitter().emitStream([node, keyed]))
        try #require(read.count == 2)
        #expect(PyYAML.difference(expected: node, read: read[0]) == nil)
        #expect(PyYAML.difference(expected: keyed, read: read[1]) == nil)
    }
}

// MARK: - Literal blocks

@Suite("YAML emitter: multi-line strings")
struct YAMLEmitterLiteralTests {
    @Test func chomping() {
        #expect(emit(map([("k", str("a\nb\n"))])) == "k: |\n  a\n  b\n")
        #expect(emit(map([("k", str("a\nb"))])) == "k: |-\n  a\n  b\n")
        #expect(emit(map([("k", str("a\nb\n\n\n"))])) == "k: |+\n  a\n  b\n\n\n")
        #expect(emit(map([("k", str("a\nb\n\n")), ("next", int(1))])) == "k: |+\n  a\n  b\n\nnext: 1\n")
        #expect(emit(map([("k", str("\n\nstarts after blank lines\n"))])) == "k: |\n\n\n  starts after blank lines\n")
        #expect(emit(map([("k", str("para\n\npara"))])) == "k: |-\n  para\n\n  para\n")
        for s in ["a\nb\n", "a\nb", "a\nb\n\n\n", "\n\nx\n", "para\n\npara", "a\n\n\nb\n\n"] {
            expectRoundTrip(map([("k", str(s)), ("next", int(1))]))
        }
    }

    @Test func indentationIndicatorWhenTheFirstLineStartsWithSpaces() {
        #expect(emit(map([("k", str("  indented\nnext\n"))])) == "k: |2\n    indented\n  next\n")
        #expect(emit(map([("k", str("\n   late indent"))])) == "k: |2-\n\n     late indent\n")
        #expect(emit(map([("a", map([("k", str(" x\ny"))]))])) == "a:\n  k: |2-\n     x\n    y\n")
        for s in ["  indented\nnext\n", "\n   late indent", " x\ny", "    four\n  two\n"] {
            expectRoundTrip(map([("a", map([("k", str(s))])), ("l", list([str(s), list([str(s)])]))]))
        }
    }

    @Test func whatALiteralCannotHoldIsDoubleQuoted() {
        // A line ending in white space would be trimmed by readers.
        #expect(emit(map([("k", str("trailing \nspace\n"))])) == "k: \"trailing \\nspace\\n\"\n")
        #expect(emit(map([("k", str("last line \n"))])) == "k: \"last line \\n\"\n")
        #expect(emit(map([("k", str("tab\t\nx"))])) == "k: \"tab\\t\\nx\"\n")
        // Carriage returns and control characters need escapes.
        #expect(emit(map([("k", str("dos\r\nline\r\n"))])) == "k: \"dos\\r\\nline\\r\\n\"\n")
        #expect(emit(map([("k", str("ctl\u{1}\nx"))])) == "k: \"ctl\\x01\\nx\"\n")
        // Only line breaks.
        #expect(emit(map([("k", str("\n"))])) == "k: \"\\n\"\n")
        #expect(emit(map([("k", str("\n\n"))])) == "k: \"\\n\\n\"\n")
        // Keys are never literal blocks.
        #expect(emit(map([("a\nb\n", int(1))])) == "\"a\\nb\\n\": 1\n")
        for s in ["trailing \nspace\n", "last line \n", "tab\t\nx", "dos\r\nline\r\n", "ctl\u{1}\nx", "\n", "\n\n", " \n", "a\n "] {
            expectRoundTrip(map([("k", str(s)), (s, list([str(s)]))]))
        }
    }

    @Test func contentThatLooksLikeYAMLStaysContent() {
        let s = "key: value\n- item\n# not a comment\n---\n...\n  &anchor *alias\n\"quoted\" 'single'\n"
        #expect(emit(map([("k", str(s))])) == """
            k: |
              key: value
              - item
              # not a comment
              ---
              ...
                &anchor *alias
              "quoted" 'single'

            """)
        expectRoundTrip(map([("k", str(s))]))
        expectRoundTrip(list([str(s)]))
        expectRoundTrip(str(s))
    }

    static let clickHouseConfig = """
        <clickhouse>
            <logger>
                <level>information</level>
                <console>1</console>
            </logger>
            <!-- ports: 8123 http, 9000 native -->
            <http_port>8123</http_port>
            <remote_servers>
                <default>
                    <shard><replica><host>chi-0-0</host><port>9000</port></replica></shard>
                </default>
            </remote_servers>
            <macros replica="{replica}" shard="{shard}"/>
        </clickhouse>

        """

    @Test func embeddedXMLIsAReadableLiteral() throws {
        let configMap = map([
            ("apiVersion", str("v1")),
            ("kind", str("ConfigMap")),
            ("metadata", map([("name", str("clickhouse-{chi}"))])),
            ("data", map([("config.xml", str(Self.clickHouseConfig)), ("users.xml", str("<users/>"))])),
        ])
        let indented = Self.clickHouseConfig.split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        let text = emit(configMap)
        #expect(text == """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: clickhouse-{chi}
            data:
              config.xml: |
            \(indented)
              users.xml: <users/>

            """)
        let back = try parse(text)
        #expect(back["data"]?["config.xml"]?.stringValue == Self.clickHouseConfig)
        expectRoundTrip(configMap)
    }

    @Test func literalsAsListItemsAndInMapsInLists() throws {
        let node = map([
            ("args", list([str("-c"), str("set -e\necho hi\n"), str("x\ny")])),
            ("files", list([map([("path", str("/etc/a.xml")), ("content", str("<a>\n  <b/>\n</a>\n"))])])),
            ("nested", list([list([str("one\ntwo\n")])])),
        ])
        #expect(emit(node) == """
            args:
            - -c
            - |
              set -e
              echo hi
            - |-
              x
              y
            files:
            - path: /etc/a.xml
              content: |
                <a>
                  <b/>
                </a>
            nested:
            - - |
                one
                two

            """)
        expectRoundTrip(node)
        expectRoundTrip(list([map([("a", list([map([("b", str("deep\n  er\n"))])]))])]))
    }
}

// MARK: - Round-trip property

@Suite("YAML emitter: round trip of generated trees")
struct YAMLRoundTripPropertyTests {
    static func trees(seed: UInt64, count: Int) -> [Node] {
        var gen = TreeGenerator(rng: SplitMix64(seed: seed))
        return (0..<count).map { _ in gen.tree() }
    }

    @Test func generatorIsDeterministicAndVaried() {
        let a = Self.trees(seed: 42, count: 50), b = Self.trees(seed: 42, count: 50)
        #expect(a.map(emit) == b.map(emit))
        #expect(Self.trees(seed: 43, count: 50).map(emit) != a.map(emit))
        let all = Self.trees(seed: 1, count: 500)
        #expect(all.filter { $0.mapping != nil }.count > 50)
        #expect(all.filter { $0.sequence != nil }.count > 50)
        #expect(all.filter { $0.size > 10 }.count > 50)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func emitParseIsIdentityAndEmitIsIdempotent(seed: UInt64) throws {
        var failures = 0
        for (i, tree) in Self.trees(seed: seed, count: 1_000).enumerated() {
            let text = emit(tree)
            #expect(emit(tree) == text)
            do {
                let back = try parse(text)
                let same = back == tree && keyOrder(back) == keyOrder(tree) && emit(back) == text
                if !same {
                    failures += 1
                    if failures <= 3 {
                        Issue.record("seed \(seed) tree \(i) does not round-trip; emitted:\n\(text)\nre-emitted:\n\(emit(back))")
                    }
                }
            } catch {
                failures += 1
                if failures <= 3 { Issue.record("seed \(seed) tree \(i): \(error)\n\(text)") }
            }
        }
        #expect(failures == 0)
    }

    @Test func streamsRoundTrip() throws {
        let trees = Self.trees(seed: 99, count: 300)
        let text = YAMLEmitter().emitStream(trees)
        let back = try parseStream(text)
        #expect(back == trees)
        #expect(YAMLEmitter().emitStream(back) == text)
    }

    @Test(.enabled(if: PyYAML.available, "needs python3 with PyYAML"))
    func yaml11ReaderReadsGeneratedTreesTheSame() throws {
        let trees = Self.trees(seed: 5, count: 2_000)
        let read = try PyYAML.load(YAMLEmitter().emitStream(trees))
        try #require(read.count == trees.count)
        var failures = 0
        for (i, (tree, other)) in zip(trees, read).enumerated() {
            if let d = PyYAML.difference(expected: tree, read: other) {
                failures += 1
                if failures <= 3 { Issue.record("tree \(i): \(d)\n\(emit(tree))") }
            }
        }
        #expect(failures == 0)
    }

    @Test(.enabled(if: PyYAML.available, "needs python3 with PyYAML"))
    func clickHouseCRDReadsTheSameAsPyYAML() throws {
        let path = Paths.shared.appendingPathComponent("crds/chop_clickhouseinstallations.clickhouse.altinity.com.yaml").path
        let ours = try SourceFile.parseStream(path)
        let theirs = try PyYAML.load(try SourceFile.read(path))
        #expect(ours == theirs)
        // And what we emit reads the same again.
        #expect(try PyYAML.load(YAMLEmitter().emitStream(ours)) == ours)
    }

    @Test func sharedCRDsRoundTrip() throws {
        let dir = Paths.shared.appendingPathComponent("crds")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 5)
        for file in files {
            let docs = try SourceFile.parseStream(dir.appendingPathComponent(file).path)
            let text = YAMLEmitter().emitStream(docs)
            let back = try parseStream(text, file: file)
            #expect(back == docs, "\(file)")
            #expect(back.map(keyOrder) == docs.map(keyOrder), "\(file)")
            #expect(YAMLEmitter().emitStream(back) == text, "\(file)")
        }
    }
}
