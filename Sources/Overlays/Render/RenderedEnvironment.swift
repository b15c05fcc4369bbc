import MergeEngine
import YAMLModel

/// The version every rendered tree and commit names.
public enum GitopsWeaveVersion {
    public static let current = "0.1.0"
}

/// An environment's rendered files: one per resource in a stable order, a
/// `kustomization.yaml` listing them, and a metadata file no consumer reads as a manifest.
public struct RenderedEnvironment: Sendable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var contents: String

        public init(path: String, contents: String) {
            self.path = path
            self.contents = contents
        }
    }

    public static let kustomizationFile = "kustomization.yaml"
    /// Not `*.yaml`, `*.yml` or `*.json`, so Argo CD's directory mode and Flux ignore it.
    public static let metadataFile = "render-info.txt"

    public var name: String
    public var resources: [Resource]
    public var files: [File]

    /// What the metadata file records about the source.
    public struct Provenance: Sendable {
        public var sourceRevision: String?
        public var sourceDirty: Bool

        public init(sourceRevision: String?, sourceDirty: Bool) {
            self.sourceRevision = sourceRevision
            self.sourceDirty = sourceDirty
        }
    }

    /// Flux applies an environment in two steps (see `SyncConfig`): this folder of the
    /// environment holds what must be ready first (namespaces, CRDs, the charts' sources
    /// and releases), with its own kustomization.yaml.
    public static let prerequisitesDirectory = "prerequisites"

    /// The files that are not resources: the kustomizations and the metadata file.
    public static let bookkeepingFiles: Set<String> = [kustomizationFile, metadataFile, prerequisitesDirectory + "/" + kustomizationFile]

    /// Each resource's file, by id: `<file>` or, for flux, `prerequisites/<file>`.
    public private(set) var paths: [ResourceID: String] = [:]

    /// Lays out an environment for its target, in the sync order of the engine and `stacks`.
    /// argocd: one folder, every resource with its sync-wave annotation. flux: the resources
    /// of the waves before 0 in `prerequisites/`, the rest in the folder.
    public init(_ outcome: Renderer.Outcome, stacks: [any Stack], provenance: Provenance) {
        name = outcome.environment.name
        let target = outcome.environment.target
        let order = SyncWave(stacks: stacks)
        // Each resource's wave once, for the sort and the annotation alike.
        let sorted = outcome.resources.enumerated().map { (wave: order.of($0.element.id), offset: $0.offset, resource: $0.element) }
            .sorted { ($0.wave, $0.offset) < ($1.wave, $1.offset) }
        let ordered = target == .argocd ? sorted.map { SyncWave.annotate($0.resource, wave: $0.wave) } : sorted.map(\.resource)
        resources = ordered
        let emitter = YAMLEmitter()
        var main: [File] = [], first: [File] = []
        for (r, entry) in zip(ordered, sorted) {
            let file = Self.fileName(for: r.id)
            if target == .flux && entry.wave < 0 {
                first.append(File(path: Self.prerequisitesDirectory + "/" + file, contents: emitter.emit(r.node)))
                paths[r.id] = first.last!.path
            } else {
                main.append(File(path: file, contents: emitter.emit(r.node)))
                paths[r.id] = file
            }
        }
        var files = first + main
        if target == .flux {
            files.append(File(path: Self.prerequisitesDirectory + "/" + Self.kustomizationFile,
                              contents: Self.kustomization(name, listing: first.map { String($0.path.dropFirst(Self.prerequisitesDirectory.count + 1)) },
                                                           note: "Applied first, by Flux Kustomization \(name)-\(Self.prerequisitesDirectory), which waits until every object is ready.")))
        }
        files.append(File(path: Self.kustomizationFile, contents: Self.kustomization(name, listing: main.map(\.path),
            note: target == .flux ? "Applied once \(Self.prerequisitesDirectory)/ is ready (Flux dependsOn); \(Self.prerequisitesDirectory)/ is not listed here." : nil)))
        files.append(File(path: Self.metadataFile, contents: Self.metadata(outcome, stacks: stacks, provenance: provenance)))
        self.files = files
    }

    static func kustomization(_ environment: String, listing files: [String], note: String?) -> String {
        var out = "# Rendered by gitops-weave from environment \(environment). Do not edit: change the source and render again.\n"
        if let note { out += "# \(note)\n" }
        out += "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        out += files.isEmpty ? "resources: []\n" : "resources:\n" + files.map { "- \($0)\n" }.joined()
        return out
    }

    /// `<kind>[.<group>]_<namespace>_<name>.yaml`, or without the namespace for cluster-scoped
    /// resources. Kubernetes names cannot hold `_`, so names never collide.
    public static func fileName(for id: ResourceID) -> String {
        var parts = [id.kind.lowercased() + (id.group.isEmpty ? "" : "." + id.group)]
        if let ns = id.namespace { parts.append(ns) }
        parts.append(id.name)
        let joined = parts.joined(separator: "_")
        // Names are almost always ASCII already; only other strings take the slow path.
        if joined.utf8.allSatisfy({ b in (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x5F }) {
            return joined + ".yaml"
        }
        let safe = joined.map { c -> Character in
            c.isLetter || c.isNumber || c == "." || c == "-" || c == "_" ? c : "-"
        }
        return String(safe) + ".yaml"
    }

    static func metadata(_ outcome: Renderer.Outcome, stacks: [any Stack], provenance: Provenance) -> String {
        var out = "# gitops-weave render metadata; not a Kubernetes manifest.\n"
        out += "environment: \(outcome.environment.name)\n"
        var revision = provenance.sourceRevision ?? "unknown (not a git repository)"
        if provenance.sourceDirty { revision += " (with uncommitted changes)" }
        out += "source-revision: \(revision)\n"
        out += "layers: \(outcome.layers.joined(separator: ", "))\n"
        out += "parameters:\n"
        // A parameter that names a credential, or whose value is a plaintext secret of the
        // output (allowed by the environment), is not written out.
        // Only an environment whose plaintext secrets were allowed (or reported) holds any;
        // the search walks every resource, so it is not made for the others.
        let holdsSecrets = outcome.suppressedFindings[SecretPolicy.ruleID, default: 0] > 0
            || outcome.diagnostics.contains { $0.rule == SecretPolicy.ruleID }
        let secrets = holdsSecrets ? SecretPolicy.secretValues(in: outcome.resources, stacks: stacks) : []
        for (name, value) in outcome.parameters {
            let secret = Redaction.isSecretParameter(name) || (value.scalar.map { secrets.contains($0.text) } ?? false)
            out += "  \(name): \(secret ? Redaction.marker : inline(value))\n"
        }
        out += ruleWaivers(outcome)
        for stack in stacks {
            for line in stack.notes(for: outcome) { out += line + "\n" }
        }
        out += "resources: \(outcome.resources.count)\n"
        out += "tool: gitops-weave \(GitopsWeaveVersion.current)\n"
        return out
    }

    /// The rules the environment disables and the plaintext secrets it allows, each with
    /// its written reason and how many findings it kept quiet; nothing when none.
    static func ruleWaivers(_ outcome: Renderer.Outcome) -> String {
        let environment = outcome.environment
        func findings(_ rule: String) -> String {
            let n = outcome.suppressedFindings[rule] ?? 0
            return "\(n) finding\(n == 1 ? "" : "s") suppressed"
        }
        var out = ""
        if !environment.disabledRules.isEmpty {
            out += "disabled-rules:\n"
            for rule in environment.disabledRules {
                out += "  \(rule.id): \(inline(.scalar(.string(rule.reason), at: rule.location))) (\(findings(rule.id)))\n"
            }
        }
        let external = environment.external
        if !external.namespaces.isEmpty || !external.secrets.isEmpty {
            out += "external:\n"
            for n in external.namespaces {
                out += "  namespace \(n.name): \(inline(.scalar(.string(n.reason), at: n.location)))\n"
            }
            for s in external.secrets {
                out += "  secret \(s.namespace.map { $0 + "/" } ?? "")\(s.name): \(inline(.scalar(.string(s.reason), at: s.location)))\n"
            }
        }
        if let allowed = environment.plaintextSecretsAllowed {
            out += "plaintext-secrets-allowed: \(inline(.scalar(.string(allowed.value), at: allowed.location))) (\(findings(SecretPolicy.ruleID)))\n"
        }
        return out
    }

    static func inline(_ node: Node) -> String {
        switch node.value {
        case .scalar(let s):
            guard s.tag == .string else { return s.text }
            return YAMLEmitter.doubleQuoted(s.text)
        case .sequence(let items): return "[" + items.map(inline).joined(separator: ", ") + "]"
        case .mapping(let m): return "{" + m.entries.map { "\($0.key): \(inline($0.value.value))" }.joined(separator: ", ") + "}"
        }
    }
}

/// The order resources are applied in: namespaces and CRDs first, then the charts that
/// install operators (Argo CD Applications, Flux's chart sources and HelmReleases), then
/// everything else, with the
/// project's stacks placing their own kinds (`Stack.syncWave(of:)`). Argo CD reads it from
/// the sync-wave annotation; the files of an environment are written in the same order.
public struct SyncWave: Sendable {
    public static let annotation = "argocd.argoproj.io/sync-wave"

    public var stacks: [any Stack]

    public init(stacks: [any Stack]) { self.stacks = stacks }

    public func of(_ id: ResourceID) -> Int {
        switch id.groupKind {
        case "/Namespace", "apiextensions.k8s.io/CustomResourceDefinition": return -2
        case "argoproj.io/Application", "source.toolkit.fluxcd.io/HelmRepository", "source.toolkit.fluxcd.io/OCIRepository",
             "helm.toolkit.fluxcd.io/HelmRelease": return -1
        default:
            for stack in stacks { if let wave = stack.syncWave(of: id) { return wave } }
            return 0
        }
    }

    /// Adds the wave annotation, unless the source set one.
    static func annotate(_ r: Resource, wave: Int) -> Resource {
        let annotations = r.node["metadata"]?["annotations"]
        if annotations?[Self.annotation] != nil { return r }
        var out = r
        let here = SourceLocation.generated("sync wave of \(r.id.kind)")
        out.node = r.node.setting(["metadata", "annotations", Self.annotation], to: .scalar(.string(String(wave)), at: here))
        return out
    }
}
