import Foundation

/// A kustomize repository of one base and N overlays, written from a seed, so a given
/// `--overlays` always produces the same bytes:
///
///     base/                     a Deployment, a Service and a ConfigMap generator (literals
///                               and a file), referenced by name from the Deployment
///     overlays/env-NNNN/        namespace, namePrefix, commonLabels, an image tag,
///                               replicas, a strategic-merge patch of the Deployment
///                               (resources and env of its container), a JSON 6902 patch
///                               of the Service, and for a third of them a ConfigMap
///                               generator merged into the base's
struct OverlayRepository {
    let root: URL
    /// The overlays' directories relative to `root`, in name order.
    let overlays: [String]

    static let tiers = ["dev", "staging", "prod"]
    static let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]

    init(count: Int, seed: UInt64, root: URL) throws {
        self.root = root
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        let base = root.appendingPathComponent("base")
        try fm.createDirectory(at: base, withIntermediateDirectories: true)
        try Self.write(Self.baseKustomization, to: base.appendingPathComponent("kustomization.yaml"))
        try Self.write(Self.deployment, to: base.appendingPathComponent("deployment.yaml"))
        try Self.write(Self.service, to: base.appendingPathComponent("service.yaml"))
        try Self.write("server.port=8080\nfeature.search=true\nfeature.audit=false\n", to: base.appendingPathComponent("app.properties"))

        var rng = SplitMix64(seed: seed)
        let width = max(4, String(count).count)
        var overlays: [String] = []
        for i in 1...count {
            let digits = String(i)
            let name = "env-" + String(repeating: "0", count: width - digits.count) + digits
            let dir = root.appendingPathComponent("overlays").appendingPathComponent(name)
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            let overlay = Overlay(name: name, index: i, rng: &rng)
            try Self.write(overlay.kustomization, to: dir.appendingPathComponent("kustomization.yaml"))
            try Self.write(overlay.deploymentPatch, to: dir.appendingPathComponent("deployment-patch.yaml"))
            try Self.write(overlay.servicePatch, to: dir.appendingPathComponent("service-patch.json"))
            overlays.append("overlays/" + name)
        }
        self.overlays = overlays
    }

    private static func write(_ text: String, to url: URL) throws {
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    /// One overlay's varied values.
    struct Overlay {
        var name: String
        var tier: String
        var team: Int
        var tag: String
        var replicas: Int
        var cpu: Int
        var memory: Int
        var region: String
        var workers: Int
        var port: Int
        var extraPort: Bool
        var mergesConfig: Bool

        init(name: String, index: Int, rng: inout SplitMix64) {
            self.name = name
            tier = OverlayRepository.tiers[index % 3]
            team = rng.int(1...40)
            tag = "1.\(rng.int(0...30)).\(rng.int(0...99))"
            replicas = tier == "prod" ? rng.int(3...12) : rng.int(1...3)
            cpu = rng.int(1...20) * 100
            memory = rng.int(1...16) * 256
            region = rng.pick(OverlayRepository.regions)
            workers = rng.int(1...16)
            port = 8000 + rng.int(0...999)
            extraPort = rng.chance(30)
            mergesConfig = index % 3 == 0
        }

        var kustomization: String {
            var text = """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: \(name)
                namePrefix: \(name)-
                commonLabels:
                  env: \(name)
                  tier: \(tier)
                resources:
                - ../../base
                images:
                - name: registry.example.com/team/web
                  newTag: "\(tag)"
                replicas:
                - name: web
                  count: \(replicas)
                patches:
                - path: deployment-patch.yaml
                - path: service-patch.json
                  target:
                    kind: Service
                    name: web

                """
            if mergesConfig {
                text += """
                    configMapGenerator:
                    - name: app-config
                      behavior: merge
                      literals:
                      - LOG_LEVEL=debug
                      - REGION=\(region)

                    """
            }
            return text
        }

        var deploymentPatch: String {
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers:
                  - name: web
                    resources:
                      requests:
                        cpu: \(cpu)m
                        memory: \(memory)Mi
                      limits:
                        memory: \(memory * 2)Mi
                    env:
                    - name: REGION
                      value: \(region)
                    - name: WORKERS
                      value: "\(workers)"

            """
        }

        var servicePatch: String {
            var ops = [
                #"{"op": "replace", "path": "/spec/ports/0/port", "value": \#(port)}"#,
                #"{"op": "add", "path": "/metadata/annotations", "value": {"example.com/owner": "team-\#(team)"}}"#,
            ]
            if extraPort {
                ops.append(#"{"op": "add", "path": "/spec/ports/-", "value": {"name": "metrics", "port": 9090, "targetPort": 9090}}"#)
            }
            return "[\n  " + ops.joined(separator: ",\n  ") + "\n]\n"
        }
    }

    static let baseKustomization = """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        - deployment.yaml
        - service.yaml
        configMapGenerator:
        - name: app-config
          literals:
          - LOG_LEVEL=info
          - CACHE_SIZE=256
          files:
          - app.properties

        """

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: registry.example.com/team/web:1.0.0
                ports:
                - containerPort: 8080
                  name: http
                envFrom:
                - configMapRef:
                    name: app-config
                volumeMounts:
                - name: config
                  mountPath: /etc/web
              - name: proxy
                image: registry.example.com/team/proxy:2.1.0
                args: ["--upstream", "127.0.0.1:8080"]
              volumes:
              - name: config
                configMap:
                  name: app-config

        """

    static let service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:
            app: web
          ports:
          - name: http
            port: 80
            targetPort: http

        """
}
