import Foundation
import MergeEngine
import YAMLModel

/// One check of an environment's merged resources, with an id that diagnostics show
/// (`[keeper-nodes]`) and that an environment's `rules.disable` names, with a reason.
/// Each finding is a diagnostic at the value that breaks the rule, with a hint.
public struct Rule: Sendable {
    /// How a rule's findings are made.
    public enum Check: Sendable {
        /// A function of the merged resources, run after every stage.
        case resources(@Sendable (RuleContext) -> [Diagnostic])
        /// The stage of that name reports the findings while it works (a derived value
        /// that disagrees with a written one): one implementation, not two.
        case byStage(String)
    }

    public var id: String
    /// What it checks, in one line (the README's table).
    public var summary: String
    /// What a finding is: errors stop the render, warnings do not.
    public var severity: Diagnostic.Severity
    public var check: Check

    public init(_ id: String, _ summary: String, severity: Diagnostic.Severity = .error, check: Check) {
        self.id = id
        self.summary = summary
        self.severity = severity
        self.check = check
    }

    /// The stage that reports this rule's findings, if it is one.
    public var stage: String? {
        if case .byStage(let name) = check { return name }
        return nil
    }

    /// Runs the rule; every finding carries the rule's id and severity.
    public func run(_ context: RuleContext) -> [Diagnostic] {
        guard case .resources(let check) = check else { return [] }
        return check(context).map { d in
            var out = d.reported(by: id)
            out.severity = severity
            return out
        }
    }

    /// What running rules gave: the diagnostics to report, and how many findings each
    /// waived rule (or the plaintext-secret allowance) kept quiet.
    public struct Outcome: Sendable {
        public var diagnostics: [Diagnostic] = []
        public var suppressed: [String: Int] = [:]
    }

    /// Runs `rules` on an environment's resources. `earlier` holds what the stages reported
    /// (some of it under rule ids): it comes first, then each rule's findings in rule
    /// order. Findings of a rule the environment disables, and plaintext secrets it
    /// allows, are counted, not reported.
    public static func check(_ rules: [Rule], on resources: [Resource], environment: Environment, earlier: [Diagnostic] = []) -> Outcome {
        let context = RuleContext(resources: resources, environment: environment)
        let waived = Set(environment.disabledRules.map(\.id))
        var result = Outcome()
        for d in earlier + rules.flatMap({ $0.run(context) }) {
            guard let rule = d.rule else {
                result.diagnostics.append(d)
                continue
            }
            if waived.contains(rule) || (rule == SecretPolicy.ruleID && environment.plaintextSecretsAllowed != nil) {
                result.suppressed[rule, default: 0] += 1
            } else {
                result.diagnostics.append(d)
            }
        }
        return result
    }
}

/// What a rule reads: an environment's merged resources after every stage, and the
/// environment file (the settings of its stacks).
public struct RuleContext: Sendable {
    public var resources: [Resource]
    public var environment: Environment
    private let memo = Memo()

    public init(resources: [Resource], environment: Environment) {
        self.resources = resources
        self.environment = environment
    }

    /// The resources of one `group/Kind`.
    public func resources(_ groupKind: String) -> [Resource] {
        resources.filter { $0.id.groupKind == groupKind }
    }

    /// What several rules read from the same resource (a parsed file inside it), made once
    /// per check: the first call for `key` makes it, later ones get it back.
    public func memoized<Value: Sendable>(_ key: String, _ make: () -> Value) -> Value {
        memo.value(key, make)
    }

    final class Memo: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: any Sendable] = [:]

        func value<Value: Sendable>(_ key: String, _ make: () -> Value) -> Value {
            lock.lock()
            defer { lock.unlock() }
            if let done = values[key] as? Value { return done }
            let made = make()
            values[key] = made
            return made
        }
    }
}
