public import VouchCrypto

/// One connection of the answering node, as the answers of Protocol/disclosure.md §5 see it.
public struct DisclosureCandidate: Sendable, Equatable {
    /// The connection's id: SHA-256 of its record.
    public var id: [UInt8]
    /// The other side.
    public var peer: NodeID
    /// The connection record (the acceptance envelope), as shown to an asker.
    public var record: [UInt8]
    /// `DisclosureRule.audience` of the two sides' choices as this node knows them.
    public var audience: Visibility
    /// The other side's mutual token, when this node holds it (needed to make its PSI element).
    public var token: [UInt8]?

    public init(id: [UInt8], peer: NodeID, record: [UInt8], audience: Visibility, token: [UInt8]?) {
        self.id = id
        self.peer = peer
        self.record = record
        self.audience = audience
        self.token = token
    }
}

/// Which connections an answer includes (Protocol/disclosure.md §5.1), written once so the node's
/// answers and the property test of the consent rule run the same code. Pure: the caller reads
/// its connections (sorted by id) and whether the asker is one of them, and sends what this returns.
public enum DisclosureAnswer {
    /// How the asker would learn of a connection.
    public enum Channel: Sendable, Equatable {
        /// Shown outright (`connections-answer`, `introducer-answer`): the answering node knows
        /// whether the asker is its own connection, never whether it is the other side's.
        case shown
        /// Inside a private set intersection (`mutual-answer`): the asker learns of it only when
        /// it made the other side's element, which needs that side's token, which only that
        /// side's connections hold; so the asker is taken as connected to the other side.
        case intersection
    }

    /// Whether a connection with `audience` goes into an answer to an asker that is the other
    /// side (`peerIsAsker`) or not, and is or is not this node's connection.
    public static func include(audience: Visibility, peerIsAsker: Bool, askerIsConnection: Bool, channel: Channel) -> Bool {
        if peerIsAsker { return true }
        return DisclosureRule.allows(audience, observerConnectedToA: askerIsConnection, toB: channel == .intersection)
    }

    /// One page of `connections-answer`: the included connections with an id above `after`, in
    /// order of id, at most `ConnectionsAnswerBody.maximumRecords` records and `maximumBytes` of
    /// records. `candidates` must be sorted by id.
    public static func connectionsPage(_ candidates: [DisclosureCandidate], after: [UInt8], asker: NodeID, askerIsConnection: Bool,
                                       maximumBytes: Int = ConnectionsAnswerBody.maximumBytes, batch: Int = 512) -> ConnectionsAnswerBody {
        connectionsPage(after: after, asker: asker, askerIsConnection: askerIsConnection, maximumBytes: maximumBytes, batch: batch) { cursor, limit in
            let start = candidates.firstIndex { cursor.lexicographicallyPrecedes($0.id) } ?? candidates.endIndex
            return Array(candidates[start..<min(candidates.endIndex, start + limit)])
        }
    }

    /// The same page, reading the node's connections in batches: `read(cursor, limit)` returns at
    /// most `limit` connections with ids above `cursor`, in order of id. A node whose connections
    /// are mostly hidden from the asker still answers a page without loading them all at once.
    public static func connectionsPage<E: Error>(after: [UInt8], asker: NodeID, askerIsConnection: Bool,
                                                 maximumBytes: Int = ConnectionsAnswerBody.maximumBytes, batch: Int = 512,
                                                 read: (_ cursor: [UInt8], _ limit: Int) throws(E) -> [DisclosureCandidate]) throws(E)
        -> ConnectionsAnswerBody {
        var records: [[UInt8]] = [], bytes = 0, cursor = after
        while true {
            let candidates = try read(cursor, batch)
            for c in candidates where include(audience: c.audience, peerIsAsker: c.peer == asker, askerIsConnection: askerIsConnection,
                                              channel: .shown) {
                if records.count == ConnectionsAnswerBody.maximumRecords || bytes + c.record.count > maximumBytes {
                    return ConnectionsAnswerBody(records: records, more: true)
                }
                records.append(c.record)
                bytes += c.record.count
            }
            guard let last = candidates.last, candidates.count == batch else { return ConnectionsAnswerBody(records: records, more: false) }
            cursor = last.id
        }
    }

    /// `introducer-answer`: the record with `target` when it is included, else no record.
    public static func introducer(_ candidates: [DisclosureCandidate], target: NodeID, asker: NodeID, askerIsConnection: Bool)
        -> IntroducerAnswerBody {
        let held = candidates.first {
            $0.peer == target && include(audience: $0.audience, peerIsAsker: $0.peer == asker, askerIsConnection: askerIsConnection,
                                         channel: .shown)
        }
        return IntroducerAnswerBody(record: held?.record)
    }

    /// The answering node's PSI elements (not yet blinded) for `asker`: one per included
    /// connection whose other side's token it holds, never the asker's own.
    public static func mutualElements(_ candidates: [DisclosureCandidate], asker: NodeID, askerIsConnection: Bool) -> [[UInt8]] {
        candidates.compactMap { c in
            guard c.peer != asker, let token = c.token,
                  include(audience: c.audience, peerIsAsker: false, askerIsConnection: askerIsConnection, channel: .intersection) else {
                return nil
            }
            return MutualSet.element(peer: c.peer, token: token)
        }
    }

    /// Page `page` of the answering node's blinded, padded, sorted set, and whether more follow.
    public static func mutualPage(_ set: [[UInt8]], page: UInt64) -> (set: [[UInt8]], more: Bool) {
        let size = MutualQueryBody.maximumElements
        guard let index = Int(exactly: page), index < Int(MutualQueryBody.maximumPages) else { return ([], false) }
        let start = index * size
        guard start < set.count else { return ([], false) }
        return (Array(set[start..<min(set.count, start + size)]), start + size < set.count)
    }
}
