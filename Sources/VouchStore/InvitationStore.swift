import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// An invitation this node received and showed to its owner, with its lifecycle machine.
public struct StoredReceivedInvitation: Sendable {
    /// The short local number the owner types (`vouch accept 3`).
    public let handle: Int64
    public var machine: InvitationRecipientMachine
    public let receivedAt: UInt64
    /// When the owner declined, accepted or reported it (what the decline cool-down counts from).
    public var answeredAt: UInt64?
    /// It crossed an invitation of ours to the same person, which was withdrawn for it.
    public let crossing: Bool
    /// Who the owner lets learn of the connection if it accepts (`accept --visibility`); nil: the default.
    public var visibility: Visibility?
}

/// An invitation this node's owner sent, with its lifecycle machine.
public struct StoredSentInvitation: Sendable {
    public let handle: Int64
    public var machine: InvitationSenderMachine
    public let note: String
    public let createdAt: UInt64
    /// Who the owner lets learn of the connection if it is made (`invite --visibility`); nil: the default.
    public var visibility: Visibility?
}

extension InvitationLedger {
    // MARK: Received

    public func received(handle: Int64) throws -> StoredReceivedInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM received_invitation WHERE handle = ?", arguments: [handle]).map(receivedRow)
    }

    public func received(inviter: NodeID, id: InvitationID) throws -> StoredReceivedInvitation? {
        try db.reusing(sql: "SELECT * FROM received_invitation WHERE inviter = ? AND invitation_id = ?") {
            try Row.fetchOne($0, arguments: [Data(inviter.rawRepresentation), Data(id.bytes)])
        }.map(receivedRow)
    }

    /// Every received invitation, newest first.
    public func receivedInvitations() throws -> [StoredReceivedInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM received_invitation ORDER BY handle DESC").map(receivedRow)
    }

    /// An invitation from `inviter` pending in the inbox and not due at `now`, if any.
    public func pendingReceived(from inviter: NodeID, now: UInt64) throws -> StoredReceivedInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM received_invitation WHERE inviter = ? AND state = 'pending' AND expires > ? ORDER BY handle DESC",
                         arguments: [Data(inviter.rawRepresentation), try SQLInteger.storing(now, "now")]).map(receivedRow)
    }

    /// Received invitations still pending or declined at or after their expiry: what the expiry tick records.
    public func dueReceived(now: UInt64, limit: Int = 256) throws -> [StoredReceivedInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM received_invitation INDEXED BY received_invitation_open_expiry WHERE state IN ('pending', 'declined') AND expires <= ? ORDER BY expires LIMIT ?",
                         arguments: [try SQLInteger.storing(now, "now"), limit]).map(receivedRow)
    }

    /// Stores a verified invitation the policy showed, pending; returns its handle.
    /// `introduction` is the introducer's verified note when it came in an introduction offer.
    public func insertReceived(_ invitation: Invitation, body: InvitationBody, introduction: SignedIntroduction? = nil,
                               crossing: Bool, now: UInt64) throws -> Int64 {
        let handle = try nextInboxHandle()
        try db.reusing(sql: """
            INSERT INTO received_invitation (handle, inviter, invitation_id, body, state, expires, received_at, crossing, introduction)
            VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)
            """) { try $0.execute(arguments: [handle, Data(invitation.inviter.rawRepresentation), Data(invitation.terms.id.bytes), Data(body.value.encoded),
                                              try SQLInteger.storing(invitation.terms.expires, "expires"), try SQLInteger.storing(now, "now"), crossing,
                                              introduction.map { Data($0.envelope.encoded) }]) }
        return handle
    }

    /// The next handle of the owner's inbox: received invitations and introduction requests are
    /// numbered together, so a number the owner types names one thing. Never reused (the
    /// AUTOINCREMENT counter of received invitations counts too).
    func nextInboxHandle() throws -> Int64 {
        let used = try db.reusing(sql: """
            SELECT max(h) FROM (SELECT max(handle) AS h FROM received_invitation
                                UNION ALL SELECT max(handle) FROM introduction_request
                                UNION ALL SELECT seq FROM sqlite_sequence WHERE name = 'received_invitation')
            """) { try Int64.fetchOne($0) } ?? 0
        return used + 1
    }

    public func save(_ stored: StoredReceivedInvitation) throws {
        let answered = try stored.answeredAt.map { try SQLInteger.storing($0, "answeredAt") }
        try db.execute(sql: "UPDATE received_invitation SET state = ?, answered_at = ?, connection_id = ?, visibility = ? WHERE handle = ?",
                       arguments: [stored.machine.state.rawValue, answered, stored.machine.connection.map { Data($0.id) },
                                   stored.visibility?.rawValue, stored.handle])
        try saveThread(stored.machine.thread, side: "received", handle: stored.handle)
    }

    private func receivedRow(_ row: Row) throws -> StoredReceivedInvitation {
        let handle: Int64 = try row.required("handle")
        let body: Data = try row.required("body")
        let invitation: Invitation
        do {
            invitation = try Invitation(verifying: try InvitationBody(try CBORValue(canonical: Array(body))))
        } catch {
            throw NodeDatabase.damaged("received invitation \(handle) no longer verifies: \(error)")
        }
        guard let state = InvitationRecipientMachine.State(rawValue: try row.required("state")) else {
            throw NodeDatabase.damaged("received invitation \(handle) has an unknown state")
        }
        let connectionID: Data? = try row.required("connection_id", as: Data?.self)
        let introductionBytes: Data? = try row.required("introduction", as: Data?.self)
        let introduction: SignedIntroduction?
        do {
            introduction = try introductionBytes.map { try SignedIntroduction(verifying: Array($0), for: invitation.signed) }
        } catch {
            throw NodeDatabase.damaged("received invitation \(handle): its introduction no longer verifies: \(error)")
        }
        let machine = InvitationRecipientMachine(invitation: invitation, state: state, thread: try thread(side: "received", handle: handle),
                                                 connection: try connectionID.flatMap { try connection(id: Array($0))?.connection },
                                                 introduction: introduction)
        let answered: Int64? = try row.required("answered_at", as: Int64?.self)
        return StoredReceivedInvitation(handle: handle, machine: machine, receivedAt: try row.unsigned("received_at"),
                                        answeredAt: answered.flatMap { UInt64(exactly: $0) }, crossing: try row.required("crossing"),
                                        visibility: try Self.visibility(row))
    }

    // MARK: Sent

    public func sent(handle: Int64) throws -> StoredSentInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM sent_invitation WHERE handle = ?", arguments: [handle]).map(sentRow)
    }

    public func sent(id: InvitationID) throws -> StoredSentInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM sent_invitation WHERE invitation_id = ?", arguments: [Data(id.bytes)]).map(sentRow)
    }

    /// Every sent invitation, newest first.
    public func sentInvitations() throws -> [StoredSentInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM sent_invitation ORDER BY handle DESC").map(sentRow)
    }

    /// Our invitation to `invitee` that is pending and not due at `now`, if any.
    public func pendingSent(to invitee: NodeID, now: UInt64) throws -> StoredSentInvitation? {
        try db.reusing(sql: "SELECT * FROM sent_invitation WHERE invitee = ? AND state = 'pending' AND expires > ? ORDER BY handle DESC") {
            try Row.fetchOne($0, arguments: [Data(invitee.rawRepresentation), try SQLInteger.storing(now, "now")])
        }.map(sentRow)
    }

    /// Sent invitations still pending at or after their expiry.
    public func dueSent(now: UInt64, limit: Int = 256) throws -> [StoredSentInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM sent_invitation WHERE state = 'pending' AND expires <= ? ORDER BY expires LIMIT ?",
                         arguments: [try SQLInteger.storing(now, "now"), limit]).map(sentRow)
    }

    public func insertSent(_ machine: InvitationSenderMachine, note: String, visibility: Visibility? = nil, now: UInt64) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO sent_invitation (invitation_id, invitee, document, note, state, expires, created_at, visibility)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Data(machine.invitation.terms.id.bytes), Data(machine.invitee.rawRepresentation), Data(machine.invitation.bytes),
                             note, machine.state.rawValue, try SQLInteger.storing(machine.invitation.terms.expires, "expires"),
                             try SQLInteger.storing(now, "now"), visibility?.rawValue])
        return db.lastInsertedRowID
    }

    public func save(_ stored: StoredSentInvitation) throws {
        try db.execute(sql: "UPDATE sent_invitation SET state = ?, connection_id = ?, forwarded = ?, introducer_note = ? WHERE handle = ?",
                       arguments: [stored.machine.state.rawValue, stored.machine.connection.map { Data($0.id) }, stored.machine.forwarded,
                                   stored.machine.introducerNote, stored.handle])
        try saveThread(stored.machine.thread, side: "sent", handle: stored.handle)
    }

    private func sentRow(_ row: Row) throws -> StoredSentInvitation {
        let handle: Int64 = try row.required("handle")
        let document: Data = try row.required("document")
        let invitation: SignedInvitation
        do {
            invitation = try SignedInvitation(verifying: Array(document))
        } catch {
            throw NodeDatabase.damaged("sent invitation \(handle) no longer verifies: \(error)")
        }
        guard let state = InvitationSenderMachine.State(rawValue: try row.required("state")) else {
            throw NodeDatabase.damaged("sent invitation \(handle) has an unknown state")
        }
        let connectionID: Data? = try row.required("connection_id", as: Data?.self)
        let machine = InvitationSenderMachine(invitation: invitation, state: state, thread: try thread(side: "sent", handle: handle),
                                              connection: try connectionID.flatMap { try connection(id: Array($0))?.connection },
                                              forwarded: try row.required("forwarded"),
                                              introducerNote: try row.required("introducer_note", as: String?.self))
        return StoredSentInvitation(handle: handle, machine: machine, note: try row.required("note"), createdAt: try row.unsigned("created_at"),
                                    visibility: try Self.visibility(row))
    }

    private static func visibility(_ row: Row) throws -> Visibility? {
        guard let name = try row.required("visibility", as: String?.self) else { return nil }
        guard let level = Visibility(rawValue: name) else { throw NodeDatabase.damaged("an invitation has an unknown visibility \(name)") }
        return level
    }

    // MARK: Threads

    private func thread(side: String, handle: Int64) throws -> InvitationThread {
        let entries = try Row.fetchAll(db, sql: "SELECT kind, note, at FROM invitation_thread WHERE side = ? AND handle = ? ORDER BY position",
                                       arguments: [side, handle]).map { row -> InvitationThread.Entry in
            let note: String = try row.required("note"), at = try row.unsigned("at")
            return try row.required("kind", as: String.self) == "question" ? .question(note, at: at) : .reply(note, at: at)
        }
        return InvitationThread(entries: entries)
    }

    /// The thread is bounded (10 entries), so it is rewritten whole.
    private func saveThread(_ thread: InvitationThread, side: String, handle: Int64) throws {
        try db.execute(sql: "DELETE FROM invitation_thread WHERE side = ? AND handle = ?", arguments: [side, handle])
        for (position, entry) in thread.entries.enumerated() {
            let (kind, note, at): (String, String, UInt64) = switch entry {
            case .question(let note, let at): ("question", note, at)
            case .reply(let note, let at): ("reply", note, at)
            }
            try db.execute(sql: "INSERT INTO invitation_thread (side, handle, position, kind, note, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [side, handle, position, kind, note, try SQLInteger.storing(at, "at")])
        }
    }
}
