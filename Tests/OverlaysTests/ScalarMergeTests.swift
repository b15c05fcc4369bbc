import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// A scalar replaces the base's; what a change of type does on a built-in kind and on a
/// custom resource.
@Suite("Strategic merge: scalars and type changes")
struct ScalarMergeTests {
    typealias F = MergeFixture

    @Test("a scalar in the patch replaces the base's")
    func scalarReplace() throws {
        let merged = try F.merge(F.configMap, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              level: debug
            """)
        F.expect(merged, "data", "{mode: fast, level: debug, region: eu}")
    }

    @Test("a scalar may replace a scalar of another type")
    func scalarTypeReplace() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              replicas: "3"
            """)
        F.expect(merged, "spec.replicas", "\"3\"")
    }

    @Test("a type change wins on a built-in kind, as in apimachinery")
    func typeChangeBuiltIn() throws {
        let merged = try F.merge(F.deployment, F.deploymentHeader + """
            spec:
              strategy: Recreate
            """)
        F.expect(merged, "spec.strategy", "Recreate")
    }

    @Test("a custom resource accepts a value where the base has null")
    func customResourceNullBase() throws {
        let merged = try F.merge(F.clickHouseHeader + """
            spec:
              defaults: null
            """, F.clickHouseHeader + """
            spec:
              defaults: {replicasUseFQDN: "yes"}
            """)
        F.expect(merged, "spec.defaults", "{replicasUseFQDN: \"yes\"}")
    }
}
