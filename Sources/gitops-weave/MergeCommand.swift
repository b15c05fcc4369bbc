import ArgumentParser
import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Apply patches to the resources of a YAML file and print the result.",
        discussion: """
            Each document of each PATCH file is a strategic merge patch. It applies to the one \
            resource of BASE with the same API group, kind, name and namespace (a patch without \
            a namespace applies when the name is unambiguous). Patches apply in the order given. \
            A patch whose root says `$patch: delete` removes its resource.

            Built-in kinds and the stack's custom resources merge lists by key; other kinds \
            merge as RFC 7386 JSON merge patch unless --crd or --merge-key says how.

            JSON patch files hold documents of the form
              target: {apiVersion: apps/v1, kind: Deployment, name: web}
              patch: [{op: replace, path: /spec/replicas, value: 3}]
            and apply after all strategic patches.

            Exit status: 0 on success; 1 on bad input or a rejected patch, with \
            `file:line:col: error: ...` on standard error.
            """)

    @Argument(help: "The YAML stream holding the resources to patch.")
    var base: String

    @Argument(help: "Strategic merge patch files, applied in order.")
    var patches: [String] = []

    @Option(name: .customLong("crd"), help: ArgumentHelp("A CustomResourceDefinition file to read list merge keys from (repeatable).", valueName: "CRD.yaml"))
    var crds: [String] = []

    @Option(name: .customLong("merge-key"), help: ArgumentHelp("Declare a keyed list: group/Kind:path.to.list=key (repeatable).", valueName: "DECL"))
    var mergeKeys: [String] = []

    @Option(name: .customLong("json-patch"), help: ArgumentHelp("A file of targeted RFC 6902 JSON patches (repeatable).", valueName: "FILE"))
    var jsonPatches: [String] = []

    func run() throws {
        try Diagnostics.run {
            var registry = SchemaRegistry(adding: StackCatalog.bundled.stacks.map(\.mergeTypes))
            for path in crds {
                for schema in try CRDSchemaReader.read(try SourceFile.parseStream(path)) {
                    registry.register(schema.type, groupKind: schema.groupKind)
                }
            }
            for text in mergeKeys {
                registry.declare(try MergeKeyDeclaration(parsing: text))
            }
            var patcher = ResourcePatcher(resources: try Resource.load(try SourceFile.parseStream(base)), registry: registry)
            for path in patches {
                for doc in try SourceFile.parseStream(path) where !doc.isNull {
                    try patcher.applyStrategic(doc)
                }
            }
            for path in jsonPatches {
                for doc in try SourceFile.parseStream(path) where !doc.isNull {
                    let p = try TargetedJSONPatch(parsing: doc)
                    try patcher.applyJSONPatch(p.patch, target: p.target, at: p.location)
                }
            }
            for note in patcher.notes { Diagnostics.print(note) }
            FileHandle.standardOutput.write(YAMLEmitter().emitStream(patcher.resources.map(\.node)).data(using: .utf8)!)
        }
    }
}
