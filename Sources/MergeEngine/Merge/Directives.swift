import YAMLModel

/// The strategic-merge directive keys.
enum Directive {
    static let patch = "$patch"
    static let retainKeys = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"

    static let replace = "replace"
    static let delete = "delete"
    static let merge = "merge"

    /// The value of `$patch` in a mapping node, when it has one.
    static func patchDirective(of node: Node) -> Node? {
        node.mapping?[patch]
    }

    static func isDeleteElement(_ node: Node) -> Bool {
        patchDirective(of: node)?.scalar == .string(delete)
    }
}
