import Foundation
import MergeEngine
import YAMLModel

/// Every environment through the same steps, on every core: render, lay out the files,
/// validate. `render` then writes each environment and keeps nothing of it, so memory stays
/// flat however many environments there are; `publish` and `diff` keep the laid-out
/// environments in memory instead.
public struct RenderPipeline: Sendable {
    public var renderer: Renderer
    public var provenance: RenderedEnvironment.Provenance
    /// Checks a rendered environment; nil skips the check.
    public var validator: SchemaValidator?

    public init(renderer: Renderer, provenance: RenderedEnvironment.Provenance, validator: SchemaValidator?) {
        self.renderer = renderer
        self.provenance = provenance
        self.validator = validator
    }

    /// One environment's way through the pipeline.
    public struct Result: Sendable {
        public var name: String
        /// The laid-out environment; nil when it has errors (or, after `write`, always).
        public var environment: RenderedEnvironment?
        /// Where `write` put it.
        public var directory: String?
        public var resources: Int
        public var diagnostics: [Diagnostic]

        public var failed: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Renders, lays out and validates every environment; results in the order of `names`.
    public func run(_ names: [String]) -> [Result] {
        each(names, progress: nil) { $0 }
    }

    /// Runs every environment through the pipeline on every core and hands each result to
    /// `finish`, on the worker that made it; results come back in the order of `names`.
    public func each(_ names: [String], progress: (@Sendable (Int) -> Void)?, then finish: @Sendable (Result) -> Result) -> [Result] {
        let results = ResultSlots<Result>(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let done = results.set(i, finish(environment(names[i])))
            progress?(done)
        }
        return results.values
    }

    func environment(_ name: String) -> Result {
        let outcome = renderer.render(named: name)
        var result = Result(name: name, environment: nil, directory: nil, resources: 0, diagnostics: outcome.diagnostics)
        guard !outcome.failed else { return result }
        let rendered = RenderedEnvironment(outcome, stacks: renderer.project.stacks, provenance: provenance)
        result.diagnostics += validator?.validate(rendered.resources) ?? []
        guard !result.failed else { return result }
        result.environment = rendered
        result.resources = rendered.resources.count
        return result
    }
}

extension Array where Element: Sendable {
    /// `transform` of every element, on every core, in order. `transform` must be safe to
    /// call concurrently.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let results = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            _ = results.set(i, transform(self[i]))
        }
        return results.values
    }
}

/// Results filled in by concurrent workers, one slot each, read back in order.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var filled = 0
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores the value of slot `i`; returns how many slots are filled now.
    func set(_ i: Int, _ value: Value) -> Int {
        lock.lock()
        defer { lock.unlock() }
        slots[i] = value
        filled += 1
        return filled
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
