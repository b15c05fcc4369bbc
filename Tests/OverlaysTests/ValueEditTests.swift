import Foundation
@testable import YAMLModel
@testable import Overlays
import Testing

/// `ValueEdit`: only the value's characters change; everything else of the file stays.
@Suite("byte-minimal value edits")
struct ValueEditTests {
    func set(_ text: String, _ path: [String], _ value: ValueEdit.Value) throws -> String {
        let spans = try YAMLSpans(text, file: "f.yaml")
        let edits = try ValueEdit.set(path, to: value, in: spans, file: "f.yaml")
        let out = String(decoding: TextEdit.apply(edits, to: spans.bytes), as: UTF8.self)
        // What was written reads back as the value.
        let node = try YAMLParser().parseStream(out, file: "f.yaml").first!
        let read = try #require(node.value(at: path))
        switch value {
        case .scalar(let s): #expect(read.scalar == s, "\(out)")
        case .list(let items): #expect(read.sequence?.compactMap(\.scalar) == items, "\(out)")
        }
        return out
    }

    func remove(_ text: String, _ path: [String]) throws -> String {
        let spans = try YAMLSpans(text, file: "f.yaml")
        guard let edit = try ValueEdit.remove(path, in: spans, file: "f.yaml") else { return text }
        return String(decoding: TextEdit.apply([edit], to: spans.bytes), as: UTF8.self)
    }

    static let env = """
        # staging on GCS
        description: Staging   # the tier

        layers: [staging, gcs]
        parameters:
          # the image the traces run
          weaveTraceTag: 0.74.1    # pinned until the migration
          bucket: 'wandb-weave-staging'
          host: "wandb.example.com"

          replicas: 3
        # the end

        """

    @Test("a value with comments before, after and on its line: only its characters change")
    func comments() throws {
        let out = try set(Self.env, ["parameters", "weaveTraceTag"], .scalar(.string("0.75.0")))
        #expect(out == Self.env.replacingOccurrences(of: "weaveTraceTag: 0.74.1 ", with: "weaveTraceTag: 0.75.0 "))
    }

    @Test("single, double and plain quoting are kept; a value that needs quotes gets them", arguments: [
        ("bucket", "other-bucket", "bucket: 'other-bucket'"),
        ("bucket", "it's", "bucket: 'it''s'"),
        ("host", "other.example.com", "host: \"other.example.com\""),
        ("weaveTraceTag", "true", "weaveTraceTag: \"true\""),
        ("weaveTraceTag", "a: b", "weaveTraceTag: \"a: b\""),
        ("weaveTraceTag", "# no", "weaveTraceTag: \"# no\""),
        ("weaveTraceTag", "", "weaveTraceTag: \"\""),
    ])
    func quoting(key: String, value: String, line: String) throws {
        let out = try set(Self.env, ["parameters", key], .scalar(.string(value)))
        #expect(out.contains("  " + line), "\(out)")
        #expect(out.split(separator: "\n", omittingEmptySubsequences: false).count == Self.env.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    @Test("ints and bools are plain")
    func typed() throws {
        #expect(try set(Self.env, ["parameters", "replicas"], .scalar(.int(5))).contains("  replicas: 5\n# the end"))
        #expect(try set(Self.env, ["parameters", "replicas"], .scalar(.bool(false))).contains("  replicas: false\n"))
    }

    @Test("a new key goes after the mapping's last entry, at its indentation, before what follows")
    func newKey() throws {
        let out = try set(Self.env, ["parameters", "region"], .scalar(.string("eu-west-1")))
        #expect(out == Self.env.replacingOccurrences(of: "  replicas: 3\n", with: "  replicas: 3\n  region: eu-west-1\n"))
    }

    @Test("no parameters: mapping yet: one is added at the end, in the file's indentation")
    func newMapping() throws {
        let text = "layers: [dev]\nplatform:\n    openshift: {uidRange: 1/2}\n"
        #expect(try set(text, ["parameters", "bucket"], .scalar(.string("b"))) == text + "parameters:\n    bucket: b\n")
        #expect(try set("layers: [dev]", ["parameters", "bucket"], .scalar(.string("b"))) == "layers: [dev]\nparameters:\n  bucket: b\n")
        #expect(try set("", ["parameters", "bucket"], .scalar(.string("b"))) == "parameters:\n  bucket: b\n")
        #expect(try set("layers: [dev]\nparameters:\n", ["parameters", "bucket"], .scalar(.string("b"))) == "layers: [dev]\nparameters:\n  bucket: b\n")
        #expect(try set("parameters: {}\n", ["parameters", "bucket"], .scalar(.string("b"))) == "parameters: {bucket: b}\n")
    }

    @Test("CRLF line endings stay CRLF, also on a new line")
    func crlf() throws {
        let text = "layers: [dev]\r\nparameters:\r\n  bucket: a # note\r\n"
        #expect(try set(text, ["parameters", "bucket"], .scalar(.string("b"))) == "layers: [dev]\r\nparameters:\r\n  bucket: b # note\r\n")
        #expect(try set(text, ["parameters", "region"], .scalar(.string("r"))) == text + "  region: r\r\n")
    }

    @Test("a value inside a flow mapping, and a new key in one")
    func flowMapping() throws {
        let text = "parameters: {bucket: a, replicas: 3}  # inline\n"
        #expect(try set(text, ["parameters", "bucket"], .scalar(.string("b, c"))) == "parameters: {bucket: \"b, c\", replicas: 3}  # inline\n")
        #expect(try set(text, ["parameters", "region"], .scalar(.string("r"))) == "parameters: {bucket: a, replicas: 3, region: r}  # inline\n")
    }

    @Test("lists: a flow list keeps its spacing; a block list becomes a flow list on the key's line")
    func lists() throws {
        #expect(try set("parameters:\n  zones: [ a, b ]\n", ["parameters", "zones"], .list([.string("c")])) == "parameters:\n  zones: [ c ]\n")
        #expect(try set("parameters:\n  zones:\n  - a\n  - b\nlayers: [x]\n", ["parameters", "zones"], .list([.string("c"), .string("d e")]))
                == "parameters:\n  zones: [c, d e]\nlayers: [x]\n")
    }

    @Test("a project default: replaced in place, or added to its declaration (block or flow)")
    func defaults() throws {
        let project = """
            parameters:
              weaveTraceTag:
                type: string
                default: "0.74.1"   # the default every tier gets
              bucket:
                type: string
                description: the bucket
              region: {type: string}
            output: {directory: out}

            """
        #expect(try set(project, ["parameters", "weaveTraceTag", "default"], .scalar(.string("0.75.0")))
                == project.replacingOccurrences(of: "default: \"0.74.1\"", with: "default: \"0.75.0\""))
        #expect(try set(project, ["parameters", "bucket", "default"], .scalar(.string("b")))
                == project.replacingOccurrences(of: "    description: the bucket\n", with: "    description: the bucket\n    default: b\n"))
        #expect(try set(project, ["parameters", "region", "default"], .scalar(.string("r")))
                == project.replacingOccurrences(of: "region: {type: string}", with: "region: {type: string, default: r}"))
    }

    @Test("removing a value: its line goes in block style, its entry and comma in flow style")
    func removing() throws {
        #expect(try remove(Self.env, ["parameters", "bucket"]) == Self.env.replacingOccurrences(of: "  bucket: 'wandb-weave-staging'\n", with: ""))
        #expect(try remove(Self.env, ["parameters", "replicas"]) == Self.env.replacingOccurrences(of: "  replicas: 3\n", with: ""))
        #expect(try remove("parameters: {a: 1, b: 2, c: 3}\n", ["parameters", "b"]) == "parameters: {a: 1, c: 3}\n")
        #expect(try remove("parameters: {a: 1, b: 2}\n", ["parameters", "b"]) == "parameters: {a: 1}\n")
        #expect(try remove("parameters: {a: 1}\n", ["parameters", "a"]) == "parameters: {}\n")
        #expect(try remove("parameters:\n  zones:\n  - a\n  - b\nlayers: [x]\n", ["parameters", "zones"]) == "parameters:\nlayers: [x]\n")
        #expect(try remove(Self.env, ["parameters", "missing"]) == Self.env)
    }

    @Test("non-ASCII text before the value: byte positions come out right")
    func unicode() throws {
        let text = "description: Stäging — Zürich 🚀\nparameters:\n  bucket: a\n"
        #expect(try set(text, ["parameters", "bucket"], .scalar(.string("b"))) == "description: Stäging — Zürich 🚀\nparameters:\n  bucket: b\n")
    }
}
