import NIOCore
import NIOEmbedded
import Testing
import VouchCrypto
@_spi(Testing) @testable import VouchTLS

/// Whole TLS conversations between two `VouchTLSHandler`s over `EmbeddedChannel`s.
/// Synchronous on purpose: an `EmbeddedEventLoop` belongs to the thread that uses it.
@Suite("VouchTLSHandler in memory")
struct InMemoryHandshakeTests {
    @Test func handshakeReportsPeerKeysAndNegotiatedParameters() throws {
        let clientIdentity = try TestIdentity(), serverIdentity = try TestIdentity()
        let pair = try InMemoryTLSPair(client: clientIdentity.configuration, server: serverIdentity.configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        let clientSaw = try #require(pair.clientRecorder.handshakes.first)
        let serverSaw = try #require(pair.serverRecorder.handshakes.first)
        #expect(pair.clientRecorder.handshakes.count == 1 && pair.serverRecorder.handshakes.count == 1)
        #expect(clientSaw.peerKey == serverIdentity.publicKey)
        #expect(serverSaw.peerKey == clientIdentity.publicKey)
        for event in [clientSaw, serverSaw] {
            #expect(event.protocolVersion == "TLSv1.3")
            #expect(event.applicationProtocol == "vouch/1")
            #expect(event.cipher.hasPrefix("TLS_"))
        }
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    @Test func applicationDataFlowsBothWays() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        let clientWrite = pair.clientWrites("hello from the client")
        try pair.interact()
        pair.serverWrites("hello from the server")
        try pair.interact()

        #expect(pair.serverRecorder.receivedText == "hello from the client")
        #expect(pair.clientRecorder.receivedText == "hello from the server")
        try clientWrite.wait()
    }

    @Test func largeWritesArriveWhole() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        pair.client.writeAndFlush(ByteBuffer(bytes: payload), promise: nil)
        try pair.interact()
        #expect(pair.serverRecorder.received == payload)
    }

    @Test func applicationDataWrittenBeforeTheHandshakeIsSentAfterIt() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        // Written before the channel is even active: held, not encrypted, not sent.
        let early = pair.clientWrites("early ")
        try pair.activate()
        pair.clientWrites("bird")
        try pair.interact()

        #expect(pair.serverRecorder.handshakes.count == 1)
        #expect(pair.serverRecorder.receivedText == "early bird")
        try early.wait()
    }

    @Test func closeSendsCloseNotifyAndBothSidesCloseCleanly() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        let closed = pair.client.close()
        #expect(pair.client.isActive, "the client waits for the server's close_notify")
        try pair.interact()

        try closed.wait()
        #expect(!pair.client.isActive && !pair.server.isActive)
        #expect(pair.clientRecorder.becameInactive && pair.serverRecorder.becameInactive)
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
    }

    @Test func writesAfterCloseFail() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        pair.client.close(promise: nil)
        let late = pair.clientWrites("too late")
        #expect(throws: TLSError.self) { try late.wait() }
        try pair.interact()
        #expect(pair.serverRecorder.received.isEmpty)
    }

    @Test func closeTimeoutClosesWhenThePeerNeverAnswers() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()

        let closed = pair.client.close()
        _ = try pair.client.readOutbound(as: ByteBuffer.self)  // the close_notify, lost
        pair.loop.advanceTime(by: VouchTLSHandler.defaultCloseTimeout)
        try closed.wait()
        #expect(!pair.client.isActive)
        #expect(pair.clientRecorder.errors.isEmpty)
    }

    @Test func pinnedKeyMatchingTheServerIsAccepted() throws {
        let serverIdentity = try TestIdentity()
        let pair = try InMemoryTLSPair(
            client: TestIdentity().configuration, server: serverIdentity.configuration,
            expectedServerKey: serverIdentity.publicKey
        )
        defer { pair.finish() }
        try pair.activateAndInteract()
        #expect(pair.clientRecorder.handshakes.first?.peerKey == serverIdentity.publicKey)
        #expect(pair.serverRecorder.handshakes.count == 1)
    }

    @Test func pinnedKeyMismatchFailsBothSides() throws {
        let someoneElse = try Ed25519PrivateKey().publicKey
        let pair = try InMemoryTLSPair(
            client: TestIdentity().configuration, server: TestIdentity().configuration, expectedServerKey: someoneElse
        )
        defer { pair.finish() }
        try pair.activateAndInteract()

        #expect(pair.clientRecorder.handshakes.isEmpty && pair.serverRecorder.handshakes.isEmpty)
        #expect(pair.clientRecorder.errorCodes == [.peerKeyMismatch])
        // The client's alert (bad_certificate) tells the server its certificate was refused.
        #expect(pair.serverRecorder.errorCodes == [.rejectedByPeer])
        #expect(!pair.client.isActive && !pair.server.isActive)
    }

    /// TLS 1.3: the client's handshake is complete before the server has looked at the client's
    /// certificate, so the client hears of the refusal only when it next reads.
    @Test func clientWithoutCertificateIsRefusedAndLearnsOnItsFirstRead() throws {
        let clientKey = try Ed25519PrivateKey()
        let pair = try InMemoryTLSPair(
            client: TLSConfiguration.presentingNoCertificateForTesting(privateKey: clientKey),
            server: TestIdentity().configuration
        )
        defer { pair.finish() }
        try pair.activate()
        // Step by step: ClientHello to the server, its flight back to the client.
        try pair.server.writeInbound(#require(try pair.client.readOutbound(as: ByteBuffer.self)))
        try pair.client.writeInbound(#require(try pair.server.readOutbound(as: ByteBuffer.self)))
        #expect(pair.clientRecorder.handshakes.count == 1, "the client believes the handshake succeeded")
        #expect(pair.clientRecorder.errors.isEmpty)

        // The client's last flight (empty Certificate, Finished) reaches the server, which refuses…
        try pair.interact()
        #expect(pair.serverRecorder.handshakes.isEmpty)
        #expect(pair.serverRecorder.errorCodes == [.noPeerCertificate])
        // …and its alert is the client's first read.
        #expect(pair.clientRecorder.errorCodes == [.rejectedByPeer])
        let error = try #require(pair.clientRecorder.errors.first)
        #expect(error.message.contains("certificate_required"))
        #expect(!pair.client.isActive && !pair.server.isActive)
    }

    @Test func eofWithoutCloseNotifyIsAnUncleanShutdown() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        pair.clientWrites("partial")
        try pair.interact()

        // The client's TCP connection ends with no close_notify: the server sees EOF.
        pair.server.pipeline.fireChannelInactive()
        #expect(pair.serverRecorder.receivedText == "partial")
        #expect(pair.serverRecorder.errorCodes == [.uncleanShutdown])
    }

    @Test func halfClosedInputWithoutCloseNotifyIsAnUncleanShutdown() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        pair.client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(pair.clientRecorder.errorCodes == [.uncleanShutdown])
        #expect(!pair.client.isActive)
    }

    @Test func eofDuringTheHandshakeFailsIt() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activate()
        pair.client.pipeline.fireChannelInactive()
        #expect(pair.clientRecorder.errorCodes == [.handshakeFailed])
    }

    @Test func handshakeTimesOutWhenThePeerIsSilent() throws {
        let pair = try InMemoryTLSPair(
            client: TestIdentity().configuration, server: TestIdentity().configuration, handshakeTimeout: .seconds(3)
        )
        defer { pair.finish() }
        try pair.activate()  // the ClientHello is never delivered
        pair.loop.advanceTime(by: .seconds(2))
        #expect(pair.clientRecorder.errors.isEmpty && pair.client.isActive)
        pair.loop.advanceTime(by: .seconds(1))
        #expect(pair.clientRecorder.errorCodes == [.handshakeTimeout])
        #expect(!pair.client.isActive)
    }

    @Test func theDefaultHandshakeTimeoutIsTenSeconds() throws {
        #expect(VouchTLSHandler.defaultHandshakeTimeout == .seconds(10))
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activate()
        pair.loop.advanceTime(by: .seconds(10))
        #expect(pair.clientRecorder.errorCodes == [.handshakeTimeout])
    }

    @Test func completedHandshakeCancelsTheTimer() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activateAndInteract()
        pair.loop.advanceTime(by: .seconds(60))
        #expect(pair.clientRecorder.errors.isEmpty && pair.serverRecorder.errors.isEmpty)
        #expect(pair.client.isActive && pair.server.isActive)
    }

    @Test func garbageBeforeTheHandshakeFailsAndCloses() throws {
        let pair = try InMemoryTLSPair(client: TestIdentity().configuration, server: TestIdentity().configuration)
        defer { pair.finish() }
        try pair.activate()
        try pair.server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: example\r\n\r\n"))

        #expect(pair.serverRecorder.errorCodes == [.handshakeFailed])
        #expect(!(pair.serverRecorder.errors.first?.openSSLErrors.isEmpty ?? true))
        #expect(!pair.server.isActive)
        #expect(pair.serverRecorder.handshakes.isEmpty)
    }

    @Test func bufferedWritesFailWhenTheHandshakeFails() throws {
        let pair = try InMemoryTLSPair(
            client: TestIdentity().configuration, server: TestIdentity().configuration,
            expectedServerKey: try Ed25519PrivateKey().publicKey
        )
        defer { pair.finish() }
        let early = pair.clientWrites("never sent")
        try pair.activateAndInteract()
        #expect(throws: TLSError.self) { try early.wait() }
        #expect(pair.serverRecorder.received.isEmpty)
    }
}
