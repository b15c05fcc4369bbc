import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

/// A hand-written CRD using every keyword the validator checks, and resources against it.
enum WidgetSchema {
    static let crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  apiVersion: {type: string}
                  kind: {type: string}
                  metadata: {type: object}
                  spec:
                    type: object
                    required: [size]
                    properties:
                      size: {type: integer, minimum: 1, maximum: 10}
                      ratio: {type: number}
                      enabled: {type: boolean}
                      flag: {type: string}
                      mode: {type: string, enum: [fast, safe]}
                      name: {type: string, pattern: "^[a-z]+$", minLength: 2, maxLength: 8}
                      port: {x-kubernetes-int-or-string: true}
                      note: {type: string, nullable: true}
                      tags: {type: array, items: {type: string}, minItems: 1, maxItems: 3}
                      set: {type: array, items: {type: string}, x-kubernetes-list-type: set}
                      labels: {type: object, additionalProperties: {type: string}}
                      extra:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                        properties:
                          level: {type: integer}
                      free: {type: object}
                      count: {type: integer, format: int32}
          - name: v2
            served: false
            storage: false
        """

    static func schemas() throws -> ValidationSchemas {
        var s = ValidationSchemas(adding: [WeaveStack().validationSchemas])
        try s.addCRDs(parseStream(crd, file: "widget-crd.yaml"))
        return s
    }

    /// Validates a Widget whose `spec:` is on line 5 and whose spec fields start on line 6.
    static func errors(_ spec: String, apiVersion: String = "example.com/v1", metadata: String = "") throws -> [Diagnostic] {
        let text = "apiVersion: \(apiVersion)\nkind: Widget\nmetadata:\n  name: w\n" + metadata + "spec:\n" + spec
        let resource = try Resource(document: try parse(text))
        return SchemaValidator(schemas: try schemas()).validate(resource)
    }

    static func headlines(_ spec: String, metadata: String = "") throws -> [String] {
        try errors(spec, metadata: metadata).map(\.headline)
    }

    static func hints(_ spec: String) throws -> [String?] {
        try errors(spec).map(\.hint)
    }
}

/// Resources of any kind, validated against the built-in schemas (and optional CRDs).
func validationErrors(_ yaml: String, schemas: ValidationSchemas = ValidationSchemas(adding: [WeaveStack().validationSchemas])) throws -> [Diagnostic] {
    let validator = SchemaValidator(schemas: schemas)
    return try parseStream(yaml).filter { !$0.isNull }.flatMap { validator.validate(try Resource(document: $0)) }
}

/// The shared CRDs (`../shared/crds`), read once.
enum SharedCRDs {
    static var directory: String { Paths.shared.appendingPathComponent("crds").path }
    static var available: Bool { FileManager.default.fileExists(atPath: directory) }

    static let schemas: ValidationSchemas = {
        var s = ValidationSchemas(adding: [WeaveStack().validationSchemas])
        try! s.addCRDs(inDirectory: directory)
        return s
    }()
}

@Suite("Schema validation: each check")
struct SchemaValidatorCheckTests {
    typealias W = WidgetSchema

    @Test("a valid Widget has no errors")
    func valid() throws {
        #expect(try W.headlines("""
              size: 3
              ratio: 0.5
              enabled: true
              flag: "yes"
              mode: safe
              name: abc
              port: http
              note: null
              tags: [a, b]
              set: [a, b]
              labels: {a: b}
              extra: {level: 2, anything: [1, 2]}
              free: {whatever: 1}
              count: 2147483647

            """).isEmpty)
        #expect(try W.headlines("  size: 10\n  port: 8080\n  ratio: 1\n").isEmpty)
    }

    @Test("integer: a quoted number, a fraction, a boolean")
    func integer() throws {
        #expect(try W.headlines("  size: \"3\"\n") == ["test.yaml:6:9: error: Widget/w spec.size: expected integer, found string \"3\""])
        #expect(try W.hints("  size: \"3\"\n") == ["remove the quotes: size: 3"])
        #expect(try W.headlines("  size: 2.5\n") == ["test.yaml:6:9: error: Widget/w spec.size: expected integer, found number 2.5"])
        #expect(try W.hints("  size: 2.5\n") == ["write a whole number"])
        #expect(try W.headlines("  size: true\n") == ["test.yaml:6:9: error: Widget/w spec.size: expected integer, found boolean true"])
        #expect(try W.headlines("  size: 3.0\n").isEmpty)
    }

    @Test("number: ints and floats pass, a quoted float does not")
    func number() throws {
        #expect(try W.headlines("  size: 1\n  ratio: 2\n").isEmpty)
        #expect(try W.headlines("  size: 1\n  ratio: \"0.5\"\n") == ["test.yaml:7:10: error: Widget/w spec.ratio: expected number, found string \"0.5\""])
        #expect(try W.hints("  size: 1\n  ratio: \"0.5\"\n") == ["remove the quotes: ratio: 0.5"])
    }

    @Test("boolean: a quoted true, and yes (a string in YAML 1.2)")
    func boolean() throws {
        #expect(try W.headlines("  size: 1\n  enabled: \"true\"\n") == ["test.yaml:7:12: error: Widget/w spec.enabled: expected boolean, found string \"true\""])
        #expect(try W.hints("  size: 1\n  enabled: \"true\"\n") == ["remove the quotes: enabled: true"])
        #expect(try W.headlines("  size: 1\n  enabled: yes\n") == ["test.yaml:7:12: error: Widget/w spec.enabled: expected boolean, found string \"yes\""])
        #expect(try W.hints("  size: 1\n  enabled: yes\n") == ["write true or false, without quotes"])
        #expect(try W.headlines("  size: 1\n  enabled: false\n").isEmpty)
    }

    @Test("string: a boolean or a number where a string is required says to quote it")
    func string() throws {
        #expect(try W.headlines("  size: 1\n  flag: true\n") == ["test.yaml:7:9: error: Widget/w spec.flag: expected string, found boolean true"])
        #expect(try W.hints("  size: 1\n  flag: true\n") == ["quote it: flag: \"true\""])
        #expect(try W.headlines("  size: 1\n  flag: 8123\n") == ["test.yaml:7:9: error: Widget/w spec.flag: expected string, found integer 8123"])
        #expect(try W.headlines("  size: 1\n  flag: \"true\"\n").isEmpty)
    }

    @Test("object and array: the wrong shape")
    func shapes() throws {
        #expect(try W.headlines("  size: 1\n  labels: [a]\n") == ["test.yaml:7:11: error: Widget/w spec.labels: expected object, found array"])
        #expect(try W.hints("  size: 1\n  labels: [a]\n") == ["write a mapping (key: value) here, not a list"])
        #expect(try W.headlines("  size: 1\n  tags: a\n") == ["test.yaml:7:9: error: Widget/w spec.tags: expected array, found string \"a\""])
        #expect(try W.headlines("  size: 1\n  tags: {a: 1}\n") == ["test.yaml:7:9: error: Widget/w spec.tags: expected array, found object"])
        #expect(try W.hints("  size: 1\n  tags: {a: 1}\n") == ["write a list here (items start with \"- \")"])
    }

    @Test("x-kubernetes-int-or-string: an integer or a string, nothing else")
    func intOrString() throws {
        #expect(try W.headlines("  size: 1\n  port: 80\n").isEmpty)
        #expect(try W.headlines("  size: 1\n  port: http\n").isEmpty)
        #expect(try W.headlines("  size: 1\n  port: 1.5\n") == ["test.yaml:7:9: error: Widget/w spec.port: expected integer or string, found number 1.5"])
        #expect(try W.headlines("  size: 1\n  port: [80]\n") == ["test.yaml:7:9: error: Widget/w spec.port: expected integer or string, found array"])
    }

    @Test("enum: the allowed values, and a near miss")
    func enumeration() throws {
        #expect(try W.headlines("  size: 1\n  mode: slow\n") == ["test.yaml:7:9: error: Widget/w spec.mode: unsupported value \"slow\""])
        #expect(try W.hints("  size: 1\n  mode: slow\n") == ["allowed values: \"fast\", \"safe\""])
        #expect(try W.hints("  size: 1\n  mode: Fast\n") == ["did you mean \"fast\"? allowed values: \"fast\", \"safe\""])
        #expect(try W.headlines("  size: 1\n  mode: fast\n").isEmpty)
    }

    @Test("pattern, minLength and maxLength")
    func pattern() throws {
        #expect(try W.headlines("  size: 1\n  name: ab_c\n") == ["test.yaml:7:9: error: Widget/w spec.name: \"ab_c\" does not match the pattern ^[a-z]+$"])
        #expect(try W.hints("  size: 1\n  name: ab_c\n") == ["not allowed: \"_\"; use only [a-z]"])
        #expect(try W.headlines("  size: 1\n  name: a\n") == ["test.yaml:7:9: error: Widget/w spec.name: \"a\" is 1 characters long, shorter than the minimum 2"])
        #expect(try W.headlines("  size: 1\n  name: abcdefghij\n") == ["test.yaml:7:9: error: Widget/w spec.name: \"abcdefghij\" is 10 characters long, longer than the maximum 8"])
        #expect(try W.headlines("  size: 1\n  name: abcdefgh\n").isEmpty)
    }

    @Test("minimum and maximum, int32")
    func bounds() throws {
        #expect(try W.headlines("  size: 0\n") == ["test.yaml:6:9: error: Widget/w spec.size: 0 is less than the minimum 1"])
        #expect(try W.headlines("  size: 11\n") == ["test.yaml:6:9: error: Widget/w spec.size: 11 is greater than the maximum 10"])
        #expect(try W.headlines("  size: 1\n  count: 2147483648\n") == ["test.yaml:7:10: error: Widget/w spec.count: 2147483648 is out of range for a 32-bit integer"])
    }

    @Test("minItems, maxItems and set lists")
    func items() throws {
        #expect(try W.headlines("  size: 1\n  tags: []\n") == ["test.yaml:7:9: error: Widget/w spec.tags: the list has 0 items, fewer than the minimum 1"])
        #expect(try W.headlines("  size: 1\n  tags: [a, b, c, d]\n") == ["test.yaml:7:9: error: Widget/w spec.tags: the list has 4 items, more than the maximum 3"])
        #expect(try W.headlines("  size: 1\n  tags: [a, 2]\n") == ["test.yaml:7:13: error: Widget/w spec.tags[1]: expected string, found integer 2"])
        #expect(try W.headlines("  size: 1\n  set: [a, b, a]\n") == ["test.yaml:7:15: error: Widget/w spec.set[2]: duplicate item \"a\""])
    }

    @Test("required: at the mapping that lacks the field")
    func required() throws {
        #expect(try W.headlines("  ratio: 1\n") == ["test.yaml:6:3: error: Widget/w spec: missing required field \"size\""])
        #expect(try W.hints("  ratio: 1\n") == ["add size:"])
    }

    @Test("nullable: null only where the schema allows it")
    func nullable() throws {
        #expect(try W.headlines("  size: 1\n  note:\n").isEmpty)
        #expect(try W.headlines("  size:\n") == ["test.yaml:6:8: error: Widget/w spec.size: expected integer, found null"])
        #expect(try W.hints("  size: null\n") == ["null is not allowed here: give size a value, or leave the field out"])
        #expect(try W.headlines("  size: 1\n  tags: [null]\n") == ["test.yaml:7:10: error: Widget/w spec.tags[0]: expected string, found null"])
    }

    @Test("unknown fields: closed objects reject them, with the closest name; open regions do not")
    func unknownFields() throws {
        let e = try W.errors("  size: 1\n  sise: 2\n")
        #expect(e.map(\.headline) == ["test.yaml:7:3: error: Widget/w spec: unknown field \"sise\""])
        #expect(e.first?.hint?.hasPrefix("did you mean \"size\"? fields here: size, ratio, enabled, flag, mode, ") == true)
        // The root is closed too.
        let root = try Resource(document: try parse("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\nspecs: {}\n"))
        #expect(SchemaValidator(schemas: try W.schemas()).validate(root).map(\.headline)
                == ["test.yaml:7:1: error: Widget/w: unknown field \"specs\""])
        // preserve-unknown-fields opens a region, but its named fields are still checked.
        #expect(try W.headlines("  size: 1\n  extra: {anything: {deep: [1]}}\n").isEmpty)
        #expect(try W.headlines("  size: 1\n  extra: {level: x}\n") == ["test.yaml:7:18: error: Widget/w spec.extra.level: expected integer, found string \"x\""])
        // An object that names no properties is open.
        #expect(try W.headlines("  size: 1\n  free: {a: 1}\n").isEmpty)
    }

    @Test("additionalProperties: the schema of every map value, keys with dots quoted in the path")
    func additionalProperties() throws {
        #expect(try W.headlines("  size: 1\n  labels:\n    app.kubernetes.io/name: 3\n")
                == ["test.yaml:8:29: error: Widget/w spec.labels.\"app.kubernetes.io/name\": expected string, found integer 3"])
    }

    @Test("metadata is ObjectMeta: types of name, namespace, labels and annotations; other keys left alone")
    func metadata() throws {
        #expect(try W.headlines("  size: 1\n", metadata: "  labels: {tier: 1}\n")
                == ["test.yaml:5:18: error: Widget/w metadata.labels.tier: expected string, found integer 1"])
        #expect(try W.headlines("  size: 1\n", metadata: "  annotations:\n    enabled: true\n")
                == ["test.yaml:6:14: error: Widget/w metadata.annotations.enabled: expected string, found boolean true"])
        #expect(try W.headlines("  size: 1\n", metadata: "  labels: [a]\n")
                == ["test.yaml:5:11: error: Widget/w metadata.labels: expected object, found array"])
        #expect(try W.headlines("  size: 1\n", metadata: "  uid: abc\n  ownerReferences: []\n").isEmpty)
    }

    @Test("a version the CRD does not serve is an error at apiVersion")
    func unservedVersion() throws {
        let e = try W.errors("  size: 1\n", apiVersion: "example.com/v2")
        #expect(e.map(\.headline) == ["test.yaml:1:13: error: Widget/w: apiVersion example.com/v2 is not served by the Widget CustomResourceDefinition"])
        #expect(e.map(\.hint) == ["served versions: example.com/v1"])
    }

    @Test("every error carries a hint")
    func hintsEverywhere() throws {
        let specs = ["  size: true\n", "  size: [1]\n", "  size: 0\n", "  size: 11\n", "  size: 1\n  flag: {a: 1}\n",
                     "  size: 1\n  port: true\n", "  size: 1\n  name: a\n", "  size: 1\n  tags: []\n", "  size: 1\n  tags: [a, b, c, d]\n",
                     "  size: 1\n  count: 99999999999\n", "  size: 1\n  free: 3\n", "  ratio: 1\n", "  size: 1\n  zzz: 1\n"]
        for spec in specs {
            let e = try W.errors(spec)
            #expect(e.count == 1, "\(spec)")
            #expect(e.allSatisfy { $0.hint != nil }, "\(spec): \(e)")
        }
        #expect(try W.hints("  size: true\n") == ["this field takes an integer"])
    }

    @Test("a scalar where an object is required, at the root of a field")
    func scalarForObject() throws {
        #expect(try W.headlines("  size: 1\n  extra: 3\n") == ["test.yaml:7:10: error: Widget/w spec.extra: expected object, found integer 3"])
    }
}

@Suite("Schema validation: built-in schemas")
struct BuiltinSchemaTests {
    static let coreDocs = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data:
          PORT: 8123
          created: "2024-01-01"
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        data:
          password: not base64!!
          ok: c2VjcmV0
        stringData:
          plain: anything
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: sa}
        labels: {a: b}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: clickhouse}
        spec:
          finalizer: [kubernetes]

        """

    @Test("core kinds: ConfigMap data are strings, Secret data base64, closed top levels")
    func core() throws {
        let e = try validationErrors(Self.coreDocs)
        #expect(e.map(\.headline) == [
            "test.yaml:5:9: error: ConfigMap/settings data.PORT: expected string, found integer 8123",
            "test.yaml:12:13: error: Secret/s data.password: \"not base64!!\" is not base64",
            "test.yaml:20:1: error: ServiceAccount/sa: unknown field \"labels\"",
            "test.yaml:26:3: error: Namespace/clickhouse spec: unknown field \"finalizer\"",
        ])
        #expect(e.map(\.hint) == [
            "quote it: PORT: \"8123\"",
            "encode the value in base64; a Secret takes plain text under stringData instead",
            "fields here: apiVersion, kind, automountServiceAccountToken, imagePullSecrets, secrets, metadata",
            "did you mean \"finalizers\"? fields here: finalizers",
        ])
    }

    @Test("Deployment, StatefulSet and Service basics")
    func workloads() throws {
        let e = try validationErrors("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: "2"
              template: {spec: {containers: [{name: a, image: b}]}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              type: ClusterIp
              ports:
              - {port: 80, targetPort: http}
              - {name: x, targetPort: 8080}

            """)
        #expect(e.map(\.headline) == [
            "test.yaml:5:13: error: Deployment/web spec.replicas: expected integer, found string \"2\"",
            "test.yaml:12:9: error: Service/web spec.type: unsupported value \"ClusterIp\"",
            "test.yaml:15:5: error: Service/web spec.ports[1]: missing required field \"port\"",
        ])
        #expect(e[1].hint == "did you mean \"ClusterIP\"? allowed values: \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\"")
    }

    static let chi = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata: {name: wandb, namespace: clickhouse}
        spec:
          stop: true
          configuration:
            zookeeper:
              nodes:
              - {host: keeper-0, port: "2181"}
            clusters:
            - name: weave_cluster
              secure: "yes"
              layout: {shardsCount: "1", replicasCount: 3}
              template: {podTemplate: clickhouse}
          templates:
            volumeClaimTemplates:
            - {name: data, reclaimPolicy: Keep}

        """

    @Test("without a CRD, the stack's rules: string-typed booleans, integer ports and counts, cluster names, enums")
    func clickHouseInstallation() throws {
        let e = try validationErrors(Self.chi)
        #expect(e.map(\.headline) == [
            "test.yaml:5:9: error: ClickHouseInstallation/wandb spec.stop: expected string, found boolean true",
            "test.yaml:9:32: error: ClickHouseInstallation/wandb spec.configuration.zookeeper.nodes[0].port: expected integer, found string \"2181\"",
            "test.yaml:11:13: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].name: \"weave_cluster\" does not match the pattern ^[a-zA-Z0-9-]{0,15}$",
            "test.yaml:13:29: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.shardsCount: expected integer, found string \"1\"",
            "test.yaml:17:35: error: ClickHouseInstallation/wandb spec.templates.volumeClaimTemplates[0].reclaimPolicy: unsupported value \"Keep\"",
        ])
        #expect(e.map(\.hint) == [
            "quote it: stop: \"true\"",
            "remove the quotes: port: 2181",
            "not allowed: \"_\"; use only [a-zA-Z0-9-], at most 15 characters",
            "remove the quotes: shardsCount: 1",
            "allowed values: \"\", \"Retain\", \"Delete\"",
        ])
    }

    @Test("with the real CRD, the same errors and the unknown field the built-in rules leave open", .enabled(if: SharedCRDs.available))
    func clickHouseInstallationWithCRD() throws {
        let e = try validationErrors(Self.chi, schemas: SharedCRDs.schemas)
        #expect(e.map(\.headline) == [
            "test.yaml:5:9: error: ClickHouseInstallation/wandb spec.stop: expected string, found boolean true",
            "test.yaml:9:32: error: ClickHouseInstallation/wandb spec.configuration.zookeeper.nodes[0].port: expected integer, found string \"2181\"",
            "test.yaml:11:13: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].name: \"weave_cluster\" does not match the pattern ^[a-zA-Z0-9-]{0,15}$",
            "test.yaml:13:29: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.shardsCount: expected integer, found string \"1\"",
            "test.yaml:14:7: error: ClickHouseInstallation/wandb spec.configuration.clusters[0]: unknown field \"template\"",
            "test.yaml:17:35: error: ClickHouseInstallation/wandb spec.templates.volumeClaimTemplates[0].reclaimPolicy: unsupported value \"Keep\"",
        ])
        #expect(e[4].hint?.hasPrefix("did you mean \"templates\"?") == true)
    }

    static let keeperAndWandB = """
        apiVersion: clickhouse-keeper.altinity.com/v1
        kind: ClickHouseKeeperInstallation
        metadata: {name: wandb}
        spec:
          configuration:
            clusters:
            - name: keeper
              layout: {replicasCount: three}
        ---
        apiVersion: apps.wandb.com/v1
        kind: WeightsAndBiases
        metadata: {name: wandb}
        spec:
          value:
            global: {host: x}

        """

    @Test("validate_rendered.py rejects the same documents at the same paths", .enabled(if: SharedCRDs.available && PythonValidator.available),
          arguments: ["chi", "keeperAndWandB", "core"])
    func pythonAgrees(_ which: String) throws {
        let yaml = ["chi": Self.chi, "keeperAndWandB": Self.keeperAndWandB, "core": Self.coreDocs][which]!
        let ours = try validationErrors(yaml, schemas: SharedCRDs.schemas)
        #expect(ours.count >= 2)
        let python = try PythonValidator.validate(yaml: yaml)
        #expect(python.status == 1, "\(python.output)")
        for d in ours {
            #expect(python.output.contains(PythonValidator.at(d) + "\n"), "\(d.headline)\n\(python.output)")
        }
        // Every document python rejects, we reject.
        #expect(python.output.hasSuffix("0 passed, \(Set(ours.map { $0.message.prefix { $0 != " " && $0 != ":" } }).count) failed\n"), "\(python.output)")
    }

    @Test("Keeper and W&B without a CRD: replicasCount is an integer, W&B v1 spec takes values and chart")
    func keeperAndWandB() throws {
        let e = try validationErrors(Self.keeperAndWandB)
        #expect(e.map(\.headline) == [
            "test.yaml:8:31: error: ClickHouseKeeperInstallation/wandb spec.configuration.clusters[0].layout.replicasCount: expected integer, found string \"three\"",
            "test.yaml:14:3: error: WeightsAndBiases/wandb spec: unknown field \"value\"",
        ])
        #expect(e[1].hint == "did you mean \"values\"? fields here: chart, values")
    }

    @Test("one note per run names the kinds not fully validated and suggests --crds")
    func coverageNote() throws {
        let validator = SchemaValidator(schemas: ValidationSchemas(adding: [WeaveStack().validationSchemas]))
        let docs = try parseStream(Self.chi + "---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {a: 1}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n")
        for doc in docs where !doc.isNull { _ = validator.validate(try Resource(document: doc)) }
        let note = try #require(validator.takeCoverageNote())
        #expect(note.headline == "note: full schema validation was skipped for kinds without a CRD (checked against built-in rules only: ClickHouseInstallation (clickhouse.altinity.com/v1); not validated: ExternalSecret (external-secrets.io/v1beta1))")
        #expect(note.hint == "pass --crds DIR (a directory of CustomResourceDefinition files), or list the CRD files under crds: in gitops-weave.yaml")
        #expect(validator.takeCoverageNote() == nil)
        // With the CRD, nothing is left for the note but the kind without one.
        if SharedCRDs.available {
            let full = SchemaValidator(schemas: SharedCRDs.schemas)
            for doc in docs where !doc.isNull { _ = full.validate(try Resource(document: doc)) }
            #expect(full.coverage.partial.isEmpty)
            #expect(full.coverage.unknown == ["ExternalSecret (external-secrets.io/v1beta1)"])
        }
    }
}

@Suite("Schema validation: CRD files")
struct CRDValidationSchemaTests {
    @Test("every shared CRD loads (anchors and << merge keys) and every served version compiles", .enabled(if: SharedCRDs.available))
    func sharedCRDsLoad() throws {
        let schemas = SharedCRDs.schemas
        #expect(schemas.crdKinds == [
            "apps.wandb.com/WeightsAndBiases",
            "argoproj.io/AppProject",
            "argoproj.io/Application",
            "argoproj.io/ApplicationSet",
            "clickhouse-keeper.altinity.com/ClickHouseKeeperInstallation",
            "clickhouse.altinity.com/ClickHouseInstallation",
            "clickhouse.altinity.com/ClickHouseInstallationTemplate",
            "clickhouse.altinity.com/ClickHouseOperatorConfiguration",
            "helm.toolkit.fluxcd.io/HelmRelease",
            "kustomize.toolkit.fluxcd.io/Kustomization",
            "source.toolkit.fluxcd.io/GitRepository",
            "source.toolkit.fluxcd.io/HelmChart",
            "source.toolkit.fluxcd.io/HelmRepository",
            "source.toolkit.fluxcd.io/OCIRepository",
        ])
        for (apiVersion, kind) in [("clickhouse.altinity.com/v1", "ClickHouseInstallation"), ("apps.wandb.com/v1", "WeightsAndBiases"),
                                   ("apps.wandb.com/v2", "WeightsAndBiases"), ("argoproj.io/v1alpha1", "ApplicationSet")] {
            guard case .crd(let root) = schemas.lookup(apiVersion: apiVersion, kind: kind) else {
                Issue.record("no CRD schema for \(apiVersion) \(kind)")
                continue
            }
            #expect(root.isClosed)
            #expect(root.properties["spec"] != nil)
        }
        // The merge anchors of the Altinity CRD are expanded: `suspend` is `*TypeStringBool`.
        guard case .crd(let chi) = schemas.lookup(apiVersion: "clickhouse.altinity.com/v1", kind: "ClickHouseInstallation") else { return }
        let suspend = try #require(chi.properties["spec"]?.properties["suspend"])
        #expect(suspend.type == .string)
        #expect(suspend.enumValues?.count == 23)
    }

    @Test("every pattern in the shared CRDs compiles with NSRegularExpression", .enabled(if: SharedCRDs.available))
    func patternsCompile() throws {
        var patterns: [String] = []
        func walk(_ node: Node) {
            switch node.value {
            case .mapping(let m):
                for (key, entry) in m.entries {
                    if key == "pattern", let p = entry.value.stringValue { patterns.append(p) }
                    walk(entry.value)
                }
            case .sequence(let items): items.forEach(walk)
            case .scalar: break
            }
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: SharedCRDs.directory) where name.hasSuffix(".yaml") {
            for doc in try SourceFile.parseStream(SharedCRDs.directory + "/" + name) { walk(doc) }
        }
        #expect(patterns.count > 50)
        for p in Set(patterns) {
            #expect((try? NSRegularExpression(pattern: p)) != nil, "\(p)")
        }
    }

    @Test("a schema is compiled once per run: the same instance for every resource")
    func compiledOnce() throws {
        let schemas = try WidgetSchema.schemas()
        guard case .crd(let a) = schemas.lookup(apiVersion: "example.com/v1", kind: "Widget"),
              case .crd(let b) = schemas.lookup(apiVersion: "example.com/v1", kind: "Widget") else {
            Issue.record("no Widget schema")
            return
        }
        #expect(a === b)
        guard case .stack(let c) = schemas.lookup(apiVersion: "clickhouse.altinity.com/v1", kind: "ClickHouseInstallation"),
              case .stack(let d) = schemas.lookup(apiVersion: "clickhouse.altinity.com/v1", kind: "ClickHouseInstallation") else {
            Issue.record("no built-in ClickHouseInstallation schema")
            return
        }
        #expect(c === d)
    }

    @Test("a CRD replaces the built-in rules of its kind; an unknown kind is left alone")
    func lookupOrder() throws {
        var schemas = ValidationSchemas(adding: [WeaveStack().validationSchemas])
        guard case .stack = schemas.lookup(apiVersion: "apps.wandb.com/v1", kind: "WeightsAndBiases") else { Issue.record("built-in"); return }
        guard case .core = schemas.lookup(apiVersion: "v1", kind: "Secret") else { Issue.record("core"); return }
        guard case .unknown = schemas.lookup(apiVersion: "apps.wandb.com/v2", kind: "WeightsAndBiases") else { Issue.record("v2"); return }
        try schemas.addCRDs(parseStream(WidgetSchema.crd.replacingOccurrences(of: "example.com", with: "apps.wandb.com")
            .replacingOccurrences(of: "Widget", with: "WeightsAndBiases")))
        guard case .crd = schemas.lookup(apiVersion: "apps.wandb.com/v1", kind: "WeightsAndBiases") else { Issue.record("CRD"); return }
        guard case .unservedVersion(let served) = schemas.lookup(apiVersion: "apps.wandb.com/v2", kind: "WeightsAndBiases") else { Issue.record("v2"); return }
        #expect(served == ["v1"])
    }

    @Test("--crds DIR: a missing directory, and a directory without CRDs, are errors")
    func directoryErrors() throws {
        var schemas = ValidationSchemas(adding: [WeaveStack().validationSchemas])
        let missing = diagnostic { try schemas.addCRDs(inDirectory: "/nonexistent-crds") }
        #expect(missing?.headline == "error: --crds /nonexistent-crds: no such directory")
        let scratch = try Scratch(prefix: "gitops-weave-crds")
        let dir = scratch.url
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n".write(to: dir.appendingPathComponent("cm.yaml"), atomically: true, encoding: .utf8)
        let empty = diagnostic { try schemas.addCRDs(inDirectory: dir.path) }
        #expect(empty?.headline == "error: --crds \(dir.path): no CustomResourceDefinition in its YAML files")
        try WidgetSchema.crd.write(to: dir.appendingPathComponent("widget.yaml"), atomically: true, encoding: .utf8)
        try schemas.addCRDs(inDirectory: dir.path)
        #expect(schemas.crdKinds == ["example.com/Widget"])
    }

    @Test("the project file's crds: feed validation as well as merging")
    func projectCRDs() throws {
        let src = try ValidationSource()
        try src.write("gitops-weave.yaml", "crds: [crds/widget.yaml]\n")
        try src.write("crds/widget.yaml", WidgetSchema.crd)
        let project = try Project.load(from: FileSystemSource(root: src.url.path), stacks: .weave)
        #expect(project.validationSchemas.crdKinds == ["example.com/Widget"])
        #expect(project.registry.knows(ResourceID(apiVersion: "example.com/v1", kind: "Widget", namespace: nil, name: "w")))
    }
}

/// A source written into a temporary directory, removed at the end of the test.
final class ValidationSource {
    private let scratch: Scratch
    var url: URL { scratch.url }

    init() throws {
        scratch = try Scratch(prefix: "gitops-weave-validation")
    }

    /// A copy of the bundled project (gitops-weave.yaml, base, layers, environments).
    static func bundledCopy() throws -> ValidationSource {
        let src = try ValidationSource()
        for item in ["gitops-weave.yaml", "base", "layers", "environments"] {
            try FileManager.default.copyItem(at: Paths.repository.appendingPathComponent(item), to: src.url.appendingPathComponent(item))
        }
        return src
    }

    func write(_ path: String, _ text: String) throws {
        try scratch.write(path, text)
    }

    func project() throws -> Project {
        try Project.load(from: FileSystemSource(root: url.path), stacks: .weave)
    }

    /// Headlines with this source's root left out of the file names.
    func relative(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { $0.headline.replacingOccurrences(of: url.path + "/", with: "") }
    }

    /// Renders an environment; render errors fail the test.
    func render(_ name: String) throws -> RenderedEnvironment {
        let project = try project()
        let outcome = Renderer(project: project).render(named: name)
        let errors = outcome.diagnostics.filter { $0.severity == .error }
        try #require(errors.isEmpty, "\(errors.map(\.description))")
        return RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
    }
}

/// `../shared/schemas/validate_rendered.py`, the second opinion.
enum PythonValidator {
    static var script: String { Paths.shared.appendingPathComponent("schemas/validate_rendered.py").path }

    static let available: Bool = {
        guard FileManager.default.fileExists(atPath: script) else { return false }
        return (try? run(["-c", "import jsonschema, yaml"]))?.status == 0
    }()

    /// python3 with these arguments; `output` holds stdout and stderr.
    static func run(_ arguments: [String]) throws -> ProcessOutput {
        try ExternalTool.run("python3", arguments)
    }

    /// Validates a YAML stream written as one file.
    static func validate(yaml: String) throws -> ProcessOutput {
        let scratch = try Scratch(prefix: "gitops-weave-python")
        let dir = scratch.url
        try yaml.write(to: dir.appendingPathComponent("resources.yaml"), atomically: true, encoding: .utf8)
        return try run([script, "--augmented", "--ignore-missing-schemas", dir.path])
    }

    /// Where validate_rendered.py would say one of our errors is: ` at <path>`.
    static func at(_ d: Diagnostic) -> String {
        // "Kind/name path: what" or "Kind/name: what"
        let message = d.message
        guard let space = message.firstIndex(of: " "), let colon = message.range(of: ": ") else { return " at (root)" }
        if colon.lowerBound < space { return " at (root)" }
        return " at " + message[message.index(after: space)..<colon.lowerBound]
    }

    /// Writes the environments to a temporary tree and validates it (`--augmented`;
    /// ExternalSecret has no schema there, so missing schemas are skipped).
    static func validate(_ environments: [RenderedEnvironment]) throws -> ProcessOutput {
        let scratch = try Scratch(prefix: "gitops-weave-python")
        let dir = scratch.url.appendingPathComponent("rendered")
        for env in environments { try OutputDirectory(dir.path).write(env) }
        return try run([script, "--augmented", "--ignore-missing-schemas", dir.path])
    }
}

@Suite("Schema validation: rendered environments, positions, and agreement with validate_rendered.py")
struct RenderedValidationTests {
    static let environments = Bundled.environments

    func bundled() throws -> [RenderedEnvironment] {
        let project = try Project.load(from: FileSystemSource(root: Paths.repository.path), stacks: .weave)
        let renderer = Renderer(project: project)
        return try Self.environments.map { name in
            let outcome = renderer.render(named: name)
            try #require(!outcome.failed, "\(outcome.diagnostics)")
            return RenderedEnvironment(outcome, stacks: project.stacks, provenance: .init(sourceRevision: nil, sourceDirty: false))
        }
    }

    @Test("the bundled environments validate cleanly against the built-in schemas")
    func bundledBuiltin() throws {
        let validator = SchemaValidator(schemas: ValidationSchemas(adding: [WeaveStack().validationSchemas]))
        for env in try bundled() {
            #expect(validator.validate(env.resources).map(\.description) == [], "\(env.name)")
        }
        #expect(validator.coverage.partial == ["ClickHouseInstallation (clickhouse.altinity.com/v1)",
                                               "ClickHouseKeeperInstallation (clickhouse-keeper.altinity.com/v1)",
                                               "WeightsAndBiases (apps.wandb.com/v1)"])
    }

    @Test("the bundled environments validate cleanly against the real CRDs, and validate_rendered.py agrees",
          .enabled(if: SharedCRDs.available))
    func bundledCRDs() throws {
        let envs = try bundled()
        let validator = SchemaValidator(schemas: SharedCRDs.schemas)
        for env in envs {
            #expect(validator.validate(env.resources).map(\.description) == [], "\(env.name)")
        }
        #expect(validator.coverage.unknown == ["ExternalSecret (external-secrets.io/v1beta1)"])
        guard PythonValidator.available else { return }
        let python = try PythonValidator.validate(envs)
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output.hasSuffix(" 0 failed\n"), "\(python.output)")
    }

    /// One invalid example: a layer `broken` added to prod-aws.
    struct Example: CustomTestStringConvertible, Sendable {
        var name: String
        /// Files of layer `broken`, by path under it.
        var files: [String: String]
        /// Our error, exactly.
        var headline: String
        /// What validate_rendered.py says, a line that contains this.
        var python: String
        /// Also rejected without CRDs, by the built-in rules.
        var builtin: Bool
        var testDescription: String { name }
    }

    static let chiHeader = """
        apiVersion: clickhouse.altinity.com/v1
        kind: ClickHouseInstallation
        metadata:
          name: wandb
          namespace: clickhouse
        spec:

        """

    static let examples: [Example] = [
        Example(name: "wrong type", files: ["patches/chi.yaml": chiHeader + """
              configuration:
                clusters:
                - name: weavecluster
                  layout:
                    shardsCount: "1"

            """],
            headline: "layers/broken/patches/chi.yaml:11:22: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.shardsCount: expected integer, found string \"1\"",
            python: "'1' is not of type 'integer' at spec.configuration.clusters[0].layout.shardsCount", builtin: true),
        Example(name: "enum", files: ["patches/chi.yaml": chiHeader + """
              templates:
                volumeClaimTemplates:
                - name: data
                  reclaimPolicy: Keep

            """],
            headline: "layers/broken/patches/chi.yaml:10:22: error: ClickHouseInstallation/wandb spec.templates.volumeClaimTemplates[0].reclaimPolicy: unsupported value \"Keep\"",
            python: "'Keep' is not one of ['', 'Retain', 'Delete'] at spec.templates.volumeClaimTemplates[0].reclaimPolicy", builtin: true),
        // Cluster names have a stack rule of their own; shard names only the CRD's pattern.
        Example(name: "pattern", files: ["patches/chi.yaml": chiHeader + """
              configuration:
                clusters:
                - name: weavecluster
                  layout:
                    shards:
                    - name: shard_0

            """],
            headline: "layers/broken/patches/chi.yaml:12:17: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.shards[0].name: \"shard_0\" does not match the pattern ^[a-zA-Z0-9-]{0,15}$",
            python: "'shard_0' does not match '^[a-zA-Z0-9-]{0,15}$' at spec.configuration.clusters[0].layout.shards[0].name", builtin: true),
        Example(name: "unknown field", files: ["patches/chi.yaml": chiHeader + """
              configuration:
                clusters:
                - name: weavecluster
                  template:
                    podTemplate: clickhouse

            """],
            headline: "layers/broken/patches/chi.yaml:10:7: error: ClickHouseInstallation/wandb spec.configuration.clusters[0]: unknown field \"template\"",
            python: "Additional properties are not allowed ('template' was unexpected) at spec.configuration.clusters[0]", builtin: false),
        Example(name: "unknown field (W&B)", files: ["patches/wandb.yaml": """
            apiVersion: apps.wandb.com/v1
            kind: WeightsAndBiases
            metadata:
              name: wandb
              namespace: wandb
            spec:
              value:
                global: {host: x}

            """],
            headline: "layers/broken/patches/wandb.yaml:7:3: error: WeightsAndBiases/wandb spec: unknown field \"value\"",
            python: "Additional properties are not allowed ('value' was unexpected) at spec", builtin: true),
        Example(name: "missing required", files: ["patches/chi.yaml": chiHeader + """
              configuration:
                clusters:
                - name: weavecluster
                  secret:
                    valueFrom:
                      secretKeyRef:
                        name: cluster-secret

            """],
            headline: "layers/broken/patches/chi.yaml:13:13: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].secret.valueFrom.secretKeyRef: missing required field \"key\"",
            python: "'key' is a required property at spec.configuration.clusters[0].secret.valueFrom.secretKeyRef", builtin: true),
        Example(name: "null where not nullable", files: ["json-patches/chi.yaml": """
            target: {apiVersion: clickhouse.altinity.com/v1, kind: ClickHouseInstallation, name: wandb, namespace: clickhouse}
            patch:
            - op: replace
              path: /spec/configuration/clusters/0/layout/shardsCount
              value: null

            """],
            headline: "layers/broken/json-patches/chi.yaml:5:10: error: ClickHouseInstallation/wandb spec.configuration.clusters[0].layout.shardsCount: expected integer, found null",
            python: "None is not of type 'integer' at spec.configuration.clusters[0].layout.shardsCount", builtin: true),
        // A ClickHouseInstallation's string-typed booleans have a stack rule of their own (and
        // are checked below without rendering); an env var's value is a string too.
        Example(name: "boolean where a string is required", files: ["resources/settings.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: wandb
            data:
              WF_CLICKHOUSE_REPLICATED: true

            """],
            headline: "layers/broken/resources/settings.yaml:7:29: error: ConfigMap/settings data.WF_CLICKHOUSE_REPLICATED: expected string, found boolean true",
            python: "True is not of type 'string' at data.WF_CLICKHOUSE_REPLICATED", builtin: true),
        Example(name: "integer where a string is required (core ConfigMap)", files: ["resources/settings.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: wandb
            data:
              WF_CLICKHOUSE_PORT: 8123

            """],
            headline: "layers/broken/resources/settings.yaml:7:23: error: ConfigMap/settings data.WF_CLICKHOUSE_PORT: expected string, found integer 8123",
            python: "8123 is not of type 'string' at data.WF_CLICKHOUSE_PORT", builtin: true),
    ]

    func renderExample(_ example: Example) throws -> (ValidationSource, RenderedEnvironment) {
        let src = try ValidationSource.bundledCopy()
        for (path, text) in example.files { try src.write("layers/broken/" + path, text) }
        let prod = try String(contentsOf: src.url.appendingPathComponent("environments/prod-aws.yaml"), encoding: .utf8)
        try src.write("environments/broken.yaml", prod.replacingOccurrences(of: "layers: [prod, aws]", with: "layers: [prod, aws, broken]"))
        return (src, try src.render("broken"))
    }

    @Test("an invalid example is an error at the source line that set the value", arguments: examples)
    func invalid(_ example: Example) throws {
        let (src, env) = try renderExample(example)
        if SharedCRDs.available {
            let found = SchemaValidator(schemas: SharedCRDs.schemas).validate(env.resources)
            #expect(src.relative(found) == [example.headline])
            #expect(found.allSatisfy { $0.hint != nil })
        }
        let builtin = SchemaValidator(schemas: ValidationSchemas(adding: [WeaveStack().validationSchemas])).validate(env.resources)
        #expect(src.relative(builtin) == (example.builtin ? [example.headline] : []))
    }

    @Test("validate_rendered.py rejects every invalid example too, at the same path",
          .enabled(if: SharedCRDs.available && PythonValidator.available), arguments: examples)
    func pythonAgrees(_ example: Example) throws {
        let (_, env) = try renderExample(example)
        let python = try PythonValidator.validate([env])
        #expect(python.status == 1, "\(python.output)")
        #expect(python.output.contains(example.python), "\(python.output)")
        #expect(python.output.hasSuffix(" 1 failed\n"), "\(python.output)")
    }

    @Test("a value from a parameter is reported at the environment line that set it")
    func parameterPosition() throws {
        let src = try ValidationSource()
        try src.write("gitops-weave.yaml", "crds: [crds/widget.yaml]\nparameters:\n  size: {type: string}\n")
        try src.write("crds/widget.yaml", WidgetSchema.crd)
        try src.write("base/widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: ${size}\n")
        try src.write("environments/test.yaml", "parameters:\n  size: \"3\"\n")
        let project = try src.project()
        let env = try src.render("test")
        let found = SchemaValidator(schemas: project.validationSchemas).validate(env.resources)
        #expect(src.relative(found) == ["environments/test.yaml:2:9: error: Widget/w spec.size: expected integer, found string \"3\""])
    }
}

@Suite("Schema validation: roots and long values")
struct SchemaValidatorEdgeTests {
    @Test("a CRD schema that does not name apiVersion, kind or metadata still accepts them")
    func rootFields() throws {
        let crd = WidgetSchema.crd
            .replacingOccurrences(of: "                  apiVersion: {type: string}\n", with: "")
            .replacingOccurrences(of: "                  kind: {type: string}\n", with: "")
            .replacingOccurrences(of: "                  metadata: {type: object}\n", with: "")
        var schemas = ValidationSchemas(adding: [WeaveStack().validationSchemas])
        try schemas.addCRDs(parseStream(crd, file: "widget-crd.yaml"))
        let resource = try Resource(document: try parse("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\nstray: 1\n"))
        let headlines = SchemaValidator(schemas: schemas).validate(resource).map(\.headline)
        #expect(headlines.count == 1, "\(headlines)")
        #expect(headlines.first?.contains("unknown field \"stray\"") == true, "\(headlines)")
    }

    @Test("a huge value is not echoed whole in a message")
    func longValues() throws {
        let digits = String(repeating: "7", count: 5_000)
        let text = String(repeating: "x", count: 5_000)
        let errors = try WidgetSchema.errors("  size: 3\n  flag: \(digits)\n  ratio: \"\(text)\"\n")
        #expect(errors.count == 2, "\(errors.map(\.headline))")
        for e in errors { #expect(e.description.count < 400, "\(e.description.prefix(200))") }
    }
}
