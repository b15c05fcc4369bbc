import Foundation
import YAMLModel
import MergeEngine
import Overlays
import WeaveStack
import LocalFiles
import Testing

@Suite("Schema registry: merge key declarations, CRD schemas")
struct SchemaRegistryTests {
    typealias F = MergeFixture

    // MARK: MergeKeyDeclaration

    struct ValidDeclaration: Sendable, CustomTestStringConvertible {
        var text: String
        var group: String
        var kind: String
        var path: [String]
        var intoElements: [Bool]
        var key: [String]
        var normalized: String
        var testDescription: String { text }
    }

    @Test("valid declarations", arguments: [
        ValidDeclaration(text: "example.com/Widget:spec.items=name", group: "example.com", kind: "Widget",
                         path: ["spec", "items"], intoElements: [false, false], key: ["name"],
                         normalized: "example.com/Widget:spec.items=name"),
        ValidDeclaration(text: "apps.example.com/Widget:spec.pools[].members=name", group: "apps.example.com", kind: "Widget",
                         path: ["spec", "pools", "members"], intoElements: [false, true, false], key: ["name"],
                         normalized: "apps.example.com/Widget:spec.pools[].members=name"),
        ValidDeclaration(text: "/ServiceAccount:imagePullSecrets=name", group: "", kind: "ServiceAccount",
                         path: ["imagePullSecrets"], intoElements: [false], key: ["name"],
                         normalized: "/ServiceAccount:imagePullSecrets=name"),
        ValidDeclaration(text: "Pod:spec.tolerations=key", group: "", kind: "Pod",
                         path: ["spec", "tolerations"], intoElements: [false, false], key: ["key"],
                         normalized: "/Pod:spec.tolerations=key"),
        ValidDeclaration(text: "example.com/Widget:spec.ports=port, protocol", group: "example.com", kind: "Widget",
                         path: ["spec", "ports"], intoElements: [false, false], key: ["port", "protocol"],
                         normalized: "example.com/Widget:spec.ports=port,protocol"),
        ValidDeclaration(text: "networking.example.io/Route:spec.rules[].backends[].filters=type", group: "networking.example.io",
                         kind: "Route", path: ["spec", "rules", "backends", "filters"], intoElements: [false, true, true, false],
                         key: ["type"], normalized: "networking.example.io/Route:spec.rules[].backends[].filters=type"),
    ])
    func validDeclaration(_ d: ValidDeclaration) throws {
        let parsed = try MergeKeyDeclaration(parsing: d.text)
        #expect(parsed.group == d.group)
        #expect(parsed.kind == d.kind)
        #expect(parsed.groupKind == "\(d.group)/\(d.kind)")
        #expect(parsed.path.map(\.name) == d.path)
        #expect(parsed.path.map(\.intoElements) == d.intoElements)
        #expect(parsed.key.fields == d.key)
        #expect(parsed.description == d.normalized)
        #expect(try MergeKeyDeclaration(parsing: parsed.description) == parsed)
    }

    @Test("invalid declarations", arguments: [
        ("example.com/Widget", "cannot read merge key declaration"),
        ("example.com/Widget:spec.items", "cannot read merge key declaration"),
        ("example.com/Widget=name:spec.items", "cannot read merge key declaration"),
        ("example.com/Widget:spec.items=", "cannot read merge key declaration"),
        ("example.com/Widget:spec.items= , ", "cannot read merge key declaration"),
        ("example.com/:spec.items=name", "cannot read merge key declaration"),
        (":spec.items=name", "cannot read merge key declaration"),
        ("example.com/Widget:=name", "has an empty path segment"),
        ("example.com/Widget:spec..items=name", "has an empty path segment"),
        ("example.com/Widget:spec.items.=name", "has an empty path segment"),
        ("example.com/Widget:spec.[].items=name", "has an empty path segment"),
    ])
    func invalidDeclaration(text: String, problem: String) {
        let d = diagnostic { _ = try MergeKeyDeclaration(parsing: text) }
        let expected = problem == "has an empty path segment"
            ? "error: merge key declaration \"\(text)\" has an empty path segment"
            : "error: cannot read merge key declaration \"\(text)\""
        #expect(d?.headline == expected)
        #expect(d?.hint?.contains("group/Kind:path.to.list=key") == true)
    }

    // MARK: Declared keys

    static let widget = """
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w
        spec:
          items:
          - {name: a, size: 1, color: red}
          - {name: b, size: 2}
          pools:
          - name: p1
            members:
            - {id: m1, weight: 1}
            - {id: m2, weight: 1}
          ports:
          - {port: 53, protocol: UDP, note: dns}
          - {port: 53, protocol: TCP, note: dns}
          - {port: 80, protocol: TCP, note: web}
        """

    static let widgetHeader = """
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w

        """

    static func declared(_ declarations: String...) throws -> SchemaRegistry {
        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        for d in declarations { registry.declare(try MergeKeyDeclaration(parsing: d)) }
        return registry
    }

    @Test("without a declaration an unknown kind's lists are replaced")
    func undeclared() throws {
        var patcher = try F.patcher(Self.widget)
        try patcher.applyStrategic(try parse(Self.widgetHeader + "spec:\n  items: [{name: a, size: 5}]\n", file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.items", "[{name: a, size: 5}]")
        #expect(patcher.notes.count == 1)
    }

    @Test("a declared key makes a list of an unknown kind merge by key")
    func declaredKey() throws {
        let registry = try Self.declared("example.com/Widget:spec.items=name")
        let id = ResourceID(apiVersion: "example.com/v1", kind: "Widget", namespace: nil, name: "w")
        #expect(registry.knows(id))
        guard case .strategic(_, let options) = registry.semantics(for: id) else {
            Issue.record("a declared kind merges strategically")
            return
        }
        #expect(options == .customResource)

        var patcher = try F.patcher(Self.widget, registry: registry)
        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              items:
              - {name: a, size: 5}
              - {name: c, size: 3}
            """, file: "patch.yaml"))
        // apimachinery's order: a is in the base before b; c is not, so it goes before b.
        F.expect(patcher.resources[0].node, "spec.items", "[{name: a, size: 5, color: red}, {name: c, size: 3}, {name: b, size: 2}]")
        #expect(patcher.notes.isEmpty)
    }

    @Test("declarations reach into list elements with []", arguments: [
        ["example.com/Widget:spec.pools=name", "example.com/Widget:spec.pools[].members=id"],
        ["example.com/Widget:spec.pools[].members=id", "example.com/Widget:spec.pools=name"],
    ])
    func nestedDeclarations(_ declarations: [String]) throws {
        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        for d in declarations { registry.declare(try MergeKeyDeclaration(parsing: d)) }
        var patcher = try F.patcher(Self.widget, registry: registry)
        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              pools:
              - name: p1
                members:
                - {id: m2, weight: 5}
            """, file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.pools", "[{name: p1, members: [{id: m1, weight: 1}, {id: m2, weight: 5}]}]")
    }

    @Test("a list inside an atomic list is replaced with it, declared or not")
    func nestedWithoutOuterKey() throws {
        let registry = try Self.declared("example.com/Widget:spec.pools[].members=id")
        var patcher = try F.patcher(Self.widget, registry: registry)
        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              pools:
              - name: p1
                members:
                - {id: m2, weight: 5}
            """, file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.pools", "[{name: p1, members: [{id: m2, weight: 5}]}]")
    }

    @Test("several keys: elements match when the primary agrees and the others agree where both have them")
    func multipleKeys() throws {
        let registry = try Self.declared("example.com/Widget:spec.ports=port,protocol")
        var patcher = try F.patcher(Self.widget, registry: registry)
        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              ports:
              - {port: 53, protocol: TCP, note: dns-tcp}
            """, file: "patch.yaml"))
        // The base-only UDP element keeps its place before the patched TCP one, as the
        // interleaving rule says (both are in the base, and UDP's index is smaller).
        F.expect(patcher.resources[0].node, "spec.ports", """
            - {port: 53, protocol: UDP, note: dns}
            - {port: 53, protocol: TCP, note: dns-tcp}
            - {port: 80, protocol: TCP, note: web}
            """)

        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              ports:
              - {port: 53, note: first}
              - {port: 8080, protocol: TCP}
            """, file: "patch2.yaml"))
        F.expect(patcher.resources[0].node, "spec.ports", """
            - {port: 53, protocol: UDP, note: first}
            - {port: 53, protocol: TCP, note: dns-tcp}
            - {port: 8080, protocol: TCP}
            - {port: 80, protocol: TCP, note: web}
            """)
    }

    @Test("several keys: deleting one of two elements that share the primary key")
    func multipleKeysDelete() throws {
        let registry = try Self.declared("example.com/Widget:spec.ports=port,protocol")
        var patcher = try F.patcher(Self.widget, registry: registry)
        try patcher.applyStrategic(try parse(Self.widgetHeader + """
            spec:
              ports:
              - {port: 53, protocol: TCP, $patch: delete}
            """, file: "patch.yaml"))
        F.expect(patcher.resources[0].node, "spec.ports", """
            - {port: 53, protocol: UDP, note: dns}
            - {port: 80, protocol: TCP, note: web}
            """)
    }

    @Test("a declaration extends a built-in kind without changing other registries")
    func declareOnBuiltIn() throws {
        let registry = try Self.declared("apps/Deployment:spec.template.spec.tolerations=key")
        let patch = F.deploymentHeader + """
            spec:
              template:
                spec:
                  tolerations:
                  - {key: k2, operator: Exists}
            """
        let merged = try F.merge(F.deployment, patch, registry: registry)
        F.expect(merged, "spec.template.spec.tolerations", "[{key: k2, operator: Exists}, {key: k1, operator: Exists}]")
        // Containers still merge by name: the declaration added to the built-in type.
        #expect(F.value(merged, "spec.template.spec.containers")?.sequence?.count == 2)
        // The built-in types are shared; a declaration must not leak into a fresh registry.
        let fresh = try F.merge(F.deployment, patch)
        F.expect(fresh, "spec.template.spec.tolerations", "[{key: k2, operator: Exists}]")
        let podSpec = CoreSchemas.podSpec.field("tolerations")
        #expect(podSpec == nil || podSpec?.list == .atomic)
    }

    @Test("a core kind is declared with an empty group")
    func declareOnCoreKind() throws {
        let base = """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: builder
            imagePullSecrets:
            - name: a
            """
        let patch = """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: builder
            imagePullSecrets:
            - name: b
            """
        F.expect(try F.merge(base, patch), "imagePullSecrets", "[{name: b}]")
        let registry = try Self.declared("ServiceAccount:imagePullSecrets=name")
        F.expect(try F.merge(base, patch, registry: registry), "imagePullSecrets", "[{name: b}, {name: a}]")
    }

    @Test("the empty registry knows nothing; the default one knows the core and stack kinds")
    func builtInKinds() {
        func id(_ apiVersion: String, _ kind: String) -> ResourceID {
            ResourceID(apiVersion: apiVersion, kind: kind, namespace: nil, name: "x")
        }
        let registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        for (apiVersion, kind) in [("apps/v1", "Deployment"), ("v1", "ConfigMap"), ("batch/v1", "CronJob"),
                                   ("clickhouse.altinity.com/v1", "ClickHouseInstallation"),
                                   ("clickhouse-keeper.altinity.com/v1", "ClickHouseKeeperInstallation"),
                                   ("apps.wandb.com/v1", "WeightsAndBiases")] {
            #expect(registry.knows(id(apiVersion, kind)), "\(kind)")
            #expect(!SchemaRegistry.empty.knows(id(apiVersion, kind)), "\(kind)")
        }
        #expect(!registry.knows(id("example.com/v1", "Widget")))
        if case .strategic(_, let options) = registry.semantics(for: id("apps/v1", "Deployment")) {
            #expect(options == .apimachinery)
        } else {
            Issue.record("Deployment merges strategically")
        }
        if case .strategic(_, let options) = registry.semantics(for: id("clickhouse.altinity.com/v1", "ClickHouseInstallation")) {
            #expect(options == .customResource)
        } else {
            Issue.record("ClickHouseInstallation merges strategically")
        }
        if case .jsonMerge = registry.semantics(for: id("example.com/v1", "Widget")) {} else {
            Issue.record("an unknown kind merges as JSON merge patch")
        }
    }

    // MARK: CRDSchemaReader on real CRDs

    @Test("every shared CRD is read, anchors and << merge keys included", arguments: [
        ("argo_application.yaml", "argoproj.io/Application"),
        ("argo_applicationset.yaml", "argoproj.io/ApplicationSet"),
        ("argo_appproject.yaml", "argoproj.io/AppProject"),
        ("chop_clickhouseinstallations.clickhouse.altinity.com.yaml", "clickhouse.altinity.com/ClickHouseInstallation"),
        ("chop_clickhouseinstallationtemplates.clickhouse.altinity.com.yaml", "clickhouse.altinity.com/ClickHouseInstallationTemplate"),
        ("chop_clickhousekeeperinstallations.clickhouse-keeper.altinity.com.yaml", "clickhouse-keeper.altinity.com/ClickHouseKeeperInstallation"),
        ("chop_clickhouseoperatorconfigurations.clickhouse.altinity.com.yaml", "clickhouse.altinity.com/ClickHouseOperatorConfiguration"),
        ("flux_gitrepositories.yaml", "source.toolkit.fluxcd.io/GitRepository"),
        ("flux_helmcharts.yaml", "source.toolkit.fluxcd.io/HelmChart"),
        ("flux_helmreleases.yaml", "helm.toolkit.fluxcd.io/HelmRelease"),
        ("flux_helmrepositories.yaml", "source.toolkit.fluxcd.io/HelmRepository"),
        ("flux_kustomizations.yaml", "kustomize.toolkit.fluxcd.io/Kustomization"),
        ("flux_ocirepositories.yaml", "source.toolkit.fluxcd.io/OCIRepository"),
        ("wandb_weightsandbiases.yaml", "apps.wandb.com/WeightsAndBiases"),
    ])
    func sharedCRD(file: String, groupKind: String) throws {
        let path = Paths.shared.appendingPathComponent("crds").appendingPathComponent(file).path
        let schemas = try CRDSchemaReader.read(try SourceFile.parseStream(path))
        #expect(schemas.map(\.groupKind) == [groupKind])
        let type = try #require(schemas.first?.type)
        #expect(type.field("metadata")?.type?.field("finalizers")?.list == .set)
    }

    @Test("the directory holds exactly the CRDs the test knows")
    func sharedCRDsListed() throws {
        let dir = Paths.shared.appendingPathComponent("crds").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        #expect(files.count == 14, "../shared/crds changed: \(files.sorted())")
    }

    @Test("the W&B CRD's storage version keys status.conditions by type")
    func wandbConditions() throws {
        let path = Paths.shared.appendingPathComponent("crds/wandb_weightsandbiases.yaml").path
        let schema = try #require(try CRDSchemaReader.read(try SourceFile.parseStream(path)).first)
        #expect(schema.type.field("status")?.type?.field("conditions")?.list == .mergeByKey(MergeKey("type")))
    }

    @Test("registering the real ClickHouseInstallation CRD keeps the built-in keys")
    func registerRealCRD() throws {
        let path = Paths.shared.appendingPathComponent("crds/chop_clickhouseinstallations.clickhouse.altinity.com.yaml").path
        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        for schema in try CRDSchemaReader.read(try SourceFile.parseStream(path)) {
            registry.register(schema.type, groupKind: schema.groupKind)
        }
        var patcher = try F.patcher(F.clickHouse, registry: registry)
        try patcher.applyStrategic(try parse(MergeFixture.prodPatch, file: "patch.yaml"))
        let merged = patcher.resources[0].node
        F.expect(merged, "spec.templates.podTemplates.0.spec.containers.0.image", "clickhouse/clickhouse-server:24.8")
        F.expect(merged, "spec.configuration.clusters.0.layout", "{shardsCount: 1, replicasCount: 3}")
    }

    // MARK: CRDSchemaReader on a hand-written CRD

    static let widgetCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          names: {kind: Widget, plural: widgets}
          scope: Namespaced
          versions:
          - name: v1alpha1
            served: true
            storage: false
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      legacy:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [id]
                        items: {type: object}
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      items:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items:
                          type: object
                          properties:
                            name: {type: string}
                            tags:
                              type: array
                              x-kubernetes-list-type: set
                              items: {type: string}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [port, protocol]
                        items: {type: object}
                      members:
                        type: array
                        x-kubernetes-patch-strategy: merge,retainKeys
                        x-kubernetes-patch-merge-key: id
                        items: {type: object}
                      aliases:
                        type: array
                        x-kubernetes-patch-strategy: merge
                        items: {type: string}
                      tags:
                        type: array
                        x-kubernetes-list-type: set
                        items: {type: string}
                      args:
                        type: array
                        items: {type: string}
                      rules:
                        type: array
                        x-kubernetes-list-type: atomic
                        items:
                          type: object
                          properties:
                            hosts:
                              type: array
                              x-kubernetes-list-type: set
                              items: {type: string}
                      selector:
                        type: object
                        x-kubernetes-patch-strategy: replace
                        additionalProperties: {type: string}
                      zones:
                        type: object
                        additionalProperties:
                          type: array
                          x-kubernetes-list-type: set
                          items: {type: string}
        """

    static func widgetSchema() throws -> CRDSchemaReader.KindSchema {
        let docs = try parseStream("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated}\n---\n" + widgetCRD, file: "crd.yaml")
        let schemas = try CRDSchemaReader.read(docs)
        #expect(schemas.count == 1, "documents other than CRDs are ignored")
        return try #require(schemas.first)
    }

    @Test("list annotations become list strategies")
    func listStrategies() throws {
        let schema = try Self.widgetSchema()
        #expect(schema.groupKind == "example.com/Widget")
        let spec = try #require(schema.type.field("spec")?.type)
        #expect(spec.field("items")?.list == .mergeByKey(MergeKey("name")))
        #expect(spec.field("items")?.type?.field("tags")?.list == .set)
        #expect(spec.field("ports")?.list == .mergeByKey(MergeKey(["port", "protocol"])))
        #expect(spec.field("members")?.list == .mergeByKey(MergeKey("id")))
        #expect(spec.field("aliases")?.list == .set)
        #expect(spec.field("tags")?.list == .set)
        #expect(spec.field("args") == nil, "an atomic list of scalars says nothing the default does not")
        #expect(spec.field("rules")?.list == .atomic)
        #expect(spec.field("rules")?.type?.field("hosts")?.list == .set)
        #expect(spec.field("selector")?.replacesMap == true)
        #expect(spec.field("zones")?.type?.field("eu-west-1")?.list == .set)
        #expect(spec.field("legacy") == nil, "the storage version's schema is the one read")
        #expect(schema.type.field("metadata")?.type?.field("finalizers")?.list == .set, "metadata is ObjectMeta")
    }

    @Test("a registered CRD makes ResourcePatcher merge as it says")
    func registeredCRDMerges() throws {
        let schema = try Self.widgetSchema()
        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        registry.register(schema.type, groupKind: schema.groupKind)
        var patcher = try F.patcher("""
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: w
              finalizers: [f1]
            spec:
              items:
              - {name: a, size: 1, tags: [x]}
              - {name: b, size: 2}
              ports:
              - {port: 53, protocol: UDP}
              - {port: 53, protocol: TCP}
              members:
              - {id: m1, role: lead}
              aliases: [one]
              tags: [t1, t2]
              args: [--a, --b]
              rules:
              - {hosts: [h1], path: /}
              selector: {app: w, tier: front}
              zones:
                eu: [z1]
            """, registry: registry)
        try patcher.applyStrategic(try parse("""
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: w
              finalizers: [f2]
            spec:
              items:
              - {name: a, tags: [y]}
              ports:
              - {port: 53, protocol: TCP, name: dns-tcp}
              members:
              - {id: m2, role: follower}
              aliases: [two]
              tags: [t3, t1]
              args: [--c]
              rules:
              - {hosts: [h2]}
              selector: {app: w2}
              zones:
                eu: [z2]
            """, file: "patch.yaml"))
        #expect(patcher.notes.isEmpty)
        let merged = patcher.resources[0].node
        F.expect(merged, "metadata.finalizers", "[f2, f1]")
        F.expect(merged, "spec.items", "[{name: a, size: 1, tags: [y, x]}, {name: b, size: 2}]")
        F.expect(merged, "spec.ports", "[{port: 53, protocol: UDP}, {port: 53, protocol: TCP, name: dns-tcp}]")
        F.expect(merged, "spec.members", "[{id: m2, role: follower}, {id: m1, role: lead}]")
        F.expect(merged, "spec.aliases", "[two, one]")
        F.expect(merged, "spec.tags", "[t3, t1, t2]")
        F.expect(merged, "spec.args", "[--c]")
        F.expect(merged, "spec.rules", "[{hosts: [h2]}]")
        F.expect(merged, "spec.selector", "{app: w2}")
        F.expect(merged, "spec.zones", "{eu: [z2, z1]}")
    }

    @Test("a v1beta1 CRD's spec.validation schema is read")
    func v1beta1Validation() throws {
        let schema = try CRDSchemaReader.read(crd: try parse("""
            apiVersion: apiextensions.k8s.io/v1beta1
            kind: CustomResourceDefinition
            metadata: {name: olds.example.com}
            spec:
              group: example.com
              names: {kind: Old}
              validation:
                openAPIV3Schema:
                  properties:
                    spec:
                      properties:
                        items:
                          type: array
                          x-kubernetes-patch-strategy: merge
                          x-kubernetes-patch-merge-key: name
                          items: {type: object}
            """))
        #expect(schema.groupKind == "example.com/Old")
        #expect(schema.type.field("spec")?.type?.field("items")?.list == .mergeByKey(MergeKey("name")))
    }

    @Test("a CRD file registered for a built-in stack kind adds what the built-ins do not say")
    func registerOverlay() throws {
        let crd = try CRDSchemaReader.read(crd: try parse("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: clickhouseinstallations.clickhouse.altinity.com}
            spec:
              group: clickhouse.altinity.com
              names: {kind: ClickHouseInstallation}
              versions:
              - name: v1
                storage: true
                schema:
                  openAPIV3Schema:
                    properties:
                      spec:
                        properties:
                          configuration:
                            properties:
                              clusters:
                                type: array
                                x-kubernetes-list-type: atomic
                                items:
                                  type: object
                                  properties:
                                    layout:
                                      properties:
                                        shards:
                                          type: array
                                          x-kubernetes-list-type: map
                                          x-kubernetes-list-map-keys: [name]
                                          items: {type: object}
            """))
        var registry = SchemaRegistry(adding: [WeaveStack().mergeTypes])
        registry.register(crd.type, groupKind: crd.groupKind)
        let base = F.clickHouseHeader + """
            spec:
              configuration:
                clusters:
                - name: weavecluster
                  layout:
                    shards:
                    - {name: s0, weight: 1}
                    - {name: s1, weight: 1}
                - name: other
            """
        let patch = F.clickHouseHeader + """
            spec:
              configuration:
                clusters:
                - name: weavecluster
                  layout:
                    shards:
                    - {name: s1, weight: 2}
            """
        let merged = try F.merge(base, patch, registry: registry)
        // clusters keeps its built-in key (the CRD's "atomic" does not override it) and
        // shards gains the CRD's.
        F.expect(merged, "spec.configuration.clusters.0.layout.shards", "[{name: s0, weight: 1}, {name: s1, weight: 2}]")
        F.expect(merged, "spec.configuration.clusters.1", "{name: other}")
        // The built-in type itself is unchanged.
        let fresh = try F.merge(base, patch)
        F.expect(fresh, "spec.configuration.clusters.0.layout.shards", "[{name: s1, weight: 2}]")
    }

    @Test("malformed CRDs", arguments: [
        ("kind: CustomResourceDefinition\nmetadata: {name: x}\n", "crd.yaml:1:1: error: the CustomResourceDefinition has no spec"),
        ("kind: CustomResourceDefinition\nspec:\n  names: {kind: W}\n", "crd.yaml:3:3: error: the CustomResourceDefinition has no spec.group"),
        ("kind: CustomResourceDefinition\nspec:\n  group: example.com\n", "crd.yaml:3:3: error: the CustomResourceDefinition has no spec.names.kind"),
    ])
    func malformedCRD(text: String, headline: String) {
        #expect(diagnostic { _ = try CRDSchemaReader.read(try parseStream(text, file: "crd.yaml")) }?.headline == headline)
    }
}

@Suite("kubectl's kind names: short, plural and singular")
struct KindNamesTests {
    @Test("built-in short names and plurals, case-insensitive; a kind itself is left alone")
    func builtIn() throws {
        let names = KindNames.kubernetes
        for (alias, kind, group) in [("deploy", "Deployment", "apps"), ("sts", "StatefulSet", "apps"), ("svc", "Service", ""),
                                     ("cm", "ConfigMap", ""), ("ns", "Namespace", ""), ("sa", "ServiceAccount", ""),
                                     ("Deployments", "Deployment", "apps"), ("pvc", "PersistentVolumeClaim", ""), ("crd", "CustomResourceDefinition", "apiextensions.k8s.io")] {
            #expect(names.kind(named: alias) == KindNames.Kind(group: group, kind: kind), "\(alias)")
        }
        #expect(names.kind(named: "Deployment") == nil)
        let selector = try ResourceSelector(parsing: "deploy/web").resolvingKind(names)
        #expect(selector.kind == "Deployment" && selector.group == "apps" && selector.name == "web")
        // A group given with an alias must agree with it.
        #expect(try ResourceSelector(parsing: "deploy.batch/web").resolvingKind(names).kind == "deploy")
    }

    @Test("the stack's kinds, and a CRD's spec.names from the shared CRDs", .enabled(if: SharedCRDs.available))
    func stackAndCRD() throws {
        let stack = WeaveStack().kindNames
        #expect(stack.kind(named: "chi") == .init(group: "clickhouse.altinity.com", kind: "ClickHouseInstallation"))
        #expect(stack.kind(named: "chk") == .init(group: "clickhouse-keeper.altinity.com", kind: "ClickHouseKeeperInstallation"))
        let path = Paths.shared.appendingPathComponent("crds/argo_application.yaml").path
        let crd = try #require(try CustomResourceDefinition.read(try SourceFile.parseStream(path)).first)
        var names = KindNames.kubernetes
        names.add(group: crd.group, kind: crd.kind, plural: crd.plural, singular: crd.singular, shortNames: crd.shortNames)
        #expect(crd.shortNames.contains("app"))
        #expect(names.kind(named: "app") == .init(group: "argoproj.io", kind: "Application"))
        #expect(names.kind(named: "applications") == .init(group: "argoproj.io", kind: "Application"))
        // The stack's names agree with the operators' CRDs.
        for file in ["chop_clickhouseinstallations.clickhouse.altinity.com.yaml", "chop_clickhousekeeperinstallations.clickhouse-keeper.altinity.com.yaml", "wandb_weightsandbiases.yaml"] {
            let c = try #require(try CustomResourceDefinition.read(try SourceFile.parseStream(Paths.shared.appendingPathComponent("crds/" + file).path)).first)
            for short in c.shortNames { #expect(stack.kind(named: short) == .init(group: c.group, kind: c.kind), "\(short)") }
        }
    }
}
