import Foundation
@testable import GitSync
import YAMLModel
import Testing

// MARK: - The hydrator contract's formats

@Suite("hydrator contract formats")
struct HydratorFormatTests {
    @Test("JSON as Go writes it: an Encoder without HTML escaping, and json.Marshal")
    func strings() {
        func indented(_ s: String) -> String { GoJSON.string(s).indented() }
        #expect(indented("a\"b\\c\nd\te\r") == #""a\"b\\c\nd\te\r""#)
        #expect(indented("<&>") == "\"<&>\"")
        #expect(indented("\u{1}\u{1f}") == #""\u0001\u001f""#)
        #expect(indented("\u{2028}\u{2029}é") == "\"\\u2028\\u2029é\"")
        #expect(GoJSON.object([("a", .array([])), ("b", .object([]))]).indented() == "{\n  \"a\": [],\n  \"b\": {}\n}")
        // json.Marshal escapes the HTML characters, and sorts a map's keys.
        #expect(GoJSON.object([("b", .string("<&>")), ("a", .raw("1"))]).marshal(sortingKeys: true) == #"{"a":1,"b":"\u003c\u0026\u003e"}"#)
        #expect(GoJSON.object([("b", .raw("true")), ("a", .raw("null"))]).marshal(sortingKeys: false) == #"{"b":true,"a":null}"#)
    }

    @Test("RFC 3339 dates keep the author's zone, in whole seconds")
    func dates() {
        #expect(HydratorContract.rfc3339(1_764_841_464, offsetMinutes: 0) == "2025-12-04T09:44:24Z")
        #expect(HydratorContract.rfc3339(1_764_841_464, offsetMinutes: 60) == "2025-12-04T10:44:24+01:00")
        #expect(HydratorContract.rfc3339(1_764_841_464, offsetMinutes: -570) == "2025-12-04T00:14:24-09:30")
    }

    @Test("a dry commit's message: subject, body without the reference trailers, the last value of each winning")
    func messages() {
        let m = HydratorContract.DryMessage("Subject line\n\nBody one.\n\nSigned-off-by: A <a@x>\nArgocd-reference-commit-sha: 1\nargocd-reference-commit-SHA: 2\n")
        #expect(m.subject == "Subject line")
        #expect(m.body == "Body one.\n\nSigned-off-by: A <a@x>")
        #expect(m.reference?.sha == "2")
        let plain = HydratorContract.DryMessage("Only a subject\n")
        #expect(plain.subject == "Only a subject" && plain.body.isEmpty && plain.reference == nil)
        #expect(HydratorContract.note(drySha: "abc") == #"{"drySha":"abc"}"#)
    }
}
