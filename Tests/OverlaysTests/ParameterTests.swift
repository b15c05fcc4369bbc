import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// `${name}` placeholders: typed substitution, interpolation, escapes, and every error with
/// its position. Each test writes a small source (project file, one base file, one
/// environment) and renders it.
@Suite("Parameters")
struct ParameterTests {
    typealias C = RenderCheck

    /// The project file; its lines, for positions:
    ///
    ///      2   bucket:            (key at 2:3)
    ///      4   replicas:          (key at 4:3)
    ///      6     default: 1       (value at 6:14)
    ///     12     default: [--verbose]
    static let projectFile = """
        parameters:
          bucket:
            type: string
          replicas:
            type: int
            default: 1
          debug:
            type: bool
            default: false
          args:
            type: list
            default: [--verbose]
          version:
            type: string
            default: "25.10"

        """

    /// The first five lines of every base file; the test's lines start at line 6.
    static let header = """
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w
        spec:

        """

    static let base = "base/widget.yaml"
    static let env = "environments/test.yaml"

    /// A source with the project file, `spec` lines (from line 6 of the base) and an environment.
    static func source(spec: String, environment: String, layers: [String: String] = [:]) throws -> WeaveSource {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", projectFile)
        try s.write(base, header + spec)
        try s.write(env, environment)
        for (path, text) in layers { try s.write(path, text) }
        return s
    }

    static func widget(_ outcome: Renderer.Outcome, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Node {
        try #require(!outcome.failed, "\(outcome.diagnostics.map(\.description))", sourceLocation: sourceLocation)
        return try C.resource(outcome.resources, "Widget", sourceLocation: sourceLocation)
    }

    // MARK: Substitution

    @Test("a scalar that is exactly ${name} takes the value with its type")
    func wholeScalarKeepsType() throws {
        let s = try Self.source(spec: """
              bucket: ${bucket}
              replicas: ${replicas}
              debug: ${debug}
              args: ${args}
              quoted: "${replicas}"
              inList: ["${bucket}", "${replicas}"]

            """, environment: """
            parameters:
              bucket: weave
              replicas: 3
              debug: true
              args: [--a, --b]

            """)
        let outcome = try s.render("test")
        let w = try Self.widget(outcome)
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        C.expect(w, "spec.bucket", "weave")
        C.expect(w, "spec.replicas", "3")
        C.expect(w, "spec.debug", "true")
        C.expect(w, "spec.args", "[--a, --b]")
        C.expect(w, "spec.quoted", "3")
        C.expect(w, "spec.inList", "[weave, 3]")
        #expect(YAMLEmitter().emit(w).hasSuffix("""
            spec:
              bucket: weave
              replicas: 3
              debug: true
              args:
              - --a
              - --b
              quoted: 3
              inList:
              - weave
              - 3

            """))
    }

    @Test("inside a longer string, string, int and bool values are interpolated as text")
    func interpolation() throws {
        let s = try Self.source(spec: """
              image: clickhouse/clickhouse-keeper:${version}
              url: s3://${bucket}/r${replicas}/debug=${debug}
              count: ${replicas}0
              xml: |
                <bucket>${bucket}</bucket>

            """, environment: "parameters:\n  bucket: weave\n  replicas: 3\n  debug: true\n")
        let w = try Self.widget(try s.render("test"))
        C.expect(w, "spec.image", "clickhouse/clickhouse-keeper:25.10")
        C.expect(w, "spec.url", "s3://weave/r3/debug=true")
        C.expect(w, "spec.count", "\"30\"")
        C.expect(w, "spec.xml", "\"<bucket>weave</bucket>\\n\"")
    }

    @Test("$${ writes a literal ${, and a lone $ stays")
    func escape() throws {
        let s = try Self.source(spec: """
              literal: $${HOME}/data
              both: $${bucket}=${bucket}
              dollars: cost $5, $ {x} and $$
              unclosed: $${not a placeholder

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        let w = try Self.widget(outcome)
        #expect(outcome.diagnostics.isEmpty, "\(outcome.diagnostics.map(\.description))")
        C.expect(w, "spec.literal", "\"${HOME}/data\"")
        C.expect(w, "spec.both", "\"${bucket}=weave\"")
        C.expect(w, "spec.dollars", "cost $5, $ {x} and $$")
        C.expect(w, "spec.unclosed", "\"${not a placeholder\"")
    }

    @Test("placeholders in a layer's resources, patches and JSON patches are substituted")
    func layers() throws {
        let s = try Self.source(spec: "  size: 1\n", environment: """
            layers: [tier]
            parameters:
              bucket: weave
              replicas: 5

            """, layers: [
                "layers/tier/resources/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${bucket}-config\ndata:\n  bucket: ${bucket}\n",
                "layers/tier/patches/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  replicas: ${replicas}\n",
                "layers/tier/json-patches/widget.yaml": "target: {apiVersion: example.com/v1, kind: Widget, name: w}\npatch:\n- op: add\n  path: /spec/args\n  value: ${args}\n",
            ])
        let outcome = try s.render("test")
        let w = try Self.widget(outcome)
        C.expect(w, "spec.replicas", "5")
        C.expect(w, "spec.args", "[--verbose]")
        let cm = try C.resource(outcome.resources, "ConfigMap")
        C.expect(cm, "metadata.name", "weave-config")
        C.expect(cm, "data.bucket", "weave")
    }

    @Test("defaults apply when the environment sets nothing")
    func defaults() throws {
        let s = try Self.source(spec: """
              bucket: ${bucket}
              replicas: ${replicas}
              debug: ${debug}
              args: ${args}
              version: ${version}

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        let w = try Self.widget(outcome)
        #expect(outcome.diagnostics.isEmpty)
        C.expect(w, "spec.replicas", "1")
        C.expect(w, "spec.debug", "false")
        C.expect(w, "spec.args", "[--verbose]")
        C.expect(w, "spec.version", "\"25.10\"")
        #expect(outcome.parameters.map(\.name) == ["bucket", "replicas", "debug", "args", "version"])
    }

    @Test("an environment's value overrides the default")
    func overrideDefault() throws {
        let s = try Self.source(spec: "  version: ${version}\n  bucket: ${bucket}\n",
                                environment: "parameters:\n  bucket: weave\n  version: \"26.1\"\n")
        C.expect(try Self.widget(try s.render("test")), "spec.version", "\"26.1\"")
    }

    @Test("a substituted value is located at the environment's value, having replaced the placeholder")
    func provenance() throws {
        let s = try Self.source(spec: """
              replicas: ${replicas}
              bucket: ${bucket}
              version: ${version}
              label: v${version}

            """, environment: """
            parameters:
              replicas: 3
              bucket: weave

            """)
        let w = try Self.widget(try s.render("test"))
        let replicas = try #require(C.value(w, "spec.replicas"))
        #expect(replicas.location == s.location(Self.env, 2, 13))
        #expect(replicas.provenance == [s.location(Self.env, 2, 13), s.location(Self.base, 6, 13)])
        let bucket = try #require(C.value(w, "spec.bucket"))
        #expect(bucket.location == s.location(Self.env, 3, 11))
        // A default is located in the project file.
        let version = try #require(C.value(w, "spec.version"))
        #expect(version.location == s.location("gitops-weave.yaml", 15, 14))
        #expect(version.provenance.last == s.location(Self.base, 8, 12))
        // An interpolated string stays where it was written.
        #expect(try #require(C.value(w, "spec.label")).location == s.location(Self.base, 9, 10))
    }

    // MARK: Errors

    @Test("an undeclared placeholder in a base file: error at that scalar")
    func undeclaredPlaceholder() throws {
        let s = try Self.source(spec: """
              bucket: ${bucket}
              other: ${nope}

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == ["\(s.at(Self.base, 7, 10)): error: undeclared parameter \"nope\""])
        #expect(outcome.diagnostics.first?.hint == "declare it under parameters: in gitops-weave.yaml")
        #expect(outcome.resources.isEmpty)
    }

    @Test("an undeclared placeholder near a declared name suggests it; every bad placeholder is reported")
    func undeclaredPlaceholderHint() throws {
        let s = try Self.source(spec: """
              a: s3://${bucekt}/data
              b: ${replica}
              c: ${debug}

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.base, 6, 6)): error: undeclared parameter \"bucekt\"",
            "\(s.at(Self.base, 7, 6)): error: undeclared parameter \"replica\"",
        ])
        #expect(outcome.diagnostics.map(\.hint) == [
            "did you mean \"bucket\"? Or declare it under parameters: in gitops-weave.yaml",
            "did you mean \"replicas\"? Or declare it under parameters: in gitops-weave.yaml",
        ])
    }

    @Test("an undeclared placeholder in a layer patch: error in the layer file")
    func undeclaredPlaceholderInLayer() throws {
        let s = try Self.source(spec: "  size: 1\n", environment: "layers: [tier]\n", layers: [
            "layers/tier/patches/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: ${sizes}\n",
        ])
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == ["\(s.at("layers/tier/patches/widget.yaml", 6, 9)): error: undeclared parameter \"sizes\""])
    }

    @Test("an environment setting an undeclared parameter: error at its value")
    func undeclaredInEnvironment() throws {
        let s = try Self.source(spec: "  bucket: ${bucket}\n", environment: """
            parameters:
              bucket: weave
              nope: 1
              bukcet: other

            """)
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.env, 3, 9)): error: undeclared parameter \"nope\"",
            "\(s.at(Self.env, 4, 11)): error: undeclared parameter \"bukcet\"",
        ])
        #expect(outcome.diagnostics.map(\.hint) == [
            "declare it under parameters: in \(s.display("gitops-weave.yaml"))",
            "did you mean \"bucket\"? Or declare it under parameters: in \(s.display("gitops-weave.yaml"))",
        ])
        #expect(outcome.resources.isEmpty)
    }

    @Test("a required parameter without a value: error at the placeholder, naming the environment file, once")
    func missingParameter() throws {
        let s = try Self.source(spec: """
              size: 1
              bucket: ${bucket}
              url: s3://${bucket}/data

            """, environment: "description: no bucket\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.base, 7, 11)): error: parameter \"bucket\" has no value: \(s.display(Self.env)) does not set it and it has no default",
        ])
        #expect(outcome.diagnostics.first?.hint
                == "set bucket under parameters: in \(s.display(Self.env)), or give it a default at \(s.at("gitops-weave.yaml", 2, 3))")
        #expect(outcome.resources.isEmpty)
    }

    @Test("an environment written as <name>.yml is named as such")
    func ymlEnvironment() throws {
        let s = try Self.source(spec: "  bucket: ${bucket}\n", environment: "")
        try s.remove(Self.env)
        try s.write("environments/test.yml", "description: no bucket\n")
        #expect(try s.project().environmentNames() == ["test"])
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.base, 6, 11)): error: parameter \"bucket\" has no value: \(s.display("environments/test.yml")) does not set it and it has no default",
        ])
    }

    @Test("an unknown key in an environment file suggests the close one")
    func unknownEnvironmentKey() throws {
        let s = try Self.source(spec: "  size: 1\n", environment: "layer: [tier]\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == ["\(s.at(Self.env, 1, 1)): error: unknown key \"layer\" in an environment file"])
        // A project with no stack: only the engine's keys.
        #expect(outcome.diagnostics.first?.hint == "did you mean \"layers\"? an environment file takes allowPlaintextSecrets, description, external, kustomize, labels, layers, parameters, rules, target")
        // With the Weave stack, its settings are keys too.
        try s.write("gitops-weave.yaml", "stacks: [weave]\n" + Self.projectFile)
        let weave = try s.render("test")
        #expect(weave.diagnostics.first?.hint == "did you mean \"layers\"? an environment file takes allowPlaintextSecrets, description, external, kustomize, labels, layers, nodes, parameters, platform, rules, target")
    }

    @Test("a required parameter nothing uses needs no value")
    func unusedRequired() throws {
        let s = try Self.source(spec: "  size: 1\n", environment: "description: nothing set\n")
        let outcome = try s.render("test")
        #expect(outcome.diagnostics.isEmpty)
        #expect(outcome.resources.count == 1)
    }

    @Test("values of the wrong type: an error at each value")
    func wrongType() throws {
        let s = try Self.source(spec: "  bucket: ${bucket}\n", environment: """
            parameters:
              bucket: 12
              replicas: three
              debug: "true"
              args: --x

            """)
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.env, 2, 11)): error: parameter \"bucket\" expects a string, not an int",
            "\(s.at(Self.env, 3, 13)): error: parameter \"replicas\" expects an int, not a string",
            "\(s.at(Self.env, 4, 10)): error: parameter \"debug\" expects a bool, not a string",
            "\(s.at(Self.env, 5, 9)): error: parameter \"args\" expects a list, not a string",
        ])
        #expect(outcome.diagnostics.first?.hint == "bucket is declared as string at \(s.at("gitops-weave.yaml", 2, 3)); quote the value to make it a string")
        #expect(outcome.diagnostics[1].hint == "replicas is declared as int at \(s.at("gitops-weave.yaml", 4, 3))")
        #expect(outcome.resources.isEmpty)
    }

    @Test("a list parameter inside a longer string is an error at that scalar")
    func listInString() throws {
        let s = try Self.source(spec: """
              whole: ${args}
              flags: --x ${args}

            """, environment: "parameters:\n  args: [--a]\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == [
            "\(s.at(Self.base, 7, 10)): error: parameter \"args\" is a list and cannot be part of a longer string",
        ])
        #expect(outcome.diagnostics.first?.hint == "use ${args} as the whole value")
    }

    @Test("an unterminated ${ is an error at that scalar")
    func unterminated() throws {
        let s = try Self.source(spec: """
              ok: ${bucket}
              bad: "s3://${bucket/data"

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == ["\(s.at(Self.base, 7, 8)): error: unterminated placeholder in \"s3://${bucket/data\""])
        #expect(outcome.diagnostics.first?.hint == "write ${name}, or $${ for a literal ${")
    }

    @Test("render-info.txt escapes string values, so each parameter stays on one line")
    func metadataEscapes() throws {
        let s = try Self.source(spec: "  name: ${bucket}\n", environment: "parameters:\n  bucket: \"a \\\"quoted\\\" b\\nc\"\n")
        let outcome = try s.render("test")
        let env = RenderedEnvironment(outcome, stacks: [WeaveStack()], provenance: .init(sourceRevision: nil, sourceDirty: false))
        let info = try #require(env.files.first { $0.path == RenderedEnvironment.metadataFile }).contents
        #expect(info.contains("\n  bucket: \"a \\\"quoted\\\" b\\nc\"\n"), "\(info)")
    }

    @Test("a placeholder in a mapping key is an error at the key, not silently kept")
    func placeholderInKey() throws {
        let s = try Self.source(spec: """
              labels:
                ${bucket}: yes

            """, environment: "parameters:\n  bucket: weave\n")
        let outcome = try s.render("test")
        #expect(C.headlines(outcome) == ["\(s.at(Self.base, 7, 5)): error: placeholders are not substituted in mapping keys: \"${bucket}\""])
    }

    @Test("a value the environment sets that nothing uses is a warning, and the render succeeds")
    func unusedValue() throws {
        let s = try Self.source(spec: "  bucket: ${bucket}\n", environment: """
            parameters:
              bucket: weave
              version: "26.1"
              debug: true

            """)
        let outcome = try s.render("test")
        #expect(!outcome.failed)
        #expect(outcome.resources.count == 1)
        #expect(outcome.diagnostics.allSatisfy { $0.severity == .warning })
        #expect(C.headlines(outcome, .warning) == [
            "\(s.at(Self.env, 3, 12)): warning: parameter \"version\" is set, but nothing in the base uses it",
            "\(s.at(Self.env, 4, 10)): warning: parameter \"debug\" is set, but nothing in the base uses it",
        ])
        #expect(outcome.diagnostics.first?.hint == "remove the value, or use ${version} where it belongs")
    }

    @Test("the unused-value warning names the environment's layers")
    func unusedValueWithLayers() throws {
        let s = try Self.source(spec: "  size: 1\n", environment: "layers: [a, b]\nparameters:\n  debug: true\n", layers: [
            "layers/a/resources/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            "layers/b/resources/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        ])
        let outcome = try s.render("test")
        #expect(C.headlines(outcome, .warning) == [
            "\(s.at(Self.env, 3, 10)): warning: parameter \"debug\" is set, but nothing in the base or the layers a, b uses it",
        ])
    }

    // MARK: Declarations

    @Test("a default of the wrong type is an error at the default")
    func wrongDefault() throws {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", """
            parameters:
              replicas:
                type: int
                default: "3"

            """)
        let d = diagnostic { _ = try s.project() }
        #expect(d?.headline == "\(s.at("gitops-weave.yaml", 4, 14)): error: parameter \"replicas\" expects an int, not a string")
        #expect(d?.hint == "replicas is declared as int at \(s.at("gitops-weave.yaml", 2, 3))")
    }

    @Test("a bool default written yes is a string in YAML 1.2, so an error")
    func yesIsNotABool() throws {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "parameters:\n  debug: {type: bool, default: yes}\n")
        #expect(diagnostic { _ = try s.project() }?.headline
                == "\(s.at("gitops-weave.yaml", 2, 32)): error: parameter \"debug\" expects a bool, not a string")
    }

    @Test("an unknown parameter type")
    func unknownType() throws {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", "parameters:\n  size:\n    type: number\n")
        let d = diagnostic { _ = try s.project() }
        #expect(d?.headline == "\(s.at("gitops-weave.yaml", 3, 11)): error: unknown parameter type \"number\"")
        #expect(d?.hint == "type is one of string, int, bool, list")
    }

    @Test("declarations keep their order, type, default and description")
    func declarations() throws {
        let s = try WeaveSource()
        try s.write("gitops-weave.yaml", Self.projectFile.replacingOccurrences(of: "    type: string\n  replicas",
                                                                              with: "    type: string\n    description: the bucket\n  replicas"))
        let p = try s.project()
        #expect(Array(p.parameters.keys) == ["bucket", "replicas", "debug", "args", "version"])
        #expect(p.parameters.values.map(\.kind) == [.string, .int, .bool, .list, .string])
        #expect(p.parameters["bucket"]?.defaultValue == nil)
        #expect(p.parameters["bucket"]?.description == "the bucket")
        #expect(p.parameters["replicas"]?.defaultValue?.scalar == .int(1))
    }
}
