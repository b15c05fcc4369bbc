import Foundation
@testable import YAMLModel
@testable import MergeEngine
@testable import Overlays
@testable import WeaveStack
import Testing

/// `{$file: files/...}`: a layer's real files embedded as strings, with parameters
/// substituted in them, and the stack rules and malformed XML reported at the file's own
/// lines.
@Suite("embedded files: $file")
struct EmbeddedFileTests {
    typealias R = RuleRig

    static let xmlPath = "layers/pinned/files/config.d/storage_configuration.xml"

    /// The storage file: `<endpoint>` at 6:13, `<max_size>` at 12:13.
    static func storageXML(endpoint: String, maxSize: String) -> String {
        """
        <clickhouse>
          <storage_configuration>
            <disks>
              <s3_disk>
                <type>s3</type>
                <endpoint>\(endpoint)</endpoint>
              </s3_disk>
              <s3_disk_cache>
                <type>cache</type>
                <disk>s3_disk</disk>
                <path>/var/lib/clickhouse/cache/</path>
                <max_size>\(maxSize)</max_size>
              </s3_disk_cache>
            </disks>
          </storage_configuration>
        </clickhouse>

        """
    }

    /// The patch that embeds the file (the `$file` value at 9:43), and a 50Gi data volume.
    static let embeddingPatch = R.chi + """
          configuration:
            files:
              config.d/storage_configuration.xml: {$file: files/config.d/storage_configuration.xml}
          templates:
            volumeClaimTemplates:
            - name: data
              spec:
                resources:
                  requests:
                    storage: 50Gi

        """

    func rig(xml: String, parameters: String = StackRuleTests.cacheParameter) throws -> RuleRig {
        let rig = try RuleRig(parameters: parameters)
        try rig.s.write(Self.xmlPath, xml)
        try rig.patch("clickhouse.yaml", Self.embeddingPatch)
        return rig
    }

    static func files(_ outcome: Renderer.Outcome) -> Node? {
        outcome.resources.first { $0.id.kind == "ClickHouseInstallation" }?.node.value(at: ["spec", "configuration", "files"])
    }

    @Test("the file's text becomes the value, parameters substituted, located at the file's first line")
    func embeds() throws {
        let xml = Self.storageXML(endpoint: "https://${bucket}.s3.amazonaws.com/{replica}", maxSize: "${cacheMaxSize}")
        let rig = try rig(xml: xml)
        let outcome = try rig.render(R.environment(parameters: ["cacheMaxSize: 20Gi"]))
        #expect(outcome.diagnostics.filter { $0.severity == .error }.isEmpty, "\(outcome.diagnostics.map(\.description))")
        let value = try #require(Self.files(outcome)?["config.d/storage_configuration.xml"])
        let expected = xml.replacingOccurrences(of: "${bucket}", with: "b").replacingOccurrences(of: "${cacheMaxSize}", with: "20Gi")
        #expect(value.stringValue == expected)
        #expect(value.location.description == rig.at(Self.xmlPath, 1, 1))
        // The values written into it are its provenance, as in any interpolated string.
        #expect(value.provenance.map(\.file).contains { $0.hasSuffix("environments/test.yaml") })
        // Emitted as a literal block, as a YAML block string would be.
        let text = YAMLEmitter().emit(try #require(outcome.resources.first { $0.id.kind == "ClickHouseInstallation" }).node)
        #expect(text.contains("      config.d/storage_configuration.xml: |\n        <clickhouse>\n          <storage_configuration>\n"), "\(text)")
    }

    @Test("s3-replica-placeholder and cache-below-volume point at the lines of the XML file")
    func rulesAtTheFile() throws {
        let rig = try rig(xml: Self.storageXML(endpoint: "https://b.s3.amazonaws.com/disk/", maxSize: "50Gi"))
        let bad = try rig.render()
        #expect(R.headlines(bad, RuleID.s3ReplicaPlaceholder) == [
            "\(rig.at(Self.xmlPath, 6, 9)): error: the endpoint of S3 disk \"s3_disk\" in config.d/storage_configuration.xml has no {replica}, so every replica of ClickHouseInstallation/wandb writes the same objects [s3-replica-placeholder]",
        ])
        let volume = rig.patchAt("clickhouse.yaml", 16, 22)
        #expect(R.headlines(bad, RuleID.cacheBelowVolume) == [
            "\(rig.at(Self.xmlPath, 12, 9)): error: cache disk \"s3_disk_cache\" in config.d/storage_configuration.xml has max_size 50Gi, which is not below the 50Gi data volume of ClickHouseInstallation/wandb (volumeClaimTemplates[name=data] at \(volume)) [cache-below-volume]",
        ])

        // A size from a parameter is still reported where the value was set.
        try rig.s.write(Self.xmlPath, Self.storageXML(endpoint: "https://b/{replica}", maxSize: "${cacheMaxSize}"))
        let fromParameter = try rig.render(R.environment(parameters: ["cacheMaxSize: 60Gi"]))
        #expect(R.findings(fromParameter, RuleID.cacheBelowVolume).map { $0.location?.description } == [rig.at("environments/test.yaml", 5, 17)])
        #expect(R.findings(fromParameter, RuleID.s3ReplicaPlaceholder).isEmpty)
    }

    @Test("malformed XML is an error at the file's line and column", arguments: [
        ("<clickhouse>\n  <logger>\n    <level>trace</level>\n  </clickhouse>\n", 4, 3, "the closing tag </clickhouse> does not match <logger> of line 2"),
        ("<clickhouse>\n  <logger>\n", 2, 3, "the element <logger> is not closed: the file ends before </logger>"),
        ("<clickhouse>\n  <listen_host x=1/>\n</clickhouse>\n", 2, 18, "the value of attribute x of <listen_host> is not quoted"),
        ("<clickhouse/>\n<clickhouse/>\n", 2, 1, "a second root element <clickhouse>: a configuration file has one root, <clickhouse>"),
        ("<clickhouse>\n  <!-- never closed\n</clickhouse>\n", 2, 3, "the comment is not closed: there is no -->"),
        ("listen_host: 0.0.0.0\n", 1, 1, "text before the root element"),
        ("<clickhouse>\n</clickhouse>\n  junk\n", 3, 3, "text after the root element </clickhouse>"),
        ("<clickhouse>\n  <a>1 < 2</a>\n</clickhouse>\n", 2, 8, "a < that starts no element: write &lt; for a literal <"),
    ])
    func malformed(xml: String, line: Int, column: Int, message: String) throws {
        guard case .malformed(let error) = ConfigXMLElement.read(xml) else {
            Issue.record("\(xml) parsed")
            return
        }
        #expect(error == XMLSyntaxError(line: line, column: column, message: message))

        let rig = try RuleRig()
        let path = "layers/pinned/files/config.d/logger.xml"
        try rig.s.write(path, xml)
        try rig.patch("clickhouse.yaml", R.chi + "  configuration:\n    files:\n      config.d/logger.xml: {$file: files/config.d/logger.xml}\n")
        let outcome = try rig.render()
        let findings = R.findings(outcome, RuleID.clickHouseConfigXML)
        #expect(findings.map(\.headline) == [
            "\(rig.at(path, line, column)): error: config.d/logger.xml of ClickHouseInstallation/wandb is not well-formed XML: \(message) [clickhouse-config-xml]",
        ])
        #expect(findings.first?.hint == "ClickHouse refuses to start on a configuration file it cannot parse; fix the XML")
        #expect(outcome.failed)
    }

    @Test("malformed XML written in YAML is reported at the value, naming the line and column in it")
    func malformedInYAML() throws {
        let rig = try RuleRig()
        try rig.patch("clickhouse.yaml", R.chi + "  configuration:\n    files:\n      config.d/logger.xml: |\n        <clickhouse>\n          <logger>\n        </clickhouse>\n")
        let outcome = try rig.render()
        #expect(R.headlines(outcome, RuleID.clickHouseConfigXML) == [
            "\(rig.patchAt("clickhouse.yaml", 9, 28)): error: config.d/logger.xml of ClickHouseInstallation/wandb is not well-formed XML (line 3, column 1 of the file): the closing tag </clickhouse> does not match <logger> of line 2 [clickhouse-config-xml]",
        ])
        // Keeper's files too; an environment may disable the rule like any other.
        try rig.patch("clickhouse.yaml", R.keeper + "  configuration:\n    files:\n      keeper.xml: \"<a>\"\n")
        #expect(R.headlines(try rig.render(), RuleID.clickHouseConfigXML).count == 1)
        let disabled = try rig.render(R.environment("rules:\n  disable:\n    clickhouse-config-xml: \"generated by the operator's own tooling\"\n"))
        #expect(R.findings(disabled, RuleID.clickHouseConfigXML).isEmpty)
        #expect(disabled.suppressedFindings[RuleID.clickHouseConfigXML] == 1)
    }

    @Test("a placeholder error inside an embedded file is at its line and column there")
    func placeholderErrors() throws {
        let rig = try rig(xml: "<clickhouse>\n  <disk>\n    <endpoint>https://${bukcet}/{replica}</endpoint>\n  </disk>\n</clickhouse>\n")
        let undeclared = try rig.render()
        #expect(undeclared.diagnostics.filter { $0.severity == .error }.map(\.headline) == [
            "\(rig.at(Self.xmlPath, 3, 23)): error: undeclared parameter \"bukcet\"",
        ])
        #expect(undeclared.diagnostics.first?.hint == "did you mean \"bucket\"? Or declare it under parameters: in gitops-weave.yaml")

        // An unterminated one quotes its line, not the whole file.
        try rig.s.write(Self.xmlPath, "<clickhouse>\n  <disk>\n    <x>${unterminated</x>\n  </disk>\n</clickhouse>\n")
        let unterminated = try rig.render()
        #expect(unterminated.diagnostics.filter { $0.severity == .error }.map(\.headline) == [
            "\(rig.at(Self.xmlPath, 3, 8)): error: unterminated placeholder in \"    <x>${unterminated</x>\"",
        ])
    }

    @Test("$file errors: a missing file, a path outside files/, other keys beside it, a path that is not a string", arguments: [
        ("{$file: files/config.d/storage_configuraton.xml}", "there is no file <layer>/files/config.d/storage_configuraton.xml to embed",
         "did you mean \"storage_configuration.xml\"? add the file, or correct the path (it is read from <layer>/)"),
        ("{$file: ../../base/files/x.xml}", "$file \"../../base/files/x.xml\" is not a file of this layer's files/ directory",
         "write the path from the layer's directory (<layer>/), inside its files/: {$file: files/NAME}"),
        ("{$file: files/../patches/clickhouse.yaml}", "$file \"files/../patches/clickhouse.yaml\" is not a file of this layer's files/ directory",
         "write the path from the layer's directory (<layer>/), inside its files/: {$file: files/NAME}"),
        ("{$file: /etc/passwd}", "$file \"/etc/passwd\" is not a file of this layer's files/ directory",
         "write the path from the layer's directory (<layer>/), inside its files/: {$file: files/NAME}"),
        ("{$file: config.d/storage_configuration.xml}", "$file \"config.d/storage_configuration.xml\" is not a file of this layer's files/ directory",
         "write the path from the layer's directory (<layer>/), inside its files/: {$file: files/NAME}"),
        ("{$file: [files/a.xml]}", "$file takes a path, not a list",
         "write the path from the layer's directory (<layer>/), inside its files/: {$file: files/NAME}"),
    ])
    func referenceErrors(value: String, message: String, hint: String) throws {
        let rig = try rig(xml: Self.storageXML(endpoint: "https://b/{replica}", maxSize: "1Gi"))
        try rig.patch("clickhouse.yaml", R.chi + "  configuration:\n    files:\n      config.d/storage_configuration.xml: \(value)\n")
        let outcome = try rig.render()
        let layer = rig.s.url.appendingPathComponent("layers/pinned").path
        #expect(outcome.diagnostics.map(\.headline) == ["\(rig.patchAt("clickhouse.yaml", 9, 51)): error: " + message.replacingOccurrences(of: "<layer>", with: layer)])
        #expect(outcome.diagnostics.first?.hint == hint.replacingOccurrences(of: "<layer>", with: layer))
        #expect(outcome.resources.isEmpty)
    }

    @Test("$file stands alone in its mapping")
    func standsAlone() throws {
        let rig = try rig(xml: Self.storageXML(endpoint: "https://b/{replica}", maxSize: "1Gi"))
        try rig.patch("clickhouse.yaml", R.chi + "  configuration:\n    files:\n      config.d/storage_configuration.xml:\n        $file: files/config.d/storage_configuration.xml\n        mode: 0644\n")
        let outcome = try rig.render()
        #expect(outcome.diagnostics.map(\.headline) == [
            "\(rig.patchAt("clickhouse.yaml", 10, 9)): error: $file stands alone in its mapping: the whole mapping becomes the file's text",
        ])
    }

    @Test("the base embeds from base/files/, and a layer's files/ is part of its layout")
    func baseFiles() throws {
        let rig = try RuleRig()
        try rig.s.write("base/files/motd.txt", "hello from ${bucket}\n")
        try rig.s.write("base/90-motd.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: motd\n  namespace: clickhouse\ndata:\n  motd: {$file: files/motd.txt}\n")
        try rig.s.write("layers/pinned/files/unused.txt", "not embedded anywhere\n")
        let outcome = try rig.render()
        #expect(!outcome.failed, "\(outcome.diagnostics.map(\.description))")
        let motd = try #require(outcome.resources.first { $0.id.kind == "ConfigMap" && $0.id.name == "motd" })
        #expect(motd.node.value(at: ["data", "motd"])?.stringValue == "hello from b\n")
        #expect(motd.node.value(at: ["data", "motd"])?.location.description == rig.at("base/files/motd.txt", 1, 1))
    }
}
