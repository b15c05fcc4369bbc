import Foundation
import Overlays

enum Diagnostics {
    static func print(_ d: Diagnostic) {
        FileHandle.standardError.write((d.description + "\n").data(using: .utf8)!)
    }
}
