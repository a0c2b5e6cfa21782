import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// A request to introduce a connection to someone, as this node's owner (the introducer) received
/// it, with its lifecycle machine (Protocol/introductions.md §The introducer).
public struct StoredIntroductionRequest: Sendable {
    /// The short local number the owner types (`vouch introduce forward 4`); shares one numbering
    /// with received invitations.
    public let handle: Int64
    public var machine: IntroducerMachine
    public let receivedAt: UInt64
}

extension InvitationLedger {
    public func introductionRequest(handle: Int64) throws -> StoredIntroductionRequest? {
        try Row.fetchOne(db, sql: "SELECT * FROM introduction_request WHERE handle = ?", arguments: [handle]).map(requestRow)
    }

    public func introductionRequest(_ reference: IntroductionReference) throws -> StoredIntroductionRequest? {
        try Row.fetchOne(db, sql: "SELECT * FROM introduction_request WHERE requester = ? AND request_id = ?",
                         arguments: [Data(reference.requester.rawRepresentation), Data(reference.request.bytes)]).map(requestRow)
    }

    /// Every request received, newest first.
    public func introductionRequests() throws -> [StoredIntroductionRequest] {
        try Row.fetchAll(db, sql: "SELECT * FROM introduction_request ORDER BY handle DESC").map(requestRow)
    }

    /// Requests still pending or forwarded at or after their expiry: what the expiry tick records.
    public func dueIntroductionRequests(now: UInt64, limit: Int = 256) throws -> [StoredIntroductionRequest] {
        try Row.fetchAll(db, sql: "SELECT * FROM introduction_request WHERE state IN ('pending', 'forwarded') AND expires <= ? ORDER BY expires LIMIT ?",
                         arguments: [try SQLInteger.storing(now, "now"), limit]).map(requestRow)
    }

    /// Stores a verified request, pending; returns its handle.
    public func insertIntroductionRequest(_ machine: IntroducerMachine, body: IntroductionRequestBody, now: UInt64) throws -> Int64 {
        let handle = try nextInboxHandle()
        try db.execute(sql: """
            INSERT INTO introduction_request (handle, requester, request_id, body, state, expires, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [handle, Data(machine.requester.rawRepresentation), Data(machine.request.terms.id.bytes), Data(body.value.encoded),
                             machine.state.rawValue, try SQLInteger.storing(machine.request.terms.expires, "expires"),
                             try SQLInteger.storing(now, "now")])
        return handle
    }

    public func save(_ stored: StoredIntroductionRequest) throws {
        let m = stored.machine
        try db.execute(sql: """
            UPDATE introduction_request SET state = ?, introduction = ?, decline_note = ?, relayed = ?, accepted = ? WHERE handle = ?
            """, arguments: [m.state.rawValue, m.introduction.map { Data($0.envelope.encoded) }, m.declineNote, m.relayed, m.accepted,
                             stored.handle])
    }

    private func requestRow(_ row: Row) throws -> StoredIntroductionRequest {
        let handle: Int64 = try row.required("handle")
        let bytes: Data = try row.required("body")
        let introductionBytes: Data? = try row.required("introduction", as: Data?.self)
        let body: IntroductionRequestBody, request: Invitation, introduction: SignedIntroduction?
        do {
            body = try IntroductionRequestBody(try CBORValue(canonical: Array(bytes)))
            request = try Invitation(verifying: body.invitation)
            introduction = try introductionBytes.map { try SignedIntroduction(verifying: Array($0), for: request.signed) }
        } catch {
            throw NodeDatabase.damaged("introduction request \(handle) no longer verifies: \(error)")
        }
        guard let state = IntroducerMachine.State(rawValue: try row.required("state")) else {
            throw NodeDatabase.damaged("introduction request \(handle) has an unknown state")
        }
        let relayed: Int64 = try row.required("relayed")
        guard let relayedCount = Int(exactly: relayed), relayedCount >= 0 else {
            throw NodeDatabase.damaged("introduction request \(handle) has a relayed count of \(relayed)")
        }
        let machine = IntroducerMachine(request: request, body: body.invitation, note: body.note, state: state, introduction: introduction,
                                        declineNote: try row.required("decline_note", as: String?.self), relayed: relayedCount,
                                        accepted: try row.required("accepted"))
        return StoredIntroductionRequest(handle: handle, machine: machine, receivedAt: try row.unsigned("received_at"))
    }
}
