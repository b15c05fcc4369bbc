import Overlays
import WeaveStack

extension StackCatalog {
    /// The stacks this program is built with; a project's `stacks:` names them.
    static let bundled = StackCatalog([WeaveStack()])
}
