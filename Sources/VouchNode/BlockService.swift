import VouchAdmin
import VouchProtocol
import VouchStore

/// The owner's private controls over who reaches the inbox: blocked nodes and the recipient
/// policy (Protocol/invitations.md §6). The invitation service reads both inside the
/// transaction that decides on each invitation.
struct BlockService: Sendable {
    /// Bounds for `policy.set`: a cool-down of up to a year, an inbox of up to 10 000.
    static let maximumCooldownDays = 365
    static let maximumPendingLimit = 10_000

    let database: NodeDatabase
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

    func block(_ text: String, blocked: Bool) async throws -> BlockResponse {
        let node = try Self.node(text)
        let changed = try await database.invitationTransaction { ledger -> Bool in
            if blocked {
                let was = try ledger.isBlocked(node)
                try ledger.block(node, now: Clock.nowMilliseconds())
                return !was
            }
            return try ledger.unblock(node)
        }
        if changed { publish(blocked ? .nodeBlocked : .nodeUnblocked, ["node": .string(node.description)]) }
        return BlockResponse(node: node.description, blocked: blocked, changed: changed)
    }

    func list() throws -> BlockListResponse {
        BlockListResponse(blocked: try database.readInvitations { try $0.blocked() }.map {
            BlockedNodeInfo(node: $0.node.description, shortID: $0.node.shortForm, since: NodeRuntime.isoTime($0.since))
        })
    }

    func policy() throws -> PolicyResponse {
        Self.response(try database.readInvitations { try $0.policy() })
    }

    func setPolicy(_ request: PolicySetRequest) async throws -> PolicyResponse {
        var changes: [@Sendable (inout InvitationPolicy) -> Void] = []
        if let text = request.whoMayInvite {
            guard let who = InvitationPolicy.WhoMayInvite(rawValue: text) else {
                throw AdminError(.invalidParams, "who may invite: one of \(InvitationPolicy.WhoMayInvite.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            changes.append { $0.whoMayInvite = who }
        }
        if let length = request.minimumNoteLength {
            guard (0...InvitationText.noteMaximumBytes).contains(length) else {
                throw AdminError(.invalidParams, "the minimum note length is 0 … \(InvitationText.noteMaximumBytes) characters")
            }
            changes.append { $0.minimumNoteLength = length }
        }
        if let pending = request.maximumPending {
            guard (1...Self.maximumPendingLimit).contains(pending) else {
                throw AdminError(.invalidParams, "the cap on pending invitations is 1 … \(Self.maximumPendingLimit)")
            }
            changes.append { $0.maximumPending = pending }
        }
        if let days = request.declineCooldownDays {
            guard (0...Self.maximumCooldownDays).contains(days) else {
                throw AdminError(.invalidParams, "the cool-down is 0 … \(Self.maximumCooldownDays) days")
            }
            changes.append { $0.declineCooldown = UInt64(days) * 86_400_000 }
        }
        let apply = changes
        let policy = try await database.invitationTransaction { ledger -> InvitationPolicy in
            var policy = try ledger.policy()
            for change in apply { change(&policy) }
            try ledger.setPolicy(policy)
            return policy
        }
        let response = Self.response(policy)
        publish(.policyChanged, ["who_may_invite": .string(response.whoMayInvite), "minimum_note_length": .int(Int64(response.minimumNoteLength)),
                                 "maximum_pending": .int(Int64(response.maximumPending)), "decline_cooldown_days": .int(Int64(response.declineCooldownDays))])
        return response
    }

    static func response(_ policy: InvitationPolicy) -> PolicyResponse {
        PolicyResponse(whoMayInvite: policy.whoMayInvite.rawValue, minimumNoteLength: policy.minimumNoteLength,
                       maximumPending: policy.maximumPending, declineCooldownDays: Int(policy.declineCooldown / 86_400_000))
    }

    static func node(_ text: String) throws -> NodeID {
        do {
            return try NodeID(parsing: text)
        } catch {
            throw AdminError(.invalidParams, "\(UntrustedText.escaped(text)) is not a node ID")
        }
    }
}
