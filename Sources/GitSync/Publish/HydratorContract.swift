import Foundation
import Overlays
import YAMLModel

/// The output contract of Argo CD's Source Hydrator (its commit server), which GitOps
/// Promoter reads to tell which dry (source) commit a rendered commit was made from:
///
/// - `hydrator.metadata` at the root: JSON with `repoURL`, `drySha`, `author`, `date`,
///   `subject`, `body` and `references` of the dry commit, rewritten by every commit;
/// - in each environment's path, `hydrator.metadata` (`repoURL`, `drySha`, `commands`)
///   and a `README.md` saying how to reproduce it, rewritten only when the environment's
///   manifests change, as Argo CD does (so they name the commit that last changed it);
/// - `.gitattributes` marking those files `linguist-generated`;
/// - a git note `{"drySha":"..."}` under `refs/notes/hydrator.metadata` on the rendered
///   commit, added also when nothing changed, which is how a promoter learns that a dry
///   commit was processed without a new rendered commit.
///
/// The JSON is written as Go's encoder writes it (two-space indent, keys in Argo CD's order,
/// empty fields left out, no HTML escaping), since both consumers are Go programs.
public enum HydratorContract {
    public static let metadataFile = "hydrator.metadata"
    public static let readmeFile = "README.md"
    public static let attributesFile = ".gitattributes"
    public static let notesReference = "refs/notes/hydrator.metadata"

    /// The files of an environment's path. They name the dry commit, so a difference in
    /// them alone is not a change to the environment.
    public static let pathFiles: Set<String> = [metadataFile, readmeFile]

    public static let attributes = """
        **/README.md linguist-generated=true
        **/hydrator.metadata linguist-generated=true
        **/\(RenderedEnvironment.metadataFile) linguist-generated=true

        """

    /// The commands that reproduce one environment's folder from the dry commit.
    public static func commands(for environment: String) -> [String] {
        ["gitops-weave render \(environment) --out ."]
    }

    /// One commit a dry commit refers to (Argo CD's `RevisionReference.commit`), from the
    /// `Argocd-reference-commit-*` trailers of its message.
    public struct Reference: Equatable, Sendable {
        public var author = "", date = "", subject = "", body = "", sha = "", repoURL = ""
    }

    /// The JSON of `hydrator.metadata`.
    public struct Metadata: Equatable, Sendable {
        public var repoURL = ""
        public var drySha = ""
        public var commands: [String] = []
        public var author = ""
        public var date = ""
        public var subject = ""
        public var body = ""
        public var references: [Reference] = []

        public var json: String {
            var fields: [(String, GoJSON)] = []
            func add(_ key: String, _ value: String) { if !value.isEmpty { fields.append((key, .string(value))) } }
            add("repoURL", repoURL)
            add("drySha", drySha)
            if !commands.isEmpty { fields.append(("commands", .array(commands.map { .string($0) }))) }
            add("author", author)
            add("date", date)
            add("subject", subject)
            add("body", body)
            if !references.isEmpty {
                fields.append(("references", .array(references.map { r in
                    var commit: [(String, GoJSON)] = []
                    for (k, v) in [("author", r.author), ("date", r.date), ("subject", r.subject), ("body", r.body), ("sha", r.sha), ("repoUrl", r.repoURL)] where !v.isEmpty {
                        commit.append((k, .string(v)))
                    }
                    return .object([("commit", .object(commit))])
                })))
            }
            return GoJSON.object(fields).indented() + "\n"
        }
    }

    /// The root file's metadata: the whole dry commit.
    public static func rootMetadata(_ source: Publisher.Source) -> Metadata {
        var m = Metadata(repoURL: source.repository, drySha: source.commit ?? "")
        if let author = source.author { m.author = author.description }
        if let date = source.authorDate { m.date = rfc3339(date, offsetMinutes: source.authorOffset) }
        let message = DryMessage(source.message ?? "")
        m.subject = message.subject
        m.body = message.body
        m.references = message.reference.map { [$0] } ?? []
        return m
    }

    /// An environment path's metadata: the dry commit and how to reproduce the path.
    public static func pathMetadata(_ source: Publisher.Source, environment: String) -> Metadata {
        Metadata(repoURL: source.repository, drySha: source.commit ?? "", commands: commands(for: environment))
    }

    /// Argo CD's README of a hydrated path.
    public static func readme(_ m: Metadata) -> String {
        var text = "# Manifest Hydration\n\nTo hydrate the manifests in this repository, run the following commands:\n\n```shell\n"
        text += "git clone \(m.repoURL)\n# cd into the cloned directory\ngit checkout \(m.drySha)\n"
        for command in m.commands { text += command + "\n" }
        text += "```\n"
        let listed = m.references.filter { !$0.sha.isEmpty }
        if !listed.isEmpty {
            // Argo CD's template trims the blank line before the heading.
            text += "## References\n\n"
            for r in listed { text += "* [\(r.sha.prefix(7))](\(r.repoURL)): \(r.subject) (\(r.author))\n" }
        }
        return text
    }

    /// The note on a rendered commit: compact JSON, as Go's json.Marshal writes it.
    public static func note(drySha: String) -> String {
        GoJSON.object([("drySha", .string(drySha))]).marshal(sortingKeys: false)
    }

    /// The files publish adds to an environment: in its folder (directory layout), or at
    /// the root of its branch (branch layout), where the root's metadata and attributes go.
    static func files(for environment: String, source: Publisher.Source, layout: RenderedLayout) -> [RenderedEnvironment.File] {
        switch layout {
        case .directory:
            let m = pathMetadata(source, environment: environment)
            return [.init(path: metadataFile, contents: m.json), .init(path: readmeFile, contents: readme(m))]
        case .branch:
            var m = rootMetadata(source)
            m.commands = commands(for: environment)
            return [.init(path: metadataFile, contents: m.json), .init(path: readmeFile, contents: readme(m)),
                    .init(path: attributesFile, contents: attributes)]
        }
    }

    /// `2026-12-04T21:34:24+01:00`, or `...Z` in UTC: RFC 3339 in whole seconds, the
    /// author's zone kept, as Go's time.RFC3339 writes it.
    public static func rfc3339(_ seconds: Int64, offsetMinutes: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let local = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        guard offsetMinutes != 0 else { return local + "Z" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let m = abs(offsetMinutes)
        return local + sign + String(format: "%02d:%02d", m / 60, m % 60)
    }

    /// A dry commit's message as Argo CD splits it: the subject up to the first blank line,
    /// the body after it without the `Argocd-reference-commit-*` trailers, which become the
    /// reference (the last value of each wins).
    struct DryMessage {
        var subject = ""
        var body = ""
        var reference: Reference?

        init(_ message: String) {
            let text = message.replacingOccurrences(of: "\r\n", with: "\n")
            guard let cut = text.range(of: "\n\n") else {
                subject = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            subject = String(text[..<cut.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
            var kept: [Substring] = []
            var r = Reference()
            var found = false
            for line in text[cut.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                guard let colon = line.firstIndex(of: ":") else { kept.append(line); continue }
                let key = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                let prefix = "argocd-reference-commit-"
                guard key.hasPrefix(prefix) else { kept.append(line); continue }
                switch key.dropFirst(prefix.count) {
                case "author": r.author = value
                case "date": r.date = value
                case "subject": r.subject = value
                case "body": r.body = value
                case "sha": r.sha = value
                case "repourl": r.repoURL = value
                default: kept.append(line); continue
                }
                found = true
            }
            body = kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            reference = found ? r : nil
        }
    }
}
