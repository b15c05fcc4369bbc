// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "gitops-weave",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gitops-weave", targets: ["gitops-weave"]),
        .executable(name: "gitops-weave-bench", targets: ["gitops-weave-bench"]),
        .executable(name: "gitops-weave-fuzz", targets: ["gitops-weave-fuzz"]),
        .library(name: "Overlays", targets: ["Overlays"]),
        .library(name: "GitSync", targets: ["GitSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // System libraries, found through pkg-config. No C code is vendored.
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CGit2", path: "Sources/CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]),

        // The YAML model, merge engine and schema registry.
        .target(
            name: "Overlays",
            dependencies: [
                "CYAML",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]),
        // Writing rendered trees into git through libgit2.
        .target(name: "GitSync", dependencies: ["CGit2", "Overlays"]),

        .executableTarget(
            name: "gitops-weave",
            dependencies: [
                "Overlays", "GitSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "gitops-weave-bench",
            dependencies: [
                "Overlays", "GitSync", "CYAML", "CGit2",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // A libFuzzer target over parse, merge and emit (see fuzz/README.md). A normal build
        // gives it a main that runs the target once on standard input.
        .executableTarget(name: "gitops-weave-fuzz", dependencies: ["Overlays"]),

        // What the test targets share: scratch directories, running programs, git sandboxes
        // and a git daemon, a seeded generator, unified diffs for golden comparisons. It uses
        // Foundation only (no module of the package), so the product's layout cannot break it.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),

        .testTarget(
            name: "OverlaysTests",
            dependencies: ["Overlays", "TestSupport"],
            resources: [.copy("Fixtures")]),
        // Runs the built `gitops-weave` binary as a user would.
        .testTarget(name: "CLITests", dependencies: ["gitops-weave", "TestSupport"], resources: [.copy("Golden"), .copy("Hostile")]),
        // GitSync against real repositories, checked with the git CLI.
        .testTarget(name: "GitSyncTests", dependencies: ["GitSync", "Overlays", "TestSupport"]),
    ]
)
