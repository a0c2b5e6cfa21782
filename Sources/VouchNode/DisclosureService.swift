import Dispatch
import Foundation
import Logging
import Synchronization
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// Who may learn of this node's connections, and the questions nodes ask each other about them
/// (Protocol/disclosure.md). Every answer goes through `DisclosureRule`: a connection is revealed
/// to an asker only when the audience both of its sides chose includes the asker, and a refusal
/// reads like an answer with nothing in it.
struct DisclosureService: Sendable {
    static let tokenSecret = InvitationLedger.mutualTokenSecret
    static let blindingSecret = "mutual-blinding"
    /// A statement lives as long as a removal: it settles what others may learn.
    static let statementLifetime = InvitationService.settlingLifetime
    /// A page of `connections-answer` stays well under the frame limit (256 KiB).
    static let pageBytes = 160_000
    /// Connections read at a time for a page: a full page and the one after it (which says that
    /// more follow), so a page of connections the asker may all learn of is one read. 512 read
    /// twice what such a page needs, and the read is most of an answer's cost (~4.7 ms of CPU
    /// with 10,000 connections: `vouch-bench connections-of`).
    static let batchSize = ConnectionsAnswerBody.maximumRecords + 1

    let identityKey: Ed25519PrivateKey
    let database: NodeDatabase
    let outbox: Outbox
    let logger: Logger
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void
    let state = DisclosureState()

    var identity: NodeID { NodeID(publicKey: identityKey.publicKey) }

    // MARK: Visibility

    /// Signs and queues a statement for every connection whose latest own statement is not the
    /// level the owner chose (new connections, changed choices), to a peer whose address is known.
    /// Runs on the connection timer; `setVisibility` runs it at once.
    func shareVisibility() async throws {
        let key = identityKey, me = identity, outbox = self.outbox
        guard try database.readInvitations({ try !$0.statementsToMake(me: me).isEmpty }) else { return }
        let entries = try await database.invitationTransaction { ledger -> [OutboxEntry] in
            let token = try ledger.nodeSecret(Self.tokenSecret)
            var entries: [OutboxEntry] = []
            for c in try ledger.statementsToMake(me: me) {
                guard try ledger.knowsPeer(c.peer) else { continue }
                let now = max(Clock.nowMilliseconds(), (c.previous ?? 0) + 1)
                let statement = try VisibilityStatement.make(connection: c.id, level: c.level, set: now, with: key)
                try ledger.keep(statement)
                let entry = outbox.entry(.visibility(VisibilityBody(document: statement.envelope.encoded, token: token)), to: c.peer,
                                         now: now, expiresAt: now + Self.statementLifetime)
                try ledger.enqueue(entry)
                entries.append(entry)
            }
            return entries
        }
        outbox.queued(entries)
    }

    /// `connection.visibility`: the owner's new choice for one connection, told to the other side.
    func setVisibility(_ request: ConnectionVisibilityRequest) async throws -> ConnectionVisibilityResponse {
        let level: Visibility
        do {
            level = try Visibility(name: request.level)
        } catch {
            throw AdminError(.invalidParams, error.message)
        }
        let connection = try await database.invitationTransaction { ledger -> [UInt8] in
            let found = try ConnectionService.find(request.id, in: try ledger.connections())
            try ledger.chooseVisibility(level, connection: found.connection.id)
            return found.connection.id
        }
        try await shareVisibility()
        guard let c = try database.readInvitations({ try $0.connectionVisibilities() }).first(where: { $0.stored.connection.id == connection }) else {
            throw AdminError(.notFound, "the connection was removed meanwhile")
        }
        publish(.connectionVisibility, ["connection": .string(Hex.encode(connection)), "peer": .string(c.stored.peer.description),
                                        "visibility": .string(c.chosen.rawValue), "audience": .string(c.audience.rawValue)])
        return ConnectionVisibilityResponse(id: Hex.encode(connection), peer: c.stored.peer.description, visibility: c.chosen.rawValue,
                                            peerVisibility: c.peer?.level.rawValue, audience: c.audience.rawValue)
    }

    /// `visibility`: the other side's statement for a connection with it, and its mutual token.
    func receive(_ body: VisibilityBody, in message: WireMessage, from peer: NodeID) async throws {
        let statement = try VisibilityStatement(verifying: body.document)
        guard statement.signer == peer else {
            throw ProtocolError(.signerMismatch, "the statement is signed by \(statement.signer.shortForm), delivered by \(peer.shortForm)")
        }
        guard statement.set <= Clock.nowMilliseconds() + InvitationLimits.maximumClockSkew else {
            throw ProtocolError(.clockSkew, "the statement is dated ahead of this node's clock")
        }
        let (_, result) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: Clock.nowMilliseconds()) { ledger -> Bool in
            // A statement for a connection this node does not hold (removed, or never made) changes nothing.
            guard let held = try ledger.connection(id: statement.connection), held.peer == peer else { return false }
            try statement.check(against: held.connection)
            // The token that counts is the one sent with the statement kept (a new token comes
            // with a new statement when the other side rotates it).
            guard try ledger.keep(statement) else { return false }
            try ledger.setMutualToken(body.token, for: peer)
            return true
        }
        if result == true {
            publish(.connectionVisibility, ["connection": .string(Hex.encode(statement.connection)), "peer": .string(peer.description),
                                            "peer_visibility": .string(statement.level.rawValue)])
        }
    }

    // MARK: Answering

    /// Answers `query` from `asker`: `error busy` over the asker's rate, else what the rule allows.
    func answer(_ query: Query, from asker: NodeID) async -> MessageBody {
        let now = ContinuousClock.now - ContinuousClock.Instant.disclosureReference
        guard state.rate.withLock({ $0.admit(query, from: asker, now: now) }) else {
            logger.info("disclosure query over the rate limit", metadata: ["peer": .string(asker.shortForm), "type": .string(query.type.rawValue)])
            return .error(WireErrorBody(code: .busy, message: "too many questions from this node; ask again later"))
        }
        do {
            switch query {
            case .connections(let body): return .answer(.connections(try connectionsPage(after: body.after, for: asker)))
            case .introducer(let body): return .answer(.introducer(try introducer(body.target, for: asker)))
            case .mutual(let body): return .answer(.mutual(try mutualPage(body, for: asker)))
            }
        } catch let error as ProtocolError {
            return .error(WireErrorBody(code: .invalidBody, message: "\(error.code): \(error.message)"))
        } catch {
            logger.error("failed to answer a disclosure query", metadata: ["error": .string("\(error)")])
            return .error(WireErrorBody(code: .internal, message: "the node failed to answer"))
        }
    }

    /// The connections `asker` may know of, in order of id after `after`, one page.
    private func connectionsPage(after: [UInt8], for asker: NodeID) throws -> ConnectionsAnswerBody {
        try database.readInvitations { ledger in
            try DisclosureAnswer.connectionsPage(after: after, asker: asker, askerIsConnection: try ledger.isConnected(to: asker),
                                                 maximumBytes: Self.pageBytes, batch: Self.batchSize) { cursor, limit in
                try ledger.disclosureEntries(after: cursor, limit: limit).map { Self.candidate($0, tokens: [:]) }
            }
        }
    }

    /// The record with `target` if this node holds one and `asker` may know of it.
    private func introducer(_ target: NodeID, for asker: NodeID) throws -> IntroducerAnswerBody {
        try database.readInvitations { ledger in
            DisclosureAnswer.introducer(try ledger.disclosureEntries(peer: target).map { Self.candidate($0, tokens: [:]) },
                                        target: target, asker: asker, askerIsConnection: try ledger.isConnected(to: asker))
        }
    }

    static func candidate(_ entry: DisclosureEntry, tokens: [NodeID: [UInt8]]) -> DisclosureCandidate {
        DisclosureCandidate(id: entry.id, peer: entry.peer, record: entry.record, audience: entry.audience, token: tokens[entry.peer])
    }

    /// One page of a private set intersection: the asker's elements blinded again, and page
    /// `page` of this node's own blinded set.
    private func mutualPage(_ body: MutualQueryBody, for asker: NodeID) throws -> MutualAnswerBody {
        let blinding = try MutualSet.answeringKey(secret: try database.nodeSecret(Self.blindingSecret), asker: asker, query: body.query)
        let elements = try Self.blind(body.elements, with: blinding)
        let page = DisclosureAnswer.mutualPage(try blindedSet(asker: asker, query: body.query, key: blinding), page: body.page)
        return MutualAnswerBody(elements: elements, set: page.set, more: page.more)
    }

    /// This node's elements for the connections `asker` may learn it has in common with it
    /// (`DisclosureAnswer.mutualElements`), blinded with this query's key and padded to whole
    /// pages (Protocol/disclosure.md §6.5), cached per query for at most a minute, so a change of
    /// visibility is not outlived by an old set.
    private func blindedSet(asker: NodeID, query: [UInt8], key: X25519PrivateKey) throws -> [[UInt8]] {
        let cacheKey = asker.rawRepresentation + query, now = ContinuousClock.now
        if let cached = state.blindedSets.withLock({ sets in
            sets.removeAll { now - $0.made > DisclosureState.cacheLifetime }
            return sets.first { $0.key == cacheKey }?.set
        }) { return cached }
        let (candidates, askerIsConnection) = try database.readInvitations { ledger in
            let tokens = try ledger.mutualTokens()
            return (try ledger.disclosureEntries().map { Self.candidate($0, tokens: tokens) }, try ledger.isConnected(to: asker))
        }
        let set = try MutualSet.padded(try Self.blind(DisclosureAnswer.mutualElements(candidates, asker: asker,
                                                                                       askerIsConnection: askerIsConnection), with: key))
        state.blindedSets.withLock { sets in
            sets.append((cacheKey, now, set))
            if sets.count > DisclosureState.cachedSets { sets.removeFirst(sets.count - DisclosureState.cachedSets) }
        }
        return set
    }

    /// `MutualSet.blind` of every point, in order, on all cores: an intersection of 10,000
    /// connections each is 20,000 X25519 multiplications on each side, about half a second of one
    /// core, and the asker's owner waits for all of them (`vouch-bench mutual`).
    static func blind(_ points: [[UInt8]], with key: X25519PrivateKey) throws(ProtocolError) -> [[UInt8]] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, points.count / 256)
        guard workers > 1 else { return try points.map { point throws(ProtocolError) in try MutualSet.blind(point, with: key) } }
        let parts = PThreadLocked<[Int: Result<[[UInt8]], ProtocolError>]>([:])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let range = (points.count * worker / workers)..<(points.count * (worker + 1) / workers)
            let part = Result { () throws(ProtocolError) -> [[UInt8]] in
                try points[range].map { point throws(ProtocolError) in try MutualSet.blind(point, with: key) }
            }
            parts.withLock { $0[worker] = part }
        }
        let done = parts.withLock { $0 }
        var blinded: [[UInt8]] = []
        blinded.reserveCapacity(points.count)
        for worker in 0..<workers { blinded += try done[worker]!.get() }
        return blinded
    }

    // MARK: Asking

    /// `disclosure.connections-of`.
    func connectionsOf(_ peer: NodeAddress, session: PeerSession, runtime: NodeRuntime) async throws -> ConnectionsOfResponse {
        var after = ConnectionsQueryBody.first, found: [DisclosedConnectionInfo] = [], refused = 0
        var names = try names()
        names[identity] = try database.profile().fields[.name]?.value
        for _ in 0..<Int(QueryRateLimit.Limits.default.connections.burst) {
            let answer = try await ask(.connections(ConnectionsQueryBody(after: after)), of: peer.id, session: session, runtime: runtime)
            guard case .connections(let page) = answer else { throw AdminError(.peerError, "\(peer.id.shortForm) answered with another kind of answer") }
            for bytes in page.records {
                guard let c = try? Connection(verifying: bytes), let other = c.peer(of: peer.id), other != peer.id else {
                    refused += 1
                    continue
                }
                found.append(DisclosedConnectionInfo(id: Hex.encode(c.id), node: other.description, shortID: other.shortForm, name: names[other],
                                                     relationship: c.relationship.rawValue, context: c.context, since: NodeRuntime.isoTime(c.since),
                                                     inviter: c.inviter.description, invitee: c.invitee.description,
                                                     introducedBy: c.introducedBy?.description))
                after = c.id
            }
            if !page.more || page.records.isEmpty { break }
        }
        if refused > 0 { logger.notice("a peer disclosed records that do not verify", metadata: ["peer": .string(peer.id.shortForm), "count": .stringConvertible(refused)]) }
        return ConnectionsOfResponse(peer: peer.id.description, connections: found, refused: refused)
    }

    /// `disclosure.mutual`: the intersection, computed here; the peer learns nothing of it.
    func mutual(_ peer: NodeAddress, session: PeerSession, runtime: NodeRuntime) async throws -> MutualResponse {
        let tokens = try database.readInvitations { try $0.mutualTokens() }.filter { $0.key != peer.id }
        let key = try X25519PrivateKey()
        // Padded with dummies to whole pages and sorted, so the peer learns how many pages, not
        // how many connections (Protocol/disclosure.md §6.5).
        let pairs = Array(tokens)
        var mine: [(node: NodeID?, blinded: [UInt8])] = zip(pairs, try Self.blind(pairs.map { MutualSet.element(peer: $0.key, token: $0.value) },
                                                                                   with: key)).map { (node: $0.0.key, blinded: $0.1) }
        for _ in mine.count..<MutualSet.paddedCount(mine.count) { mine.append((node: nil, blinded: try MutualSet.dummy())) }
        mine.sort { $0.blinded.lexicographicallyPrecedes($1.blinded) }
        let query = SecureRandom.bytes(16)
        var twice: [[UInt8]] = [], theirs: [[UInt8]] = [], page: UInt64 = 0
        let size = MutualQueryBody.maximumElements
        while true {
            guard page < MutualQueryBody.maximumPages else { throw AdminError(.peerError, "\(peer.id.shortForm)'s set is larger than an intersection may be") }
            let start = Int(page) * size
            let slice = start < mine.count ? Array(mine[start..<min(mine.count, start + size)]).map(\.blinded) : []
            let answer = try await ask(.mutual(MutualQueryBody(query: query, page: page, elements: slice)), of: peer.id, session: session, runtime: runtime)
            guard case .mutual(let body) = answer, body.elements.count == slice.count else {
                throw AdminError(.peerError, "\(peer.id.shortForm) answered the intersection with something else")
            }
            twice += body.elements
            theirs += try Self.blind(body.set, with: key)
            page += 1
            if !body.more && start + size >= mine.count { break }
        }
        let names = try names()
        let mutual = MutualSet.common(twice: twice, theirs: theirs).compactMap { mine[$0].node }.sorted { $0.description < $1.description }
            .map { PersonInfo(node: $0.description, shortID: $0.shortForm, name: names[$0]) }
        return MutualResponse(peer: peer.id.description, mutual: mutual)
    }

    /// `disclosure.who-can-introduce`: asks every connection, a few at a time.
    func whoCanIntroduce(_ target: NodeID, runtime: NodeRuntime) async throws -> WhoCanIntroduceResponse {
        let connections = try database.readInvitations { try $0.connections() }.map(\.peer).filter { $0 != target }
        let names = try names()
        var introducers: [PersonInfo] = [], unreachable: [PersonInfo] = []
        try await withThrowingTaskGroup(of: (NodeID, Bool?).self) { group in
            var next = connections.makeIterator()
            func add() -> Bool {
                guard let peer = next.next() else { return false }
                group.addTask { (peer, await self.canIntroduce(peer, to: target, runtime: runtime)) }
                return true
            }
            for _ in 0..<8 where add() {}
            while let (peer, answer) = try await group.next() {
                let person = PersonInfo(node: peer.description, shortID: peer.shortForm, name: names[peer])
                switch answer {
                case true?: introducers.append(person)
                case false?: break
                case nil: unreachable.append(person)
                }
                _ = add()
            }
        }
        return WhoCanIntroduceResponse(target: target.description, introducers: introducers.sorted { $0.node < $1.node },
                                       unreachable: unreachable.sorted { $0.node < $1.node })
    }

    /// Whether `peer` showed a verified record of its connection with `target`; nil when it
    /// could not be asked.
    private func canIntroduce(_ peer: NodeID, to target: NodeID, runtime: NodeRuntime) async -> Bool? {
        do {
            guard let known = try database.peer(peer) else { return nil }
            let session = try await runtime.connect(to: known.id, endpoints: known.endpoints).session
            guard case .introducer(let body) = try await ask(.introducer(IntroducerQueryBody(target: target)), of: peer, session: session,
                                                              runtime: runtime) else { return nil }
            guard let bytes = body.record else { return false }
            guard let c = try? Connection(verifying: bytes), Set([c.inviter, c.invitee]) == Set([peer, target]) else {
                logger.notice("a connection showed a record that does not verify", metadata: ["peer": .string(peer.shortForm)])
                return false
            }
            return true
        } catch {
            logger.info("could not ask a connection who it knows", metadata: ["peer": .string(peer.shortForm), "error": .string("\(error)")])
            return nil
        }
    }

    /// Sends `query` and returns the answer; the peer's `error` becomes an admin error.
    private func ask(_ query: Query, of peer: NodeID, session: PeerSession, runtime: NodeRuntime) async throws -> Answer {
        let reply = try await session.request(runtime.makeMessage(type: query.type, to: peer, body: query.value),
                                              timeout: runtime.limits.requestTimeout.timeAmount)
        guard let type = reply.knownType else { throw AdminError(.peerError, "\(peer.shortForm) answered with an unknown type") }
        let body: MessageBody
        do {
            body = try MessageBody(type: type, body: reply.body)
        } catch {
            throw AdminError(.peerError, "\(peer.shortForm) answered with a malformed \(type.rawValue): \(error.message)")
        }
        switch body {
        case .answer(let answer): return answer
        case .error(let error) where error.code == .busy:
            throw AdminError(.unreachable, "\(peer.shortForm) is answering no more questions from this node for now: try later")
        case .error(let error):
            throw AdminError(.peerError, "\(peer.shortForm) answered \(UntrustedText.escaped(error.code.rawValue)): \(UntrustedText.escaped(error.message))")
        case .ping, .pong, .ack, .delivery, .query:
            throw AdminError(.peerError, "\(peer.shortForm) answered with \(type.rawValue)")
        }
    }

    private func names() throws -> [NodeID: String] { try ConnectionService.names(in: database) }
}

/// What the node's disclosure answers share across sessions.
final class DisclosureState: Sendable {
    /// Queries per asker (`QueryRateLimit`).
    let rate = PThreadLocked(QueryRateLimit())
    /// The answering side's blinded set of the last few intersections, so that every page of one
    /// query costs one pass over the set, not one per page. Bounded.
    let blindedSets = PThreadLocked<[(key: [UInt8], made: ContinuousClock.Instant, set: [[UInt8]])]>([])
    static let cachedSets = 8
    static let cacheLifetime: Duration = .seconds(60)
}

extension ContinuousClock.Instant {
    /// A fixed instant to measure the query rate limit's time from.
    fileprivate static let disclosureReference = ContinuousClock.now
}
