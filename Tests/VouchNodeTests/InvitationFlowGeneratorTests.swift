import Foundation
import Testing
import VouchFuzzNode
import VouchFuzzSupport
import VouchNode
import VouchProtocol
import VouchStore
import VouchTestKit

/// The structure-aware invitation fuzz target (`FuzzInvitationInbound`) is only worth its runs if
/// its generated messages get past the checks to the node's state machines and store. These
/// drive fixed inputs through the same generator and driver on a real node database and show
/// that each kind of message reaches its accepting path, and that the rare choices are refused.
@Suite("Invitation flow generator reaches the store")
struct InvitationFlowGeneratorTests {
    /// Plays `bytes` as the fuzz target does, on a fresh node; returns the node and the replies.
    static func play(_ bytes: [UInt8], serial: UInt64 = 1) async throws -> (FuzzNode, [MessageBody]) {
        let node = try await FuzzNode(home: FileManager.default.temporaryDirectory.appendingPathComponent("vouch-fuzz-test-\(UUID().uuidString)"))
        var input = FuzzInput(bytes)
        let scenario = InvitationFlowGenerator.scenario(&input, node: FuzzKeys.recipient, nowMilliseconds: FuzzNode.nowMilliseconds(),
                                                        serial: serial)
        let runtime = node.runtime()
        let replies = await InvitationFlowDriver.play(scenario, runtime: runtime)
        return (node, replies)
    }

    static func received(_ node: FuzzNode) throws -> [StoredReceivedInvitation] {
        try node.database.readInvitations { try $0.receivedInvitations() }
    }

    static func sent(_ node: FuzzNode) throws -> [StoredSentInvitation] {
        try node.database.readInvitations { try $0.sentInvitations() }
    }

    static func isAck(_ reply: MessageBody) -> Bool {
        if case .ack = reply { true } else { false }
    }

    @Test("an empty input is a valid invitation, and the node stores it")
    func emptyInputIsStored() async throws {
        let (node, replies) = try await Self.play([])
        defer { node.remove() }
        #expect(replies.count == 1 && replies.allSatisfy(Self.isAck))
        let stored = try Self.received(node)
        #expect(stored.count == 1)
        #expect(stored.first?.machine.state == .pending)
        #expect(stored.first?.machine.inviter == InvitationFlowGenerator.peers[0].id)
        #expect(stored.first?.machine.invitation.note == InvitationFlowGenerator.validNote)
    }

    // FuzzInput: the first choice is the number of messages less one, then the first message's
    // kind (0 invitation, 1 reply, 2 withdrawal, 3 question, 4 acceptance, 5 removal); zeros
    // after them choose the valid values. A reply or withdrawal with no invitation before it in
    // the scenario makes one first, a removal an acceptance (and the node's invitation).

    @Test("a withdrawal after the invitation withdraws it in the store")
    func withdrawal() async throws {
        let (node, replies) = try await Self.play([0, 2])
        defer { node.remove() }
        #expect(replies.count == 2 && replies.allSatisfy(Self.isAck))
        #expect(try Self.received(node).map(\.machine.state) == [.withdrawn])
    }

    @Test("a reply reaches the invitation's machine (which ignores a reply to no question) and is acked")
    func reply() async throws {
        let (node, replies) = try await Self.play([0, 1])
        defer { node.remove() }
        #expect(replies.count == 2 && replies.allSatisfy(Self.isAck))
        let stored = try Self.received(node)
        #expect(stored.count == 1 && stored.first?.machine.state == .pending)
    }

    @Test("a question on the node's own invitation joins its thread")
    func question() async throws {
        let (node, replies) = try await Self.play([0, 3])
        defer { node.remove() }
        #expect(replies.count == 1 && replies.allSatisfy(Self.isAck))
        let sent = try Self.sent(node)
        #expect(sent.count == 1)
        #expect(sent.first?.machine.thread.entries.count == 1)
    }

    @Test("an acceptance of the node's invitation makes the co-signed connection")
    func acceptance() async throws {
        let (node, replies) = try await Self.play([0, 4])
        defer { node.remove() }
        #expect(replies.count == 1 && replies.allSatisfy(Self.isAck))
        #expect(try Self.sent(node).map(\.machine.state) == [.connected])
        let connections = try node.database.readInvitations { try $0.connections() }
        #expect(connections.map(\.peer) == [InvitationFlowGenerator.peers[0].id])
    }

    @Test("a removal after the acceptance drops the connection")
    func removal() async throws {
        let (node, replies) = try await Self.play([0, 5])
        defer { node.remove() }
        #expect(replies.count == 2 && replies.allSatisfy(Self.isAck))
        #expect(try Self.sent(node).map(\.machine.state) == [.connected])
        #expect(try node.database.readInvitations { try $0.connections() }.isEmpty)
    }

    @Test("an invitation from the blocked peer is acked and not stored")
    func blockedPeer() async throws {
        // The first choice after the kind picks the inviter: the last peer is blocked.
        let (node, replies) = try await Self.play([0, 0, UInt8(InvitationFlowGenerator.peers.count - 1)])
        defer { node.remove() }
        #expect(replies.count == 1 && replies.allSatisfy(Self.isAck))
        #expect(try Self.received(node).isEmpty)
    }

    @Test("a document signed by another peer than the TLS peer is refused")
    func wrongSigner() async throws {
        // Inviter 0; the signer choice (chance 5 %) fires with 255 and picks peer 1.
        let (node, replies) = try await Self.play([0, 0, 0, 255, 1])
        defer { node.remove() }
        #expect(replies.count == 1)
        guard case .error(let error) = replies.first else { Issue.record("expected an error, got \(replies)"); return }
        #expect(error.code == .invalidBody)
        #expect(error.message.contains("signer-mismatch"))
        #expect(try Self.received(node).isEmpty)
    }
}
