import Foundation
import NIOCore
import Testing
import VouchCrypto
@_spi(Benchmarks) import VouchNode
import VouchProtocol
@_spi(Testing) @_spi(Benchmarks) import VouchTLS

/// A node speaks only the TLS profile of Protocol/transport.md §2. The contexts built for tests
/// and benchmarks (no ALPN required, other groups, no certificate) exist in the package, so the
/// node itself refuses them: it does not listen with one, nor dial with one.
@Suite("A node refuses any TLS configuration but its own profile")
struct TLSProfileFenceTests {
    static let nonProductionContexts: [(name: String, make: @Sendable (Ed25519PrivateKey) throws -> TLSConfiguration)] = [
        ("tolerating a ClientHello without ALPN", {
            try TLSConfiguration.toleratingMissingALPNForBenchmarks(
                privateKey: $0, certificate: SelfSignedCertificate(key: $0, commonName: "bench"))
        }),
        ("offering ffdhe groups", { try TLSConfiguration.offeringGroupsForTesting("x25519:ffdhe2048", privateKey: $0) }),
        ("presenting no certificate", { try TLSConfiguration.presentingNoCertificateForTesting(privateKey: $0) }),
    ]

    @Test(arguments: 0..<nonProductionContexts.count)
    func theListenerIsNotOpened(index: Int) async throws {
        let (name, make) = Self.nonProductionContexts[index]
        let node = try await TestNode(tls: make)
        defer { Task { await node.shutdown() } }
        do {
            _ = try await node.runtime.bindListener()
            Issue.record("the node listened with a TLS context \(name)")
        } catch let error as TLSError {
            #expect(error.code == .configuration)
            #expect(error.message.contains("not the node's profile"), "\(error)")
        }
        // Nothing is listening on the node's port.
        let probe = try await TestNode()
        defer { Task { await probe.shutdown() } }
        await #expect(throws: (any Error).self) { _ = try await probe.runtime.connect(to: node.address) }
    }

    @Test(arguments: 0..<nonProductionContexts.count)
    func noConnectionIsDialed(index: Int) async throws {
        let (name, make) = Self.nonProductionContexts[index]
        try await withNode { peer in
            let node = try await TestNode(tls: make)
            defer { Task { await node.shutdown() } }
            do {
                _ = try await node.runtime.connect(to: peer.address)
                Issue.record("the node dialed with a TLS context \(name)")
            } catch let error as TLSError {
                #expect(error.code == .configuration, "\(error)")
            }
            #expect(peer.runtime.sessions.count == 0)
        }
    }

    /// The benchmark's own way in takes the benchmark context, and that one only.
    @Test func theBenchmarkListenerTakesOnlyTheBenchmarkContext() async throws {
        let benchmark = try await TestNode(tls: Self.nonProductionContexts[0].make)
        defer { Task { await benchmark.shutdown() } }
        let channel = try await benchmark.runtime.bindListenerForBenchmarks()
        try await channel.close()

        for (name, make) in Self.nonProductionContexts.dropFirst() {
            let node = try await TestNode(tls: make)
            defer { Task { await node.shutdown() } }
            await #expect(throws: TLSError.self, "a context \(name)") { _ = try await node.runtime.bindListenerForBenchmarks() }
        }
    }
}
