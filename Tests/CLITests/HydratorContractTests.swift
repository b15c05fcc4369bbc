import Foundation
import Testing

/// `output.hydrator`: publish writes the output contract of Argo CD's Source Hydrator
/// (root and per-path `hydrator.metadata`, `README.md`, `.gitattributes`, the git note under
/// refs/notes/hydrator.metadata) on `-next` staging branches, as GitOps Promoter reads it.
/// Everything is checked with the git CLI.
@Suite("the hydrator output contract", .enabled(if: ExternalTool.hasGit, "the git CLI is needed to check what publish wrote"))
struct HydratorContractTests {
    typealias World = GitWorld

    /// A generated source of `count` environments with `hydrator` under output:.
    func source(_ w: World, environments count: Int = 2, hydrator: String = "true") throws -> URL {
        let src = try w.generatedSource(environments: count)
        try w.write(src, "gitops-weave.yaml", "output:\n  hydrator: \(hydrator)\nparameters:\n  value:\n    type: string\n")
        try w.commitAll(src, "Render through the hydrator contract\n\nSo that GitOps Promoter can move the rendered branches forward.")
        return src
    }

    @discardableResult
    func publish(_ w: World, _ arguments: [String] = [], in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let out = try w.weave(["publish"] + arguments, in: dir)
        try #require(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        return out
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func show(_ w: World, _ object: String, in dir: URL) throws -> String {
        // Not trimmed: the bytes as committed.
        try w.gitOutput(["cat-file", "blob", object], in: dir).stdout
    }

    @Test("publish writes rendered-next: root and per-path metadata, README.md, .gitattributes, and the git note naming the dry commit")
    func directoryLayout() throws {
        let w = try World()
        let src = try source(w)
        let dry = try w.git("rev-parse", "HEAD", in: src)
        let out = try publish(w, in: src)
        #expect(out.stdout.contains("on rendered-next"), "\(out)")
        #expect(!(try w.exists("refs/heads/rendered", in: src)), "the promoter owns rendered; publish writes rendered-next")
        let tip = try w.git("rev-parse", "rendered-next", in: src)

        #expect(try w.git("notes", "--ref=hydrator.metadata", "show", tip, in: src) == "{\"drySha\":\"\(dry)\"}")
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered-next", in: src) == [".gitattributes", "e1", "e2", "hydrator.metadata"])
        #expect(try show(w, "rendered-next:.gitattributes", in: src)
                == "**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true\n**/render-info.txt linguist-generated=true\n")

        let root = try json(try show(w, "rendered-next:hydrator.metadata", in: src))
        #expect(root["drySha"] as? String == dry)
        #expect((root["repoURL"] as? String).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == src.resolvingSymlinksInPath().path)
        #expect(root["author"] as? String == "Source Author <source@example.com>")
        let date = try w.git("log", "-1", "--format=%aI", "HEAD", in: src)
        #expect(root["date"] as? String == date.replacingOccurrences(of: "+00:00", with: "Z"))
        #expect(root["subject"] as? String == "Render through the hydrator contract")
        #expect(root["body"] as? String == "So that GitOps Promoter can move the rendered branches forward.")
        #expect(root["commands"] == nil && root["references"] == nil)
        // Go's encoder: two-space indent, "key": value, keys in Argo CD's order.
        let text = try show(w, "rendered-next:hydrator.metadata", in: src)
        #expect(text.hasPrefix("{\n  \"repoURL\": \""), "\(text)")
        #expect(text.hasSuffix("\n}\n"))
        let order = ["repoURL", "drySha", "author", "date", "subject", "body"].map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(order == order.sorted())

        for env in ["e1", "e2"] {
            let metadata = try show(w, "rendered-next:\(env)/hydrator.metadata", in: src)
            let repo = try #require(root["repoURL"] as? String)
            #expect(metadata == """
                {
                  "repoURL": "\(repo)",
                  "drySha": "\(dry)",
                  "commands": [
                    "gitops-weave render \(env) --out ."
                  ]
                }

                """)
            #expect(try show(w, "rendered-next:\(env)/README.md", in: src) == """
                # Manifest Hydration

                To hydrate the manifests in this repository, run the following commands:

                ```shell
                git clone \(repo)
                # cd into the cloned directory
                git checkout \(dry)
                gitops-weave render \(env) --out .
                ```

                """)
        }

        // check reads the branch publish writes.
        let check = try w.weave(["check"], in: src)
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("on branch rendered-next"), "\(check)")
    }

    @Test("a dry commit that changes nothing: no new commit, and the note on the tip names it; a change: only that path's metadata moves")
    func noteWithoutCommit() throws {
        let w = try World()
        let src = try source(w)
        let first = try w.git("rev-parse", "HEAD", in: src)
        try publish(w, in: src)
        let tip = try w.git("rev-parse", "rendered-next", in: src)

        try w.write(src, "NOTES.md", "not rendered\n")
        try w.commitAll(src, "Notes")
        let second = try w.git("rev-parse", "HEAD", in: src)
        let again = try publish(w, in: src)
        #expect(again.stdout.contains("up to date"), "\(again)")
        #expect(try w.git("rev-parse", "rendered-next", in: src) == tip)
        #expect(try w.git("notes", "--ref=hydrator.metadata", "show", tip, in: src) == "{\"drySha\":\"\(second)\"}")

        try w.write(src, "environments/e2.yaml", "layers: [app]\nparameters:\n  value: changed\n")
        try w.commitAll(src, "e2: a new value")
        let third = try w.git("rev-parse", "HEAD", in: src)
        try publish(w, in: src)
        let next = try w.git("rev-parse", "rendered-next", in: src)
        #expect(next != tip)
        #expect(try w.git("notes", "--ref=hydrator.metadata", "show", next, in: src) == "{\"drySha\":\"\(third)\"}")
        #expect(try json(try show(w, "rendered-next:hydrator.metadata", in: src))["drySha"] as? String == third)
        #expect(try json(try show(w, "rendered-next:e2/hydrator.metadata", in: src))["drySha"] as? String == third)
        // As Argo CD does: an unchanged path keeps the metadata of the commit that last changed it.
        #expect(try json(try show(w, "rendered-next:e1/hydrator.metadata", in: src))["drySha"] as? String == first)
        #expect(try w.gitLines("diff", "--name-only", tip, next, in: src) == ["e2/README.md", "e2/configmap_default_app.yaml", "e2/hydrator.metadata", "e2/render-info.txt", "hydrator.metadata"])
    }

    @Test("Argocd-reference-commit-* trailers of the dry commit become its references, and leave the body")
    func references() throws {
        let w = try World()
        let src = try source(w)
        try w.write(src, "environments/e1.yaml", "layers: [app]\nparameters:\n  value: v1.2.3\n")
        let code = String(repeating: "ab", count: 20)
        try w.commitAll(src, """
            Bump e1 to v1.2.3

            From the image build.

            Argocd-reference-commit-author: Code Author <code@example.com>
            Argocd-reference-commit-sha: \(code)
            Argocd-reference-commit-subject: Fix the cache <size> & limits
            Argocd-reference-commit-repourl: https://github.com/example/app
            Argocd-reference-commit-date: 2026-12-01T10:00:00+01:00
            """)
        try publish(w, in: src)
        let text = try show(w, "rendered-next:hydrator.metadata", in: src)
        let root = try json(text)
        #expect(root["body"] as? String == "From the image build.")
        let refs = try #require(root["references"] as? [[String: Any]])
        let commit = try #require(refs.first?["commit"] as? [String: String])
        #expect(commit == ["author": "Code Author <code@example.com>", "sha": code, "subject": "Fix the cache <size> & limits",
                           "repoUrl": "https://github.com/example/app", "date": "2026-12-01T10:00:00+01:00"])
        // Not HTML-escaped, as Argo CD writes it (SetEscapeHTML(false)).
        #expect(text.contains("Fix the cache <size> & limits"))
    }

    @Test("branch layout: env/<name>-next branches, each with the root files and its own note")
    func branchLayout() throws {
        let w = try World()
        let src = try source(w)
        let dry = try w.git("rev-parse", "HEAD", in: src)
        try publish(w, ["--layout", "branch"], in: src)
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", "refs/heads/env/", in: src) == ["refs/heads/env/e1-next", "refs/heads/env/e2-next"])
        for env in ["e1", "e2"] {
            let branch = "env/\(env)-next"
            #expect(try w.gitLines("ls-tree", "--name-only", branch, in: src)
                    == [".gitattributes", "README.md", "configmap_default_app.yaml", "hydrator.metadata", "kustomization.yaml", "render-info.txt"])
            let metadata = try json(try show(w, "\(branch):hydrator.metadata", in: src))
            #expect(metadata["drySha"] as? String == dry)
            #expect(metadata["commands"] as? [String] == ["gitops-weave render \(env) --out ."])
            #expect(metadata["subject"] as? String == "Render through the hydrator contract")
            #expect(try w.git("notes", "--ref=hydrator.metadata", "show", branch, in: src) == "{\"drySha\":\"\(dry)\"}")
        }
        let check = try w.weave(["check", "--layout", "branch"], in: src)
        #expect(check.status == 0, "\(check)")
        // An environment removed from the source: its staging branch goes; the promoter's stays.
        try w.git("branch", "env/e2", "env/e2-next", in: src)
        try FileManager.default.removeItem(at: src.appendingPathComponent("environments/e2.yaml"))
        try w.commitAll(src, "Drop e2")
        try publish(w, ["--layout", "branch"], in: src)
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", "refs/heads/env/", in: src) == ["refs/heads/env/e1-next", "refs/heads/env/e2"])
    }

    @Test("--push sends the staging branch and both notes to the remote")
    func pushed() throws {
        let w = try World()
        let src = try source(w)
        let remote = try w.initRepository("remote.git", bare: true)
        try w.git("remote", "add", "origin", remote.path, in: src)
        let dry = try w.git("rev-parse", "HEAD", in: src)
        try publish(w, ["--push"], in: src)
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", in: remote)
                == ["refs/heads/rendered-next", "refs/notes/gitops-weave", "refs/notes/hydrator.metadata"])
        #expect(try w.git("notes", "--ref=hydrator.metadata", "show", "rendered-next", in: remote) == "{\"drySha\":\"\(dry)\"}")
        #expect(try w.git("fsck", "--strict", in: remote).isEmpty)
    }

    @Test("staging: false commits to the branch itself")
    func withoutStaging() throws {
        let w = try World()
        let src = try source(w, hydrator: "{staging: false}")
        try publish(w, in: src)
        #expect(try w.exists("refs/heads/rendered", in: src))
        #expect(!(try w.exists("refs/heads/rendered-next", in: src)))
        #expect(try w.gitLines("ls-tree", "--name-only", "rendered", in: src).contains("hydrator.metadata"))
    }

    @Test("turned on over an existing rendered branch, the next publish adds the files though no manifest changed")
    func turnedOn() throws {
        let w = try World()
        let src = try source(w, hydrator: "{staging: false}")
        try w.write(src, "gitops-weave.yaml", "parameters:\n  value:\n    type: string\n")
        try w.commitAll(src, "No contract")
        try publish(w, in: src)
        #expect(!(try w.gitLines("ls-tree", "-r", "--name-only", "rendered", in: src).contains { $0.hasSuffix("hydrator.metadata") }))
        try w.write(src, "gitops-weave.yaml", "output:\n  hydrator: {staging: false}\nparameters:\n  value:\n    type: string\n")
        try w.commitAll(src, "The contract")
        let out = try publish(w, in: src)
        #expect(out.stdout.contains("committed"), "\(out)")
        #expect(try w.gitLines("ls-tree", "-r", "--name-only", "rendered", in: src).filter { $0.hasSuffix("hydrator.metadata") }
                == ["e1/hydrator.metadata", "e2/hydrator.metadata", "hydrator.metadata"])
    }

    @Test("a source with uncommitted changes has no dry commit: refused before anything is written")
    func dirtySource() throws {
        let w = try World()
        let src = try source(w)
        try w.write(src, "environments/e1.yaml", "layers: [app]\nparameters:\n  value: uncommitted\n")
        let out = try w.weave(["publish", "--allow-dirty"], in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr == """
            error: output.hydrator names the dry commit each rendered commit comes from, and a source with uncommitted changes has none
              hint: commit the changes, then publish; or set output.hydrator: false in gitops-weave.yaml to publish without the contract

            """)
        #expect(try w.gitLines("for-each-ref", "--format=%(refname)", in: src) == ["refs/heads/main"])
    }

    @Test("output.hydrator that is not true, false or {staging: BOOL} is an error at its position", arguments: [
        ("maybe", "gitops-weave.yaml:2:13: error: output.hydrator is true, false or a mapping such as {staging: false}, not a string"),
        ("{staging: later}", "gitops-weave.yaml:2:23: error: output.hydrator.staging is true or false, not a string"),
        ("{stage: true}", "gitops-weave.yaml:2:14: error: unknown key \"stage\" in output.hydrator"),
    ])
    func badOption(value: String, headline: String) throws {
        let w = try World()
        let src = try source(w, hydrator: value)
        let out = try w.weave(["publish"], in: src)
        #expect(out.status == 1, "\(out)")
        #expect(out.stderr.hasPrefix(headline), "\(out.stderr)")
    }
}
