import Foundation
import Overlays
import MergeEngine
import YAMLModel
import WeaveStack
import LocalFiles

/// Compares kustomize's build of an environment with gitops-weave's render of it, resource
/// by resource and field by field, and says why each difference is there. A difference
/// nobody explains is a disagreement: the benchmark reports it and fails.
struct OutputComparison {
    /// Why the two tools' outputs differ at one place.
    enum Reason: String, CaseIterable {
        /// gitops-weave derives the stack's wiring (Keeper hosts, the cluster name in W&B's
        /// values); kustomize has no such step.
        case derived = "derived by gitops-weave's stack wiring"
        /// gitops-weave annotates Argo CD sync waves.
        case syncWave = "Argo CD sync wave annotated by gitops-weave"
        /// A list in a custom resource: gitops-weave merges its items by key, kustomize
        /// replaces the whole list.
        case listReplaced = "list in a custom resource: gitops-weave merged items by key, kustomize replaced the list"
        case unexplained = "unexplained"

        /// The key of its count in `--json`.
        var jsonKey: String {
            switch self {
            case .derived: return "derived"
            case .syncWave: return "sync_wave"
            case .listReplaced: return "list_replaced"
            case .unexplained: return "unexplained"
            }
        }
    }

    struct Difference {
        var environment: String
        var resource: String
        var path: String
        var reason: Reason
        /// Both values, shortened, for the report.
        var ours = ""
        var theirs = ""
    }

    /// How one environment compared.
    struct Summary {
        var resources = 0
        var identical = 0
        var differences: [Difference] = []
        var unexplained: [Difference] { differences.filter { $0.reason == .unexplained } }
    }

    /// `ours`: the resources gitops-weave rendered (with provenance); `theirs`: kustomize's
    /// output stream, parsed.
    static func compare(environment: String, ours: [Resource], theirs: [Node], registry: SchemaRegistry) throws -> Summary {
        var summary = Summary()
        var kustomize: [ResourceID: Node] = [:]
        for doc in theirs where !doc.isNull {
            let r = try Resource(document: doc)
            kustomize[r.id] = r.node
        }
        for r in ours {
            let label = "\(r.id.kind)/\(r.id.name)"
            summary.resources += 1
            guard let other = kustomize.removeValue(forKey: r.id) else {
                summary.differences.append(Difference(environment: environment, resource: label, path: "(the resource)", reason: .unexplained))
                continue
            }
            var found: [Difference] = []
            let walk = Walk(customResource: !isBuiltIn(r.id))
            // Values are shown from redacted copies: a report never prints a secret.
            let shownOurs = Redaction.redacted(r)
            let shownTheirs = Redaction.redacted(try Resource(document: other))
            walk.diff(r.node, other, path: [], type: registry.type(groupKind: r.id.groupKind)) { path, reason, _, _ in
                found.append(Difference(environment: environment, resource: label, path: path.joined(separator: "."), reason: reason,
                                        ours: shortened(value(at: path, in: shownOurs)), theirs: shortened(value(at: path, in: shownTheirs))))
            }
            if found.isEmpty { summary.identical += 1 }
            summary.differences += found
        }
        for id in kustomize.keys.sorted(by: { "\($0)" < "\($1)" }) {
            summary.differences.append(Difference(environment: environment, resource: "\(id.kind)/\(id.name)", path: "(only in kustomize's output)", reason: .unexplained))
        }
        return summary
    }

    static func isBuiltIn(_ id: ResourceID) -> Bool {
        !id.group.contains(".") || id.group.hasSuffix(".k8s.io")
    }

    /// Walks both trees, knowing what gitops-weave's merge schema says about each list.
    struct Walk {
        var customResource: Bool

        /// `report` gets each place the trees differ, with the reason and both values. A
        /// mapping on one side only is walked into, so each of its values gets its own
        /// reason (an annotations map holding only the sync wave, say).
        func diff(_ ours: Node?, _ theirs: Node?, path: [String], type: MergeType?, report: ([String], Reason, Node?, Node?) -> Void) {
            switch (ours?.value, theirs?.value) {
            case (nil, nil):
                return
            case (.mapping(let a)?, .mapping(let b)?):
                for key in a.keys.union(b.keys) {
                    diff(a[key], b[key], path: path + [key], type: type?.field(key)?.type, field: type?.field(key), report: report)
                }
            case (.mapping(let a)?, nil):
                for key in a.keys { diff(a[key], nil, path: path + [key], type: type?.field(key)?.type, field: type?.field(key), report: report) }
            case (nil, .mapping(let b)?):
                for key in b.keys { diff(nil, b[key], path: path + [key], type: type?.field(key)?.type, field: type?.field(key), report: report) }
            case (.sequence(let a)?, .sequence(let b)?) where a.count == b.count:
                for (i, (x, y)) in zip(a, b).enumerated() {
                    diff(x, y, path: path + ["\(i)"], type: type, report: report)
                }
            case (.scalar(let a)?, .scalar(let b)?) where same(a, b):
                return
            default:
                report(path, reason(ours, theirs, path: path), ours, theirs)
            }
        }

        /// A field's value: a list gitops-weave merges by key, in a custom resource, whose
        /// kustomize version holds nothing gitops-weave's lacks, is the whole list replaced
        /// by a patch (kustomize merges custom resources' lists only by guessing keys).
        func diff(_ ours: Node?, _ theirs: Node?, path: [String], type: MergeType?, field: MergeField?, report: ([String], Reason, Node?, Node?) -> Void) {
            if customResource, case .mergeByKey? = field?.list, let ours, let theirs, ours.sequence != nil,
               !equal(ours, theirs), subset(theirs, of: ours) {
                report(path, .listReplaced, ours, theirs)
                return
            }
            diff(ours, theirs, path: path, type: type, report: report)
        }

        func reason(_ ours: Node?, _ theirs: Node?, path: [String]) -> Reason {
            if let ours, ours.location.isGenerated, path.last == SyncWave.annotation { return .syncWave }
            if let ours, isDerived(ours) { return .derived }
            return .unexplained
        }
    }

    /// Whether two trees are equal as data (key order aside).
    static func equal(_ a: Node, _ b: Node) -> Bool {
        subset(a, of: b) && subset(b, of: a)
    }

    /// Whether everything in `small` is in `large` with the same value: list items by
    /// their `name` where they have one, else by position.
    static func subset(_ small: Node, of large: Node) -> Bool {
        switch (small.value, large.value) {
        case (.scalar(let a), .scalar(let b)):
            return same(a, b)
        case (.mapping(let a), .mapping(let b)):
            return a.entries.allSatisfy { key, entry in b[key].map { subset(entry.value, of: $0) } ?? false }
        case (.sequence(let a), .sequence(let b)):
            return a.enumerated().allSatisfy { i, item in
                if let name = item["name"]?.stringValue {
                    return b.first { $0["name"]?.stringValue == name }.map { subset(item, of: $0) } ?? false
                }
                return i < b.count && subset(item, of: b[i])
            }
        default:
            return false
        }
    }

    /// The node at a path `diff` reported (keys, and list positions as numbers).
    static func value(at path: [String], in node: Node) -> Node? {
        var current: Node? = node
        for step in path {
            if case .sequence(let items)? = current?.value, let i = Int(step) {
                current = i < items.count ? items[i] : nil
            } else {
                current = current?[step]
            }
        }
        return current
    }

    static func shortened(_ node: Node?) -> String {
        guard let node else { return "(none)" }
        let text = YAMLEmitter().emit(node).split(separator: "\n").joined(separator: " ")
        return text.count > 100 ? String(text.prefix(97)) + "..." : text
    }

    static func same(_ a: Scalar, _ b: Scalar) -> Bool {
        a.tag == b.tag && a.text == b.text
    }

    /// Whether gitops-weave's stack wiring set this value, or everything in it.
    static func isDerived(_ node: Node) -> Bool {
        if case .derived? = node.overrode?.reason { return true }
        switch node.value {
        case .scalar: return false
        case .mapping(let m): return !m.isEmpty && m.entries.values.allSatisfy { isDerived($0.value) }
        case .sequence(let items): return !items.isEmpty && items.allSatisfy(isDerived)
        }
    }
}
