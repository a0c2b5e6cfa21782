import Foundation
import NIOCore
import Testing
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchTestKit

/// A peer that sends faster than it may, or never reads what the node answers, costs the node a
/// bounded amount: reading from it slows or stops, and a peer that stops reading is closed.
@Suite("A flooding peer")
struct FloodTests {
    @Test("a peer over its message rate is slowed, not refused: every ping is answered")
    func overTheRate() async throws {
        var limits = TransportLimits.testing
        limits.messageRate = 40
        limits.messageBurst = 5
        try await withNode(limits: limits) { node in
            let client = try await RawClient.handshaken(with: node)
            let pings = (0..<60).map { _ in Wire.message("ping", to: node.id) }
            try await client.write(pings.flatMap { WireFrame.encode($0.encoded) })
            try await eventually("every ping is answered with a pong") {
                pings.allSatisfy { ping in client.inbox.replies(to: ping.id).contains { $0.knownType == .pong } }
            }
            #expect(!client.inbox.messages.contains { $0.knownType == .error }, "nothing was refused")
            #expect(node.recorder.logged("reading paused"), "the node paused reading from the peer")
            #expect(!client.inbox.closed)
            await client.shutdown()
            try await expectServesAnotherPeer(node)
        }
    }

    @Test("a peer that floods pings and never reads is closed after the write-stall timeout; others are served")
    func neverReads() async throws {
        var limits = TransportLimits.testing
        limits.messageRate = 1_000_000
        limits.messageBurst = 1_000_000
        limits.writeStallTimeout = .seconds(1)
        try await withNode(limits: limits) { node in
            let flooder = try await RawClient.handshaken(with: node, receiveBuffer: 4096)
            try await flooder.channel.setOption(ChannelOptions.autoRead, value: false)
            let batch = (0..<500).flatMap { _ in WireFrame.encode(Wire.message("ping", to: node.id).encoded) }
            // Each write waits for the socket: once the node stops reading, one blocks until the node closes.
            var batches = 0
            while batches < 10_000 {
                do { try await flooder.write(batch) } catch { break }
                batches += 1
            }
            #expect(batches < 10_000, "the node kept reading 5 million unanswerable pings")
            try await eventually("the node closes the flooder's session") { node.runtime.sessions.count == 0 }
            #expect(node.recorder.logged("closing a session whose peer does not read"))
            await flooder.shutdown()
            try await expectServesAnotherPeer(node)
        }
    }
}
