import NIOCore
import NIOEmbedded
import Testing
import VouchCrypto
@testable import VouchTLS

/// The plaintext read path: one buffer per burst of records, not a fresh 16 KiB per record.
@Suite("VouchTLSHandler read buffer")
struct ReadBufferTests {
    @Test func recordsArrivingTogetherShareOnePlaintextBuffer() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        let serverHandler = try pair.server.pipeline.syncOperations.handler(type: VouchTLSHandler.self)
        let before = serverHandler.plaintextBuffersAllocated

        // Ten records (one per write), delivered to the server in a single read.
        let messages = (0..<10).map { "message \($0);" }
        for message in messages { pair.clientWrites(message) }
        var burst = pair.client.allocator.buffer(capacity: 0)
        while var ciphertext = try pair.client.readOutbound(as: ByteBuffer.self) { burst.writeBuffer(&ciphertext) }
        try pair.server.writeInbound(burst)

        #expect(pair.serverRecorder.receivedText == messages.joined())
        #expect(serverHandler.plaintextBuffersAllocated - before == 1, "one buffer for the burst, not one per record")
    }

    /// A record larger than one read (16 KiB of plaintext) and data held by the next handler
    /// still arrive whole: reuse never overwrites bytes someone else holds.
    @Test func bytesHeldDownstreamAreNotOverwritten() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        let holder = Holder()
        try pair.server.pipeline.syncOperations.addHandler(holder, position: .before(pair.serverRecorder))

        let payload = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        pair.client.writeAndFlush(ByteBuffer(bytes: Array(payload[..<20_000])), promise: nil)
        pair.client.writeAndFlush(ByteBuffer(bytes: Array(payload[20_000...])), promise: nil)
        var burst = pair.client.allocator.buffer(capacity: 0)
        while var ciphertext = try pair.client.readOutbound(as: ByteBuffer.self) { burst.writeBuffer(&ciphertext) }
        try pair.server.writeInbound(burst)

        #expect(holder.held.flatMap { Array($0.readableBytesView) } == payload)
        #expect(pair.serverRecorder.received == payload)
    }

    /// Keeps every buffer it sees (as a frame decoder keeps a partial frame) and passes it on.
    final class Holder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var held: [ByteBuffer] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            held.append(unwrapInboundIn(data))
            context.fireChannelRead(data)
        }
    }
}
