import NIOCore
import NIOPosix
import Testing
import VouchCrypto
import VouchTestKit
import VouchAdmin
import VouchNode
import VouchProtocol
import VouchStore

@Suite("Outbox delivery")
struct OutboxTests {
    @Test func retriesWithBackoffThenDeliversOnceThePeerListens() async throws {
        try await withNodes(2, listening: false, profileName: "Ada Lovelace") { nodes in
            let (sender, peer) = (nodes[0], nodes[1])
            let queued = try await sender.runtime.adminRouter().handler(
                AdminRequest(method: "card.send", params: ["address": .string(peer.address.description)]))
            let messageID = try #require(queued["message"]?.stringValue)
            sender.startOutbox()

            try await eventually("a failed attempt is recorded") { try sender.database.outbox().first?.attempts ?? 0 >= 1 }
            let waiting = try #require(try sender.database.outbox().first)
            #expect(waiting.messageID.description == messageID)
            #expect(waiting.lastError != nil, "the failure is kept for `vouch outbox`")
            #expect(waiting.nextAttemptAt >= waiting.sentAt + 800, "the retry waits at least 1 s − 20 % after a failure")
            #expect(sender.recorder.events("outbox.delivered").isEmpty)

            try await peer.startListening()
            try await eventually("the card is delivered", timeout: .seconds(20)) {
                !sender.recorder.events("outbox.delivered").isEmpty
            }
            let delivered = try #require(sender.recorder.events("outbox.delivered").first)
            #expect(delivered["message"]?.stringValue == messageID)
            #expect(delivered["peer"]?.stringValue == peer.id.description)
            #expect(delivered["attempts"]?.intValue ?? 0 >= 2)
            #expect(try sender.database.outboxCount() == 0)

            let cards = try peer.database.receivedCards()
            #expect(cards.count == 1)
            #expect(cards.first?.signer == sender.id && cards.first?.sender == sender.id)
            #expect(peer.recorder.events("card.received").count == 1)
            #expect(sender.recorder.events("outbox.delivered").count == 1)
        }
    }

    @Test("a peer whose handshake never completes holds up only its own messages: another peer's card is delivered while it hangs")
    func aHangingPeerDoesNotHoldUpOthers() async throws {
        // A TCP listener that accepts and never answers: the TLS handshake hangs until its timeout.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        try await withNodes(2, profileName: "Ada Lovelace") { nodes in
            let (sender, peer) = (nodes[0], nodes[1])
            let hanging = NodeAddress(id: NodeID(publicKey: try Ed25519PrivateKey().publicKey),
                                      endpoint: try Endpoint(host: "127.0.0.1", port: UInt16(silent.localAddress!.port!)))
            let now = Wire.now()
            try sender.database.rememberPeer(hanging, nowMilliseconds: now)
            let stuck = OutboxEntry(messageID: .random(), peer: hanging.id, delivery: .card(CardBody(document: [1])),
                                    sentAt: now, expiresAt: now + 600_000, nextAttemptAt: now)
            try sender.database.enqueue(stuck)
            sender.startOutbox()
            try await Task.sleep(for: .milliseconds(200))
            _ = try await sender.runtime.adminRouter().handler(
                AdminRequest(method: "card.send", params: ["address": .string(peer.address.description)]))
            try await eventually("the card reaches the other peer", timeout: .seconds(20)) { !peer.recorder.events("card.received").isEmpty }
            // The hanging peer's message is still on its first attempt: nothing waited for it.
            let waiting = try #require(try sender.database.outbox().first { $0.messageID == stuck.messageID })
            #expect(waiting.attempts == 0 && waiting.lastError == nil, "the other card went out while the hanging attempt was still running")
        }
    }

    @Test func aMessageThatExpiresUndeliveredIsRemoved() async throws {
        try await withNodes(2, listening: false) { nodes in
            let (sender, absent) = (nodes[0], nodes[1])
            let now = Wire.now()
            let entry = OutboxEntry(messageID: .random(), peer: absent.id, delivery: .card(CardBody(document: [1])),
                                    sentAt: now, expiresAt: now + 300, nextAttemptAt: now)
            try sender.database.rememberPeer(absent.address, nowMilliseconds: now)
            try sender.database.enqueue(entry)
            sender.startOutbox()

            try await eventually("outbox.expired is published") { !sender.recorder.events("outbox.expired").isEmpty }
            let expired = try #require(sender.recorder.events("outbox.expired").first)
            #expect(expired["message"]?.stringValue == entry.messageID.description)
            #expect(expired["peer"]?.stringValue == absent.id.description)
            #expect(try sender.database.outboxCount() == 0)
            #expect(sender.recorder.events("outbox.delivered").isEmpty && sender.recorder.events("outbox.failed").isEmpty)
        }
    }

    @Test func anInvalidBodyReplyDropsTheMessage() async throws {
        try await withNodes(2) { nodes in
            let (sender, peer) = (nodes[0], nodes[1])
            let now = Wire.now()
            let entry = OutboxEntry(messageID: .random(), peer: peer.id, delivery: .card(CardBody(document: [1, 2, 3])),
                                    sentAt: now, expiresAt: now + 3_600_000, nextAttemptAt: now)
            try sender.database.rememberPeer(peer.address, nowMilliseconds: now)
            try sender.database.enqueue(entry)
            sender.startOutbox()

            try await eventually("outbox.failed is published") { !sender.recorder.events("outbox.failed").isEmpty }
            let failed = try #require(sender.recorder.events("outbox.failed").first)
            #expect(failed["message"]?.stringValue == entry.messageID.description)
            #expect(failed["code"]?.stringValue == "invalid-body")
            #expect(try sender.database.outboxCount() == 0, "a refusal a retry cannot cure drops the message")
            #expect(try peer.database.receivedCards().isEmpty)
            #expect(sender.recorder.events("outbox.delivered").isEmpty)
        }
    }

    /// A message waiting out a long backoff goes as soon as its peer connects to this node:
    /// the session the peer opened is used, so the peer's listening address does not matter.
    @Test func aPeerConnectingMakesItsMessagesDueAtOnce() async throws {
        try await withNodes(2, listening: false, profileName: "Ada Lovelace") { nodes in
            let (sender, peer) = (nodes[0], nodes[1])
            try await sender.startListening()
            let now = Wire.now()
            let profile = try sender.database.profile()
            let document = try profile.document(for: .everyone).signed(with: sender.key)
            let entry = OutboxEntry(messageID: .random(), peer: peer.id, delivery: .card(CardBody(document: document.encoded)),
                                    sentAt: now, expiresAt: now + 3_600_000, attempts: 9,
                                    nextAttemptAt: now + 3_600_000, lastError: "earlier failure")
            try sender.database.rememberPeer(peer.address, nowMilliseconds: now)
            try sender.database.enqueue(entry)
            sender.startOutbox()

            _ = try await peer.runtime.connect(to: sender.address)
            try await eventually("the card goes out on the session the peer opened") {
                !sender.recorder.events("outbox.delivered").isEmpty
            }
            #expect(sender.recorder.events("outbox.delivered").first?["attempts"]?.intValue == 10)
            #expect(try sender.database.outboxCount() == 0)
            #expect(try peer.database.receivedCards().count == 1)
        }
    }
}
