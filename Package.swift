// swift-tools-version: 6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode (strict concurrency) plus the
/// upcoming features that keep imports private and existentials explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// A libFuzzer target (Docs/fuzzing.md): one executable per decoder, one file each. `.ci/fuzz`
/// builds them with `--sanitize=fuzzer` and `-DVOUCH_LIBFUZZER` (libFuzzer then supplies `main`);
/// in an ordinary build they compile too, as programs that replay the input files they are given.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["VouchFuzzSupport"] + dependencies,
        swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "vouch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vouch", targets: ["vouch"]),
        .executable(name: "vouch-bench", targets: ["VouchBench"]),
    ],
    // Exact versions: Package.resolved stays out of git here (the package copies on the build
    // machines are not GitHub's commits), so the manifest itself pins what two fresh clones build.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // The system OpenSSL 3 (Debian libssl-dev), with C shims for the macros Swift cannot import.
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // glibc's malloc_trim and mallinfo2, for the node's HeapTrimmer (Swift's Glibc omits them).
        .systemLibrary(name: "CGlibcMalloc"),
        // Ed25519, X25519, SHA-256, randomness, constant-time compare, key files, certificates.
        .target(name: "VouchCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // What crosses the wire or is signed: node IDs, canonical encoding, envelopes, documents.
        // Pure: imports neither NIO nor SQLite.
        .target(name: "VouchProtocol", dependencies: ["VouchCrypto"], swiftSettings: swiftSettings),
        // The node home: paths, config, key file, and the SQLite database with its migrations.
        .target(
            name: "VouchStore",
            dependencies: ["VouchCrypto", "VouchProtocol", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // TLS 1.3 over the system OpenSSL as a SwiftNIO channel handler, with the connection
        // logic as a state machine testable without sockets.
        .target(
            name: "VouchTLS",
            dependencies: [
                "COpenSSL", "VouchCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The admin API: a Unix socket in the node home speaking JSON lines, with a cookie file
        // for authentication; the server side for the daemon and the client for the CLI.
        .target(
            name: "VouchAdmin",
            dependencies: [
                "VouchCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The daemon: listener, sessions, outbox, admin handlers; wires protocol, store and TLS.
        .target(
            name: "VouchNode",
            dependencies: [
                "VouchCrypto", "VouchProtocol", "VouchStore", "VouchTLS", "VouchAdmin", "CGlibcMalloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The commands of the `vouch` executable.
        .target(
            name: "VouchCLI",
            dependencies: [
                "VouchCrypto", "VouchProtocol", "VouchStore", "VouchAdmin", "VouchNode", "VouchTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "vouch", dependencies: ["VouchCLI"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "VouchBench",
            dependencies: [
                "VouchCrypto", "VouchProtocol", "VouchStore", "VouchTLS", "VouchNode", "VouchAdmin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the fuzz targets share: the replay entry point, fixed keys, edge values, and the
        // generators of validly signed documents and messages (structure-aware fuzzing).
        .target(name: "VouchFuzzSupport", dependencies: ["VouchCrypto", "VouchProtocol"], swiftSettings: swiftSettings),
        fuzzTarget("FuzzCBOR", ["VouchProtocol"]),
        fuzzTarget("FuzzEnvelope", ["VouchProtocol"]),
        fuzzTarget("FuzzArmor", ["VouchProtocol"]),
        fuzzTarget("FuzzNodeID", ["VouchProtocol"]),
        fuzzTarget("FuzzNodeAddress", ["VouchProtocol"]),
        fuzzTarget("FuzzEndpoint", ["VouchProtocol"]),
        fuzzTarget("FuzzProfile", ["VouchProtocol"]),
        fuzzTarget("FuzzFrame", ["VouchProtocol"]),
        fuzzTarget("FuzzMessage", ["VouchProtocol"]),
        fuzzTarget("FuzzSignedProfile", ["VouchProtocol"]),
        fuzzTarget("FuzzInvitation", ["VouchProtocol"]),
        fuzzTarget("FuzzDisclosure", ["VouchCrypto", "VouchProtocol"]),
        fuzzTarget("FuzzRelayMessage", ["VouchProtocol"]),
        // A node on a temporary home and the node's inbound path, for the structure-aware node
        // targets and the tests that show their generators reach the store.
        .target(
            name: "VouchFuzzNode",
            dependencies: [
                "VouchFuzzSupport", "VouchNode", "VouchProtocol", "VouchStore", "VouchTLS", "VouchCrypto",
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        fuzzTarget("FuzzNodeInbound", ["VouchFuzzNode", "VouchNode"]),
        fuzzTarget("FuzzInvitationInbound", ["VouchFuzzNode", "VouchNode"]),
        // The admin line's decoders and their oracle, shared by the two admin targets.
        .target(name: "VouchFuzzAdmin", dependencies: ["VouchAdmin", .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: swiftSettings),
        fuzzTarget("FuzzAdminLine", [
            "VouchAdmin", "VouchFuzzAdmin", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        fuzzTarget("FuzzAdminJSON", ["VouchFuzzAdmin", .product(name: "NIOCore", package: "swift-nio")]),
        // Support code the test targets share: child processes, temporary directories, polling.
        .target(name: "VouchTestKit", swiftSettings: swiftSettings),
        .testTarget(name: "VouchCryptoTests", dependencies: ["VouchCrypto", "VouchTestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VouchProtocolTests",
            dependencies: ["VouchProtocol", "VouchCrypto", "VouchTestKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VouchTLSTests",
            dependencies: [
                "VouchTLS", "VouchCrypto", "VouchTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VouchAdminTests",
            dependencies: [
                "VouchAdmin", "VouchTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VouchNodeTests",
            dependencies: [
                "VouchNode", "VouchProtocol", "VouchCrypto", "VouchTLS", "VouchStore", "VouchAdmin", "VouchTestKit",
                "VouchFuzzSupport", "VouchFuzzNode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // End-to-end: real `vouch run` processes with their own homes, driven through the CLI only.
        .testTarget(
            name: "VouchDaemonTests",
            dependencies: ["VouchProtocol", "VouchCrypto", "VouchTestKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VouchStoreTests", dependencies: ["VouchStore", "VouchTestKit", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "VouchCLITests",
            dependencies: ["VouchProtocol", "VouchCrypto", "VouchTestKit"],
            swiftSettings: swiftSettings
        ),
    ]
)
