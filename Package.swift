// swift-tools-version:5.10
import PackageDescription

// The engine is several modules so that the compiler keeps its dependencies one way. A
// release build optimises across them as if they were one (inlining and specialising the
// YAML model's small accessors where the merge and the emitter call them), so the split
// costs no speed.
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "gitops-weave",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gitops-weave", targets: ["gitops-weave"]),
        .executable(name: "gitops-weave-bench", targets: ["gitops-weave-bench"]),
        .executable(name: "gitops-weave-fuzz", targets: ["gitops-weave-fuzz"]),
        .library(name: "Overlays", targets: ["YAMLModel", "MergeEngine", "Overlays"]),
        .library(name: "WeaveStack", targets: ["WeaveStack"]),
        .library(name: "GitSync", targets: ["GitSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // SHA-256 for kustomize's content-hash name suffixes (and, later, signatures).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System libraries, found through pkg-config. No C code is vendored.
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]),

        // The engine, bottom up; each module imports only those above it, so the compiler
        // keeps the data flowing one way.
        // YAML with positions and provenance, diagnostics, field paths.
        .target(
            name: "YAMLModel",
            dependencies: [
                "CYAML",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: crossModule),
        // Merge metadata and validation schemas (built-in and from CRDs), strategic merge,
        // JSON patches, resources.
        .target(name: "MergeEngine", dependencies: ["YAMLModel"], swiftSettings: crossModule),
        // kustomize's build: kustomization files, generators, transformers and name
        // references, over the same YAML model and merge, with positions and provenance.
        .target(
            name: "Kustomize",
            dependencies: [
                "YAMLModel", "MergeEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: crossModule),
        // The generic engine: source, project, environments, layers, parameters, the render
        // pipeline and its stages, the stack interface, rules, redaction, diff, explain,
        // sync configuration. It knows no stack.
        .target(
            name: "Overlays",
            dependencies: [
                "YAMLModel", "MergeEngine", "Kustomize",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: crossModule),
        // The W&B Weave stack as a plug-in: ClickHouse, Keeper and W&B merge types and
        // schemas, the derived wiring, the seeds' rules, the sync order, its settings.
        .target(name: "WeaveStack", dependencies: ["YAMLModel", "MergeEngine", "Overlays"], swiftSettings: crossModule),
        // The local filesystem at the edge: a source directory, loose files, output directories.
        .target(name: "LocalFiles", dependencies: ["YAMLModel", "MergeEngine", "Overlays"], swiftSettings: crossModule),
        // Writing rendered trees into git through libgit2, and reading sources from commits.
        .target(name: "GitSync", dependencies: ["CGit2", "YAMLModel", "MergeEngine", "Overlays", "LocalFiles"], swiftSettings: crossModule),

        .executableTarget(
            name: "gitops-weave",
            dependencies: [
                "YAMLModel", "MergeEngine", "Kustomize", "Overlays", "WeaveStack", "LocalFiles", "GitSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "gitops-weave-bench",
            dependencies: [
                "YAMLModel", "MergeEngine", "Kustomize", "Overlays", "WeaveStack", "LocalFiles", "GitSync", "CYAML", "CGit2",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // A libFuzzer target over parse, merge and emit (see fuzz/README.md). A normal build
        // gives it a main that runs the target once on standard input.
        .executableTarget(name: "gitops-weave-fuzz", dependencies: ["YAMLModel", "MergeEngine", "WeaveStack"]),

        // What the test targets share: scratch directories, running programs, git sandboxes
        // and a git daemon, a seeded generator, unified diffs for golden comparisons. It uses
        // Foundation only (no module of the package), so the product's layout cannot break it.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),

        .testTarget(
            name: "OverlaysTests",
            dependencies: ["YAMLModel", "MergeEngine", "Overlays", "WeaveStack", "LocalFiles", "TestSupport"],
            resources: [.copy("Fixtures")]),
        // Runs the built `gitops-weave` binary as a user would.
        .testTarget(name: "CLITests", dependencies: ["gitops-weave", "TestSupport"], resources: [.copy("Golden"), .copy("Hostile")]),
        .testTarget(name: "KustomizeTests", dependencies: ["YAMLModel", "MergeEngine", "Kustomize", "LocalFiles", "TestSupport"]),
        // GitSync against real repositories, checked with the git CLI.
        .testTarget(name: "GitSyncTests", dependencies: ["GitSync", "YAMLModel", "MergeEngine", "Overlays", "WeaveStack", "LocalFiles", "TestSupport"]),
    ]
)
