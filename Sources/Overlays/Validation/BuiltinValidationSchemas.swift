/// Schemas known without any CRD file, written as OpenAPI v3 (the form CRDs use) and
/// compiled once per process:
///
/// - `ObjectMeta`, as far as the API server checks it for custom resources: the types of
///   `name`, `generateName`, `namespace`, `labels` and `annotations`;
/// - the core kinds the project emits (Namespace, ConfigMap, Secret, ServiceAccount) and the
///   basics of Deployment, StatefulSet and Service: their top-level fields, closed, and the
///   types of the fields that are commonly mistyped;
/// - the stack's custom resources (ClickHouseInstallation and its template,
///   ClickHouseKeeperInstallation, WeightsAndBiases v1): the fields the stack relies on,
///   with their types, patterns and string-typed booleans. Everything else in them is left
///   open, so these rules never reject what the real CRD accepts; full validation needs the
///   CRD (`--crds DIR`).
public enum BuiltinValidationSchemas {
    static func compile(_ yaml: String, name: String) -> ValidationSchema {
        // The texts below are fixed; a mistake in them is a bug found by the first test.
        let node = try! YAMLParser().parseDocument(yaml, file: "<built-in schema \(name)>")
        return ValidationSchema.compile(node)
    }

    /// A kind's root: `apiVersion`, `kind`, ObjectMeta, and `fields` (YAML text of more
    /// properties, indented by two spaces). The root is closed, as in every CRD.
    static func kind(_ name: String, _ fields: String) -> ValidationSchema {
        let root = compile("""
            type: object
            properties:
              apiVersion: {type: string}
              kind: {type: string}
            \(fields)
            """, name: name)
        root.setProperty("metadata", objectMeta)
        return root
    }

    /// ObjectMeta: types only, other fields left alone (the API server manages them).
    public static let objectMeta = compile("""
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          name: {type: string}
          generateName: {type: string}
          namespace: {type: string}
          labels: {type: object, additionalProperties: {type: string}}
          annotations: {type: object, additionalProperties: {type: string}}
          finalizers: {type: array, items: {type: string}}
        """, name: "ObjectMeta")

    static let status = """
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """

    // MARK: Core kinds

    static let namespace = kind("Namespace", """
          spec:
            type: object
            properties:
              finalizers: {type: array, items: {type: string}}
        \(status)
        """)

    static let configMap = kind("ConfigMap", """
          data: {type: object, additionalProperties: {type: string}}
          binaryData: {type: object, additionalProperties: {type: string, format: byte}}
          immutable: {type: boolean}
        """)

    static let secret = kind("Secret", """
          type: {type: string}
          data: {type: object, additionalProperties: {type: string, format: byte}}
          stringData: {type: object, additionalProperties: {type: string}}
          immutable: {type: boolean}
        """)

    static let serviceAccount = kind("ServiceAccount", """
          automountServiceAccountToken: {type: boolean}
          imagePullSecrets:
            type: array
            items:
              type: object
              properties:
                name: {type: string}
          secrets:
            type: array
            items: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """)

    /// The parts of a workload spec that are typed here; the rest is open.
    static let workloadSpecCommon = """
              replicas: {type: integer, format: int32, minimum: 0}
              minReadySeconds: {type: integer, format: int32}
              revisionHistoryLimit: {type: integer, format: int32}
              selector: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """

    static let deployment = kind("Deployment", """
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
        \(workloadSpecCommon)
              paused: {type: boolean}
              progressDeadlineSeconds: {type: integer, format: int32}
              strategy: {type: object, x-kubernetes-preserve-unknown-fields: true}
        \(status)
        """)

    static let statefulSet = kind("StatefulSet", """
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
        \(workloadSpecCommon)
              serviceName: {type: string}
              podManagementPolicy: {type: string, enum: [OrderedReady, Parallel]}
              volumeClaimTemplates: {type: array, items: {type: object, x-kubernetes-preserve-unknown-fields: true}}
              updateStrategy: {type: object, x-kubernetes-preserve-unknown-fields: true}
        \(status)
        """)

    static let service = kind("Service", """
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              type: {type: string, enum: [ClusterIP, NodePort, LoadBalancer, ExternalName]}
              clusterIP: {type: string}
              selector: {type: object, additionalProperties: {type: string}}
              ports:
                type: array
                items:
                  type: object
                  required: [port]
                  properties:
                    name: {type: string}
                    protocol: {type: string, enum: [TCP, UDP, SCTP]}
                    appProtocol: {type: string}
                    port: {type: integer, format: int32, minimum: 1, maximum: 65535}
                    targetPort: {x-kubernetes-int-or-string: true}
                    nodePort: {type: integer, format: int32}
        \(status)
        """)

    /// By `group/version/Kind`, the core group empty.
    public static let core: [String: ValidationSchema] = [
        "/v1/Namespace": namespace,
        "/v1/ConfigMap": configMap,
        "/v1/Secret": secret,
        "/v1/ServiceAccount": serviceAccount,
        "/v1/Service": service,
        "apps/v1/Deployment": deployment,
        "apps/v1/StatefulSet": statefulSet,
    ]

    // MARK: The stack's custom resources

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
        root.setProperty("metadata", objectMeta)
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
    static let weightsAndBiases = kind("WeightsAndBiases", """
          spec:
            type: object
            properties:
              chart: {type: object, x-kubernetes-preserve-unknown-fields: true}
              values: {type: object, x-kubernetes-preserve-unknown-fields: true}
        \(status)
        """)

    /// By `group/version/Kind`.
    public static let stack: [String: ValidationSchema] = [
        "clickhouse.altinity.com/v1/ClickHouseInstallation": clickHouseInstallation,
        "clickhouse.altinity.com/v1/ClickHouseInstallationTemplate": clickHouseInstallation,
        "clickhouse-keeper.altinity.com/v1/ClickHouseKeeperInstallation": clickHouseKeeperInstallation,
        "apps.wandb.com/v1/WeightsAndBiases": weightsAndBiases,
    ]
}
