import Foundation
import Testing
import VouchAdmin
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTestKit

/// A hostile asker at one node, in one process (Protocol/disclosure.md): raw clients ask for more
/// than they may, lie in the private set intersection, go over the rate limit, and send
/// statements that are not theirs to send.
@Suite("Disclosure: hostile askers")
struct DisclosureQueryTests {
    typealias IF = IntroductionFlowTests

    /// A connection of `node` with `peer`, both sides having chosen `level` (the peer's statement held).
    @discardableResult
    static func connect(_ node: TestNode, with peer: Ed25519PrivateKey, level: Visibility) async throws -> Connection {
        try await IF.connect(node, with: peer)
        let peerID = NodeID(publicKey: peer.publicKey)
        return try await node.database.invitationTransaction { ledger -> Connection in
            let held = try #require(try ledger.connections().first { $0.peer == peerID })
            try ledger.chooseVisibility(level, connection: held.connection.id)
            try ledger.keep(try VisibilityStatement.make(connection: held.connection.id, level: level, set: Wire.now(), with: peer))
            try ledger.setMutualToken([UInt8](repeating: 7, count: 32), for: peerID)
            return held.connection
        }
    }

    static func ask(_ client: RawClient, _ query: Query, node: TestNode) async throws -> MessageBody {
        let message = Wire.message(query.type.rawValue, to: node.id, body: query.value)
        try await client.send(message)
        let reply = try await client.reply(to: message.id)
        return try MessageBody(type: try #require(reply.knownType), body: reply.body)
    }

    static func records(_ body: MessageBody) throws -> Set<[UInt8]> {
        guard case .answer(.connections(let page)) = body else { throw ProtocolError(.invalidValue, "\(body)") }
        return Set(try page.records.map { try Connection(verifying: $0).id })
    }

    @Test("a stranger learns only everyone-level connections, a connection also connections-level ones, nobody mutual or only-us ones; introducer answers follow the same rule and look alike when refused")
    func whatEachAskerLearns() async throws {
        try await withNode { node in
            let everyone = try await Self.connect(node, with: try Ed25519PrivateKey(), level: .everyone)
            let connections = try await Self.connect(node, with: try Ed25519PrivateKey(), level: .connections)
            let mutual = try await Self.connect(node, with: try Ed25519PrivateKey(), level: .mutual)
            let onlyUs = try await Self.connect(node, with: try Ed25519PrivateKey(), level: .onlyUs)

            let stranger = try await RawClient.handshaken(with: node)
            #expect(try Self.records(try await Self.ask(stranger, .connections(ConnectionsQueryBody()), node: node)) == [everyone.id])
            let friend = try await RawClient.handshaken(with: node)
            let own = try await Self.connect(node, with: friend.key, level: .onlyUs)
            #expect(try Self.records(try await Self.ask(friend, .connections(ConnectionsQueryBody()), node: node)) ==
                    [everyone.id, connections.id, own.id])

            // introducer-query: a record when allowed; otherwise the same empty answer whether the
            // connection exists (mutual, only-us) or not.
            func introducer(_ client: RawClient, _ target: NodeID) async throws -> [UInt8]? {
                guard case .answer(.introducer(let body)) = try await Self.ask(client, .introducer(IntroducerQueryBody(target: target)), node: node) else {
                    throw ProtocolError(.invalidValue, "not an introducer answer")
                }
                return body.record
            }
            let nobody = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            #expect(try await introducer(friend, connections.peer(of: node.id)!) == connections.record.encoded)
            #expect(try await introducer(stranger, connections.peer(of: node.id)!) == nil)
            for target in [mutual.peer(of: node.id)!, onlyUs.peer(of: node.id)!, nobody] {
                #expect(try await introducer(friend, target) == nil)
            }
            await stranger.shutdown()
            await friend.shutdown()
        }
    }

    @Test("lying in the intersection: points of small order, a length that is not whole elements, too many elements or pages are refused; elements made without the tokens match nothing")
    func psiLies() async throws {
        try await withNode { node in
            let peer = try Ed25519PrivateKey()
            try await Self.connect(node, with: peer, level: .everyone)
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let query = SecureRandom.bytes(16)
            func refused(_ value: CBORValue) async throws -> Bool {
                let message = Wire.message("mutual-query", to: node.id, body: value)
                try await client.send(message)
                let reply = try await client.reply(to: message.id)
                return reply.knownType == .error && errorCode(of: reply) == .invalidBody
            }
            #expect(try await refused(.map(["query": .bytes(query), "page": .unsigned(0), "elements": .bytes([UInt8](repeating: 0, count: 32))])),
                    "the zero point has small order")
            #expect(try await refused(.map(["query": .bytes(query), "page": .unsigned(0), "elements": .bytes([UInt8](repeating: 9, count: 33))])))
            #expect(try await refused(.map(["query": .bytes(query), "page": .unsigned(16), "elements": .bytes([])])))
            #expect(try await refused(.map(["query": .bytes(query), "page": .unsigned(0),
                                            "elements": .bytes([UInt8](repeating: 9, count: 32 * 4_001))])))

            // An asker that guesses the element for the node's connection without its token learns nothing.
            let key = try X25519PrivateKey()
            let guessed = try MutualSet.blind(MutualSet.element(peer: NodeID(publicKey: peer.publicKey), token: [UInt8](repeating: 8, count: 32)), with: key)
            let right = try MutualSet.blind(MutualSet.element(peer: NodeID(publicKey: peer.publicKey), token: [UInt8](repeating: 7, count: 32)), with: key)
            guard case .answer(.mutual(let answer)) = try await Self.ask(client, .mutual(MutualQueryBody(query: query, page: 0, elements: [guessed, right])),
                                                                           node: node) else { Issue.record("not a mutual answer"); return }
            let theirs = Set(try answer.set.map { try MutualSet.blind($0, with: key) })
            #expect(answer.elements.count == 2 && answer.set.count == MutualQueryBody.maximumElements && !answer.more, "one connection, padded to a page")
            #expect(!theirs.contains(answer.elements[0]), "a guess without the token matches nothing")
            #expect(theirs.contains(answer.elements[1]), "the element made with the token matches")
        }
    }

    @Test("every asker is limited alike: over the rate, busy, before anything is looked up")
    func rateLimit() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let target = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            for n in 1...20 {
                guard case .answer = try await Self.ask(client, .introducer(IntroducerQueryBody(target: target)), node: node) else {
                    Issue.record("question \(n) was not answered"); return
                }
            }
            guard case .error(let error) = try await Self.ask(client, .introducer(IntroducerQueryBody(target: target)), node: node) else {
                Issue.record("the 21st question was answered"); return
            }
            #expect(error.code == .busy)
            // Another kind of question has its own bucket.
            guard case .answer = try await Self.ask(client, .connections(ConnectionsQueryBody()), node: node) else { Issue.record("not answered"); return }
        }
    }

    @Test("a visibility statement signed by someone else is refused; one for a connection not held, or older than the one held, changes nothing")
    func statements() async throws {
        try await withNode { node in
            let client = try await RawClient.handshaken(with: node)
            defer { Task { await client.shutdown() } }
            let connection = try await Self.connect(node, with: client.key, level: .everyone)
            func send(_ statement: VisibilityStatement) async throws -> WireErrorCode? {
                let body = VisibilityBody(document: statement.envelope.encoded, token: [UInt8](repeating: 1, count: 32))
                return try await InvitationFlowTests.answer(client, Wire.message("visibility", to: node.id, body: body.value))
            }
            func held() throws -> Visibility? {
                try node.database.readInvitations { try $0.connectionVisibilities() }.first?.peer?.level
            }
            let other = try Ed25519PrivateKey()
            #expect(try await send(try VisibilityStatement.make(connection: connection.id, level: .onlyUs, set: Wire.now(), with: other)) == .invalidBody)
            #expect(try await send(try VisibilityStatement.make(connection: SecureRandom.bytes(32), level: .onlyUs, set: Wire.now(), with: client.key)) == nil)
            #expect(try await send(try VisibilityStatement.make(connection: connection.id, level: .onlyUs, set: 1, with: client.key)) == nil)
            #expect(try held() == .everyone, "an older statement does not replace a newer one")
            #expect(try await send(try VisibilityStatement.make(connection: connection.id, level: .mutual, set: Wire.now() + 1, with: client.key)) == nil)
            #expect(try held() == .mutual)
        }
    }
}
