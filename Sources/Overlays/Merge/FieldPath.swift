/// A path inside a resource, printed as `spec.template.spec.containers[name=app].image`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
        case element(key: String, value: String)
    }

    public var steps: [Step] = []

    public init(_ steps: [Step] = []) { self.steps = steps }

    public func appending(_ key: String) -> FieldPath {
        var p = self
        p.steps.append(.key(key))
        return p
    }

    public func appending(_ step: Step) -> FieldPath {
        var p = self
        p.steps.append(step)
        return p
    }

    public var description: String {
        var out = ""
        for step in steps {
            switch step {
            case .key(let k):
                if !out.isEmpty { out += "." }
                out += k
            case .index(let i): out += "[\(i)]"
            case .element(let k, let v): out += "[\(k)=\(v)]"
            }
        }
        return out.isEmpty ? "(root)" : out
    }
}
