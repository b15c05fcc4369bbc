import YAMLModel

/// `output.hydrator` of the project file: publish writes the output contract of Argo CD's
/// Source Hydrator, which GitOps Promoter reads, so that gitops-weave serves as its
/// hydrator.
///
///     output:
///       hydrator: true              # or {staging: false} to commit to the branch itself
///
/// With `staging` (the default), publish commits to `<branch>-next` (`env/<name>-next` in
/// the branch layout): the staging branch a promoter moves forward to `<branch>`.
public struct HydratorOutput: Sendable, Equatable {
    public var staging = true

    public static let stagingSuffix = "-next"

    public init(staging: Bool = true) {
        self.staging = staging
    }

    /// The suffix of the branches publish writes.
    public var suffix: String { staging ? Self.stagingSuffix : "" }

    /// `true`, `false` (nil: no contract) or `{staging: BOOL}`.
    static func read(_ node: Node) throws -> HydratorOutput? {
        if let on = node.scalar?.boolValue { return on ? HydratorOutput() : nil }
        if node.isNull { return nil }
        guard let map = node.mapping else {
            throw Diagnostic.error(at: node.location, "output.hydrator is true, false or a mapping such as {staging: false}, not \(node.kindWithArticle)")
        }
        try ProjectFileReader.rejectUnknownKeys(map, allowed: ["staging"], in: "output.hydrator")
        var out = HydratorOutput()
        if let s = map["staging"] {
            guard let b = s.scalar?.boolValue else {
                throw Diagnostic.error(at: s.location, "output.hydrator.staging is true or false, not \(s.kindWithArticle)",
                                       hint: "true commits to <branch>-next for a promoter to move forward; false commits to <branch>")
            }
            out.staging = b
        }
        return out
    }
}
