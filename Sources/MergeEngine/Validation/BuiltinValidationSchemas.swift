import YAMLModel

/// Schemas known without any CRD file, written as OpenAPI v3 (the form CRDs use) and
/// compiled once per process:
///
/// - `ObjectMeta`, as far as the API server checks it for custom resources: the types of
///   `name`, `generateName`, `namespace`, `labels` and `annotations`;
/// - the core kinds the project emits (Namespace, ConfigMap, Secret, ServiceAccount) and the
///   basics of Deployment, StatefulSet and Service: their top-level fields, closed, and the
///   types of the fields that are commonly mistyped;
/// - the custom resources of a stack, which a stack plug-in writes with `kind(_:_:)`
///   (`Stack.validationSchemas`).
public enum BuiltinValidationSchemas {
    public static func compile(_ yaml: String, name: String) -> ValidationSchema {
        // The texts below are fixed; a mistake in them is a bug found by the first test.
        let node = try! YAMLParser().parseDocument(yaml, file: "<built-in schema \(name)>")
        return ValidationSchema.compile(node)
    }

    /// A kind's root: `apiVersion`, `kind`, ObjectMeta, and `fields` (YAML text of more
    /// properties, indented by two spaces). The root is closed, as in every CRD.
    public static func kind(_ name: String, _ fields: String) -> ValidationSchema {
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

    public static let status = """
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
}
