import Overlays
import YAMLModel
import MergeEngine

extension RenderPipeline {
    /// `render --all`: every environment that passes is written to `output` (its directory
    /// replaced atomically) and dropped from memory. `progress` is called, on any thread,
    /// with the number finished so far.
    public func write(_ names: [String], to output: OutputDirectory, progress: (@Sendable (Int) -> Void)? = nil) -> [Result] {
        each(names, progress: progress) { result in
            var result = result
            guard let environment = result.environment else { return result }
            result.environment = nil
            do {
                try output.write(environment)
                result.directory = output.directory(of: environment.name)
            } catch let d as Diagnostic {
                result.diagnostics.append(d)
            } catch {
                result.diagnostics.append(.error(at: nil, "cannot write \(environment.name): \(error)"))
            }
            return result
        }
    }
}
