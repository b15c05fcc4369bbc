import MergeEngine
import YAMLModel

/// The objects that make Argo CD or Flux sync what `gitops-weave publish` commits.
///
/// `publish` writes each environment either as a folder `<env>/` of one branch (the
/// directory layout, branch `rendered` by default) or as a branch `env/<env>` of its own
/// (the branch layout); every environment holds a `kustomization.yaml` and its resources.
/// This builds, for one cluster, the objects that point the tool at those places:
///
/// | tool   | directory layout                                    | branch layout |
/// |--------|-----------------------------------------------------|---------------|
/// | argocd | one ApplicationSet: a git directory generator over the listed folders, one Application per folder | one Application per environment, revision `env/<env>`, path `.` |
/// | flux   | one GitRepository for the branch; per environment, Kustomization `<env>-prerequisites` (path `./<env>/prerequisites`, waiting until all is ready) and Kustomization `<env>` (path `./<env>`), which depends on it | one GitRepository per environment and the same two Kustomizations, paths `./prerequisites` and `./` |
///
/// Flux applies a Kustomization's objects in one server-side apply, after a dry run of all
/// of them, so a custom resource whose CRD a HelmRelease of the same Kustomization
/// installs would fail the dry run and hold back the HelmRelease itself. Flux's `dependsOn`
/// cannot name a HelmRelease from a Kustomization, so the charts (and the namespaces and
/// CRDs) get a Kustomization of their own that waits until the releases are ready, and the
/// rest depends on it.
///
/// Everything deploys into the cluster the tool runs in. Syncing removes what a new commit
/// no longer holds (prune), but deleting these objects, or dropping an environment from
/// them, leaves that environment's resources in place: a database holds data, so tearing
/// one down is a deliberate step, not a side effect of regenerating this file.
///
/// Pure: no file is read; the output is the same bytes for the same input.
public struct SyncConfig: Sendable, Equatable {
    /// The branch of the directory layout unless told otherwise.
    public static let defaultBranch = "rendered"
    /// The branch layout's branches are this prefix and the environment's name.
    public static let environmentBranchPrefix = "env/"
    /// Argo CD's name for the cluster it runs in.
    public static let inClusterServer = "https://kubernetes.default.svc"

    /// Argo CD's sync options for every Application (see `argoSyncPolicy`).
    public static let argoSyncOptions = ["ServerSideApply=true", "SkipDryRunOnMissingResource=true", "PruneLast=true"]
    /// How often Flux fetches the repository, and reconciles (and retries) an environment.
    public static let fluxSourceInterval = "1m"
    public static let fluxKustomizationInterval = "10m"
    public static let fluxRetryInterval = "2m"
    /// How long the prerequisites may take to become ready (a chart's first install).
    public static let fluxPrerequisitesTimeout = "10m"

    public var tool: SyncTarget
    public var layout: RenderedLayout
    /// Environment names, in output order.
    public var environments: [String]
    /// What Argo CD or Flux clones.
    public var repoURL: String
    /// The branch of the directory layout (unused by the branch layout).
    public var branch: String
    /// Where the generated objects live: Argo CD's or Flux's own namespace.
    public var namespace: String
    /// `output.flux.postBuild` of the project file, copied into every Flux Kustomization:
    /// post-build substitution is on only when the project asks for it.
    public var fluxPostBuild: Node?

    public init(tool: SyncTarget, layout: RenderedLayout = .directory, environments: [String], repoURL: String,
                branch: String = SyncConfig.defaultBranch, namespace: String? = nil, fluxPostBuild: Node? = nil) {
        self.fluxPostBuild = fluxPostBuild
        self.tool = tool
        self.layout = layout
        self.environments = environments
        self.repoURL = repoURL
        self.branch = branch
        self.namespace = namespace ?? Self.defaultNamespace(for: tool)
    }

    public static func defaultNamespace(for tool: SyncTarget) -> String {
        switch tool {
        case .argocd: return "argocd"
        case .flux: return "flux-system"
        }
    }

    /// The branch that holds one environment in the branch layout.
    public static func environmentBranch(_ environment: String) -> String {
        environmentBranchPrefix + environment
    }

    /// The name of the one object that follows the whole branch in the directory layout
    /// (the ApplicationSet, or Flux's GitRepository): `gitops-weave-<branch>`, made a valid
    /// object name.
    public var sourceName: String {
        var name = ""
        for c in ("gitops-weave-" + branch).lowercased().unicodeScalars {
            let ok = ("a"..."z").contains(c) || ("0"..."9").contains(c)
            if ok { name.unicodeScalars.append(c) } else if !name.hasSuffix("-") { name += "-" }
        }
        name = String(name.prefix(63))
        while name.hasSuffix("-") { name.removeLast() }
        return name
    }

    // MARK: Output

    /// The objects, in order: ApplicationSet, or Applications in environment order; for
    /// Flux the GitRepository then each environment's two Kustomizations (directory layout),
    /// or each environment's GitRepository and Kustomizations in turn (branch layout).
    public func documents() throws -> [Node] {
        try validate()
        switch (tool, layout) {
        case (.argocd, .directory): return [applicationSet()]
        case (.argocd, .branch): return environments.map(application)
        case (.flux, .directory):
            return [gitRepository(name: sourceName, branch: branch)]
                + environments.flatMap { kustomizations($0, source: sourceName, path: "./" + $0) }
        case (.flux, .branch):
            return environments.flatMap {
                [gitRepository(name: $0, branch: Self.environmentBranch($0))] + kustomizations($0, source: $0, path: ".")
            }
        }
    }

    /// The documents as one YAML stream, after a comment saying what made it.
    public func yaml() throws -> String {
        let docs = try documents()
        let what = tool.toolName
        return "# Generated by gitops-weave sync-config (\(what), \(layout.rawValue) layout). Regenerate it rather than editing it.\n"
            + YAMLEmitter().emitStream(docs)
    }

    // MARK: Argo CD

    func applicationSet() -> Node {
        B.map([
            ("apiVersion", B.str("argoproj.io/v1alpha1")),
            ("kind", B.str("ApplicationSet")),
            ("metadata", B.map([("name", B.str(sourceName)), ("namespace", B.str(namespace))])),
            ("spec", B.map([
                ("goTemplate", B.bool(true)),
                ("goTemplateOptions", B.list([B.str("missingkey=error")])),
                ("generators", B.list([B.map([("git", B.map([
                    ("repoURL", B.str(repoURL)),
                    ("revision", B.str(branch)),
                    ("directories", B.list(environments.map { B.map([("path", B.str($0))]) })),
                ]))])])),
                // Without this, the controller puts Argo CD's cascading-delete finalizer on
                // every Application, and an environment dropped from the list above would be
                // deleted from the cluster.
                ("syncPolicy", B.map([("preserveResourcesOnDeletion", B.bool(true))])),
                ("template", B.map([
                    ("metadata", B.map([("name", B.str("{{.path.basename}}"))])),
                    ("spec", argoApplicationSpec(revision: branch, path: "{{.path.path}}")),
                ])),
            ])),
        ])
    }

    func application(_ environment: String) -> Node {
        B.map([
            ("apiVersion", B.str("argoproj.io/v1alpha1")),
            ("kind", B.str("Application")),
            ("metadata", B.map([("name", B.str(environment)), ("namespace", B.str(namespace))])),
            ("spec", argoApplicationSpec(revision: Self.environmentBranch(environment), path: ".")),
        ])
    }

    func argoApplicationSpec(revision: String, path: String) -> Node {
        B.map([
            ("project", B.str("default")),
            ("source", B.map([
                ("repoURL", B.str(repoURL)),
                ("targetRevision", B.str(revision)),
                ("path", B.str(path)),
            ])),
            ("destination", B.map([("server", B.str(Self.inClusterServer))])),
            ("syncPolicy", argoSyncPolicy()),
        ])
    }

    /// Automated sync that prunes and heals. Server-side apply, because CRDs and custom
    /// resources are often too large for the last-applied annotation; no dry run of kinds
    /// whose CRD is not installed yet, because the operator that installs them may itself
    /// be part of the environment (an Application in an earlier sync wave); and
    /// retries, because automated sync does not retry a failed commit on its own.
    func argoSyncPolicy() -> Node {
        B.map([
            ("automated", B.map([("prune", B.bool(true)), ("selfHeal", B.bool(true))])),
            ("syncOptions", B.list(Self.argoSyncOptions.map(B.str))),
            ("retry", B.map([
                ("limit", B.int(10)),
                ("backoff", B.map([("duration", B.str("10s")), ("factor", B.int(2)), ("maxDuration", B.str("5m"))])),
            ])),
        ])
    }

    // MARK: Flux

    func gitRepository(name: String, branch: String) -> Node {
        B.map([
            ("apiVersion", B.str("source.toolkit.fluxcd.io/v1")),
            ("kind", B.str("GitRepository")),
            ("metadata", B.map([("name", B.str(name)), ("namespace", B.str(namespace))])),
            ("spec", B.map([
                ("interval", B.str(Self.fluxSourceInterval)),
                ("url", B.str(repoURL)),
                ("ref", B.map([("branch", B.str(branch))])),
            ])),
        ])
    }

    /// The name of the Kustomization that applies an environment's `prerequisites/`.
    public static func prerequisitesName(_ environment: String) -> String {
        environment + "-" + RenderedEnvironment.prerequisitesDirectory
    }

    /// An environment's two Kustomizations: its prerequisites, waited for, then the rest.
    func kustomizations(_ environment: String, source: String, path: String) -> [Node] {
        let first = Self.prerequisitesName(environment)
        let prerequisites = path == "." ? "./" + RenderedEnvironment.prerequisitesDirectory : path + "/" + RenderedEnvironment.prerequisitesDirectory
        return [
            kustomization(first, source: source, path: prerequisites, extra: [
                ("wait", B.bool(true)),
                ("timeout", B.str(Self.fluxPrerequisitesTimeout)),
            ]),
            kustomization(environment, source: source, path: path == "." ? "./" : path, extra: [
                ("dependsOn", B.list([B.map([("name", B.str(first))])])),
            ]),
        ]
    }

    /// `deletionPolicy: Orphan`: deleting the Kustomization stops syncing and leaves the
    /// environment's resources, as the ApplicationSet's `preserveResourcesOnDeletion` does.
    func kustomization(_ name: String, source: String, path: String, extra: [(String, Node)]) -> Node {
        var spec: [(String, Node)] = [
            ("interval", B.str(Self.fluxKustomizationInterval)),
            ("retryInterval", B.str(Self.fluxRetryInterval)),
            ("sourceRef", B.map([("kind", B.str("GitRepository")), ("name", B.str(source))])),
            ("path", B.str(path)),
            ("prune", B.bool(true)),
            ("deletionPolicy", B.str("Orphan")),
        ] + extra
        if let fluxPostBuild { spec.append(("postBuild", fluxPostBuild)) }
        return B.map([
            ("apiVersion", B.str("kustomize.toolkit.fluxcd.io/v1")),
            ("kind", B.str("Kustomization")),
            ("metadata", B.map([("name", B.str(name)), ("namespace", B.str(namespace))])),
            ("spec", B.map(spec)),
        ])
    }

    // MARK: Checks

    /// Rejects what Argo CD, Flux or git would reject later, with what to do instead.
    public func validate() throws {
        guard !environments.isEmpty else {
            throw Diagnostic.error(at: nil, "there are no environments to sync", hint: "add a file under environments/, or name environments")
        }
        var seen = Set<String>()
        for name in environments {
            guard seen.insert(name).inserted else {
                throw Diagnostic.error(at: nil, "environment \"\(name)\" is named twice")
            }
            guard Self.isDNSLabel(name) else {
                throw Diagnostic.error(
                    at: nil, "environment name \"\(name)\" cannot name a Kubernetes object",
                    hint: "\(tool.toolName) names an object after each environment: rename its file under "
                        + "environments/ to lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit")
            }
        }
        if tool == .flux, let long = environments.first(where: { Self.prerequisitesName($0).utf8.count > 63 }) {
            throw Diagnostic.error(at: nil, "environment name \"\(long)\" is too long for Flux: its Kustomization \(Self.prerequisitesName(long)) would pass 63 characters",
                                   hint: "rename its file under environments/ to at most \(63 - Self.prerequisitesName("").utf8.count) characters")
        }
        guard Self.isDNSLabel(namespace) else {
            throw Diagnostic.error(at: nil, "namespace \"\(namespace)\" is not a valid namespace name",
                                   hint: "lower-case letters, digits and '-', at most 63 characters")
        }
        if layout == .directory, let problem = Self.branchNameProblem(branch) {
            throw Diagnostic.error(at: nil, "branch \"\(branch)\" is not a valid git branch name: \(problem)")
        }
        try validateRepoURL()
    }

    func validateRepoURL() throws {
        guard !repoURL.isEmpty else {
            throw Diagnostic.error(at: nil, "the repository URL is empty", hint: "pass the URL Argo CD or Flux clones, e.g. https://github.com/acme/weave-deploy.git")
        }
        guard !repoURL.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw Diagnostic.error(at: nil, "the repository URL \"\(repoURL)\" contains a space or a control character")
        }
        guard tool == .flux else { return }
        let lower = repoURL.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("ssh://") { return }
        var hint = "Flux clones http://, https:// and ssh:// URLs"
        if let ssh = Self.sshURL(fromSCP: repoURL) { hint += "; write this one as \(ssh)" }
        throw Diagnostic.error(at: nil, "Flux cannot clone \"\(repoURL)\"", hint: hint)
    }

    /// `git@host:path` written as Flux wants it, `ssh://git@host/path`; nil for anything
    /// that is not scp-like.
    public static func sshURL(fromSCP url: String) -> String? {
        guard !url.contains("://"), let colon = url.firstIndex(of: ":") else { return nil }
        let host = url[..<colon]
        let path = url[url.index(after: colon)...]
        guard !host.isEmpty, !host.contains("/"), !path.isEmpty else { return nil }
        return "ssh://\(host)" + (path.hasPrefix("/") ? "" : "/") + path
    }

    /// An RFC 1123 label: what Kubernetes accepts as a namespace, and what an Application's
    /// name must be to serve as its tracking label.
    public static func isDNSLabel(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count <= 63 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return alnum(u.first!) && alnum(u.last!) && u.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// Why git would refuse `name` as a branch (`git check-ref-format --branch`), or nil.
    public static func branchNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.hasPrefix("-") { return "it starts with '-'" }
        if name == "@" { return "\"@\" is not a branch" }
        if name.hasPrefix("/") || name.hasSuffix("/") || name.contains("//") { return "it has an empty path component" }
        if name.hasSuffix(".") { return "it ends with '.'" }
        if name.containsBytes("..") { return "it contains \"..\"" }
        if name.containsBytes("@{") { return "it contains \"@{\"" }
        for c in name.unicodeScalars where c.value < 0x21 || c.value == 0x7F || "~^:?*[\\".unicodeScalars.contains(c) {
            return c.value < 0x21 || c.value == 0x7F ? "it contains a space or a control character" : "it contains '\(c)'"
        }
        for component in name.split(separator: "/") {
            if component.hasPrefix(".") { return "a component starts with '.'" }
            if component.hasSuffix(".lock") { return "a component ends with \".lock\"" }
        }
        return nil
    }

    /// A warning when environments define the same objects: everything here deploys into
    /// one cluster, where such environments would overwrite each other's resources (and,
    /// with self-heal, take turns doing so). `environments` pairs names with what each
    /// renders; nil when nothing is shared.
    public static func sharedResourcesWarning(_ environments: [(name: String, resources: [ResourceID])], tool: SyncTarget) -> Diagnostic? {
        var owners: [ResourceID: [String]] = [:]
        var order: [ResourceID] = []
        for (name, ids) in environments {
            for id in Set(ids).sorted() {
                if owners[id] == nil { order.append(id) }
                owners[id, default: []].append(name)
            }
        }
        let shared = order.filter { owners[$0]!.count > 1 }
        guard let first = shared.first else { return nil }
        let involved = environments.map(\.name).filter { name in shared.contains { owners[$0]!.contains(name) } }
        let examples = shared.prefix(2).map { id in id.namespace.map { "\(id.kind) \($0)/\(id.name)" } ?? "\(id.kind) \(id.name)" }
        var what = examples.joined(separator: ", ")
        if shared.count > 2 { what += " and \(shared.count - 2) more" }
        return Diagnostic(
            .warning, at: nil,
            "\(Self.list(involved)) define the same resources (\(what)): synced into one cluster, they overwrite each other",
            hint: "the generated objects deploy into the cluster that runs \(tool.toolName); give each cluster only its own "
                + "environments, e.g. gitops-weave sync-config \(tool.rawValue) \(owners[first]!.first!) --repo-url URL")
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}

private let B = NodeBuilder(generatedBy: "gitops-weave sync-config")
