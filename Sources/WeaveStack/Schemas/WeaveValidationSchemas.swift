import MergeEngine
import YAMLModel

/// Built-in validation of the Weave stack's custom resources (ClickHouseInstallation and
/// its template, ClickHouseKeeperInstallation, WeightsAndBiases v1): the fields the stack
/// relies on, with their types, patterns and string-typed booleans. Everything else in them
/// is left open, so these rules never reject what the real CRD accepts; full validation
/// needs the CRD (`--crds DIR`).
enum WeaveValidationSchemas {

    /// Shared parts of the Altinity installations, as YAML anchors.
    static let altinityDefinitions = """
        definitions:
          stringBool: &stringBool
            type: string
            enum: ["", "0", "1", "False", "false", "True", "true", "No", "no", "Yes", "yes", "Off", "off",
                   "On", "on", "Disable", "disable", "Enable", "enable", "Disabled", "disabled", "Enabled", "enabled"]
          open: &open {type: object, x-kubernetes-preserve-unknown-fields: true}
          port: &port {type: integer, minimum: 0, maximum: 65535}
          clusterName: &clusterName {type: string, minLength: 1, maxLength: 15, pattern: "^[a-zA-Z0-9-]{0,15}$"}
          namedHost: &namedHost {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {name: *clusterName}}
          templateNames: &templateNames
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              hostTemplate: {type: string}
              podTemplate: {type: string}
              dataVolumeClaimTemplate: {type: string}
              logVolumeClaimTemplate: {type: string}
              serviceTemplate: {type: string}
              clusterServiceTemplate: {type: string}
              shardServiceTemplate: {type: string}
              replicaServiceTemplate: {type: string}
              volumeClaimTemplate: {type: string}
          zookeeper: &zookeeper
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              nodes:
                type: array
                items:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    host: {type: string}
                    port: *port
                    secure: *stringBool
                    availabilityZone: {type: string}
              session_timeout_ms: {type: integer}
              operation_timeout_ms: {type: integer}
              root: {type: string}
              identity: {type: string}
              use_compression: *stringBool
          templates: &templates
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              hostTemplates:
                type: array
                items: {type: object, x-kubernetes-preserve-unknown-fields: true, properties: {name: {type: string}}}
              podTemplates:
                type: array
                items:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    name: {type: string}
                    distribution: {type: string, enum: ["", Unspecified, OnePerHost]}
                    metadata: *open
                    spec: *open
              volumeClaimTemplates:
                type: array
                items:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    name: {type: string}
                    provisioner: {type: string, enum: ["", StatefulSet, Operator]}
                    reclaimPolicy: {type: string, enum: ["", Retain, Delete]}
                    metadata: *open
                    spec: *open
              serviceTemplates:
                type: array
                items:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    name: {type: string}
                    metadata: *open
                    spec: *open
          defaults: &defaults
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              replicasUseFQDN: *stringBool
              templates: *templateNames
        """

    /// Compiles `definitions` followed by a `schema:` entry, and returns the kind's root.
    static func altinityKind(_ name: String, _ schema: String) -> ValidationSchema {
        let node = try! YAMLParser().parseDocument(altinityDefinitions + "\n" + schema, file: "<built-in schema \(name)>")
        let root = ValidationSchema.compile(node["schema"]!)
        root.setProperty("metadata", BuiltinValidationSchemas.objectMeta)
        return root
    }

    static let clickHouseInstallation = altinityKind("ClickHouseInstallation", """
        schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            status: *open
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              properties:
                taskID: {type: string}
                stop: *stringBool
                restart: {type: string, enum: ["", RollingUpdate]}
                suspend: *stringBool
                troubleshoot: *stringBool
                namespaceDomainPattern: {type: string}
                defaults: *defaults
                templates: *templates
                useTemplates:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      name: {type: string}
                      namespace: {type: string}
                configuration:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    zookeeper: *zookeeper
                    users: *open
                    profiles: *open
                    quotas: *open
                    settings: *open
                    files: *open
                    clusters:
                      type: array
                      items:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                        properties:
                          name: *clusterName
                          zookeeper: *zookeeper
                          settings: *open
                          files: *open
                          templates: *templateNames
                          insecure: *stringBool
                          secure: *stringBool
                          pdbManaged: *stringBool
                          pdbMaxUnavailable: *port
                          secret:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
                            properties:
                              auto: *stringBool
                              value: {type: string}
                              valueFrom:
                                type: object
                                x-kubernetes-preserve-unknown-fields: true
                                properties:
                                  secretKeyRef:
                                    type: object
                                    x-kubernetes-preserve-unknown-fields: true
                                    required: [name, key]
                                    properties:
                                      name: {type: string}
                                      key: {type: string}
                                      optional: {type: boolean}
                          layout:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
                            properties:
                              shardsCount: {type: integer}
                              replicasCount: {type: integer}
                              shards:
                                type: array
                                items:
                                  type: object
                                  x-kubernetes-preserve-unknown-fields: true
                                  properties:
                                    name: *clusterName
                                    replicas: {type: array, items: *namedHost}
                              replicas:
                                type: array
                                items:
                                  type: object
                                  x-kubernetes-preserve-unknown-fields: true
                                  properties:
                                    name: *clusterName
                                    shards: {type: array, items: *namedHost}
        """)

    static let clickHouseKeeperInstallation = altinityKind("ClickHouseKeeperInstallation", """
        schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            status: *open
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              properties:
                taskID: {type: string}
                stop: *stringBool
                suspend: *stringBool
                namespaceDomainPattern: {type: string}
                defaults: *defaults
                templates: *templates
                configuration:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    settings: *open
                    files: *open
                    clusters:
                      type: array
                      items:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                        properties:
                          name: *clusterName
                          settings: *open
                          files: *open
                          templates: *templateNames
                          pdbManaged: *stringBool
                          pdbMaxUnavailable: *port
                          layout:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
                            properties:
                              replicasCount: {type: integer}
                              replicas: {type: array}
        """)

    /// The W&B operator's v1 resource: Helm values and chart, both free-form.
    static let weightsAndBiases = BuiltinValidationSchemas.kind("WeightsAndBiases", """
          spec:
            type: object
            properties:
              chart: {type: object, x-kubernetes-preserve-unknown-fields: true}
              values: {type: object, x-kubernetes-preserve-unknown-fields: true}
        \(BuiltinValidationSchemas.status)
        """)

    /// By `group/version/Kind`.
    static let all: [String: ValidationSchema] = [
        "clickhouse.altinity.com/v1/ClickHouseInstallation": clickHouseInstallation,
        "clickhouse.altinity.com/v1/ClickHouseInstallationTemplate": clickHouseInstallation,
        "clickhouse-keeper.altinity.com/v1/ClickHouseKeeperInstallation": clickHouseKeeperInstallation,
        "apps.wandb.com/v1/WeightsAndBiases": weightsAndBiases,
    ]
}
