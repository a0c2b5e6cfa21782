import Testing
import VouchCrypto
@testable import VouchProtocol

/// The lifecycle, policy and crossing tables of Protocol/vectors/invitations.json, made by
/// running the machines over every state, thread and event (Protocol/invitations.md §Lifecycle).
extension VectorBuilder {
    /// "before-expiry" is 1 s after the invitation was made; "at-expiry" is its `expires`.
    static let tableTimes: [(String, UInt64)] = [("before-expiry", F.created + 1_000), ("at-expiry", F.expires)]

    /// The threads a table row starts from: none, a question waiting, the maximum (ending with a reply).
    static func thread(_ name: String) -> InvitationThread {
        switch name {
        case "empty": InvitationThread()
        case "open-question": InvitationThread(entries: [.question("Where did we meet?", at: F.created + 10)])
        case "full": InvitationThread(entries: (0..<InvitationLimits.maximumThreadEntries).map {
            $0 % 2 == 0 ? .question("q\($0)", at: F.created + UInt64($0)) : .reply("r\($0)", at: F.created + UInt64($0)) })
        default: preconditionFailure(name)
        }
    }

    static func actionName(_ delivery: Delivery) -> String { "send:" + delivery.type.rawValue }

    static func names(_ actions: [InvitationSenderMachine.Action]) -> [JSONVectorValue] {
        actions.map { action in
            switch action {
            case .send(let delivery, _): .string(actionName(delivery))
            case .recordConnection: "record-connection"
            case .event(let event): .string("event:" + event.rawValue)
            case .ignore: "ignore"
            case .refuse(let error): .string("refuse:" + error.code.description)
            }
        }
    }

    static func names(_ actions: [InvitationRecipientMachine.Action]) -> [JSONVectorValue] {
        actions.map { action in
            switch action {
            case .send(let delivery, _): .string(actionName(delivery))
            case .recordConnection: "record-connection"
            case .dropConnection: "drop-connection"
            case .block: "block"
            case .event(let event): .string("event:" + event.rawValue)
            case .ignore: "ignore"
            case .refuse(let error): .string("refuse:" + error.code.description)
            }
        }
    }

    static func thrown(_ error: any Error) -> [JSONVectorValue] {
        switch error {
        case let error as InvitationFlowError: [.string("error:" + error.code.description)]
        case let error as ProtocolError: [.string("error:" + error.code.description)]
        default: [.string("unexpected \(error)")]
        }
    }

    static let senderEvents = ["withdraw", "reply", "question", "question-from-third", "acceptance", "acceptance-later-copy",
                               "acceptance-other-terms", "acceptance-from-third", "acceptance-dated-ahead", "tick"]

    static func senderTable() throws -> [JSONVectorValue] {
        let invitation = F.invitation
        let connection = F.connection()
        let laterCopy = F.connection(accepted: F.created + 120_000)
        let otherTerms = try Connection.accept(try Invitation(verifying: F.body(relationship: .friend)).signed, accepted: F.created + 60_000,
                                               with: F.inviteeKey)
        var rows: [JSONVectorValue] = []
        for state in [InvitationSenderMachine.State.pending, .connected, .withdrawn, .expired] {
            for threadName in state == .pending ? ["empty", "open-question", "full"] : ["empty"] {
                for event in senderEvents {
                    for (time, now) in tableTimes {
                        var m = InvitationSenderMachine(invitation: invitation.signed, state: state, thread: thread(threadName),
                                                        connection: state == .connected ? connection : nil)
                        var actions: [JSONVectorValue]
                        do {
                            switch event {
                            case "withdraw": actions = names(try m.withdraw(now: now))
                            case "reply": actions = names(try m.reply("At the London meetup.", now: now))
                            case "question": actions = names(m.questionReceived(.init(invitation: F.id, note: "Where did we meet?"), from: F.invitee, now: now))
                            case "question-from-third": actions = names(m.questionReceived(.init(invitation: F.id, note: "?!"), from: F.third, now: now))
                            case "acceptance": actions = names(m.acceptanceReceived(connection, from: F.invitee, now: now))
                            case "acceptance-later-copy": actions = names(m.acceptanceReceived(laterCopy, from: F.invitee, now: now))
                            case "acceptance-other-terms": actions = names(m.acceptanceReceived(otherTerms, from: F.invitee, now: now))
                            case "acceptance-from-third": actions = names(m.acceptanceReceived(connection, from: F.third, now: now))
                            case "acceptance-dated-ahead":
                                let ahead = F.connection(accepted: F.created + 1_000 + InvitationLimits.maximumClockSkew + 1)
                                actions = names(m.acceptanceReceived(ahead, from: F.invitee, now: F.created + 1_000))
                            case "tick": actions = names(m.tick(now: now))
                            default: preconditionFailure(event)
                            }
                        } catch {
                            actions = thrown(error)
                        }
                        rows.append(["state": .string(state.rawValue), "thread": .string(threadName), "event": .string(event),
                                     "time": .string(time), "next": .string(m.state.rawValue), "actions": .array(actions)])
                    }
                }
            }
        }
        return rows
    }

    static let recipientEvents = ["accept", "decline", "report-spam", "ask-context", "invitation-again", "invitation-same-id-other-terms",
                                  "reply", "reply-from-third", "withdrawal", "withdrawal-from-third", "tick"]

    static func recipientTable() throws -> [JSONVectorValue] {
        let invitation = F.invitation
        let connection = F.connection()
        let sameIDOtherTerms = F.body(relationship: .friend)
        var rows: [JSONVectorValue] = []
        for state in [InvitationRecipientMachine.State.pending, .accepted, .declined, .reportedSpam, .withdrawn, .expired] {
            for threadName in state == .pending ? ["empty", "open-question", "full"] : ["empty"] {
                for event in recipientEvents {
                    for (time, now) in tableTimes {
                        var m = InvitationRecipientMachine(invitation: invitation, state: state, thread: thread(threadName),
                                                           connection: state == .accepted ? connection : nil)
                        var actions: [JSONVectorValue]
                        do {
                            switch event {
                            case "accept": actions = names(try m.accept(now: now, key: F.inviteeKey))
                            case "decline": actions = names(try m.decline(now: now))
                            case "report-spam": actions = names(try m.reportSpam(now: now))
                            case "ask-context": actions = names(try m.askContext("Could you remind me where we met?", now: now))
                            case "invitation-again": actions = names(m.invitationReceivedAgain(F.body()))
                            case "invitation-same-id-other-terms": actions = names(m.invitationReceivedAgain(sameIDOtherTerms))
                            case "reply": actions = names(m.replyReceived(.init(invitation: F.id, note: "At the meetup."), from: F.inviter, now: now))
                            case "reply-from-third": actions = names(m.replyReceived(.init(invitation: F.id, note: "hi"), from: F.third, now: now))
                            case "withdrawal": actions = names(m.withdrawalReceived(from: F.inviter, now: now))
                            case "withdrawal-from-third": actions = names(m.withdrawalReceived(from: F.third, now: now))
                            case "tick": actions = names(m.tick(now: now))
                            default: preconditionFailure(event)
                            }
                        } catch {
                            actions = thrown(error)
                        }
                        rows.append(["state": .string(state.rawValue), "thread": .string(threadName), "event": .string(event),
                                     "time": .string(time), "next": .string(m.state.rawValue), "actions": .array(actions)])
                    }
                }
            }
        }
        return rows
    }

    static func policyTable() -> [JSONVectorValue] {
        let base = InvitationPolicy.default
        let now = F.created
        let cooldown = base.declineCooldown
        func with(_ edit: (inout InvitationPolicy) -> Void) -> InvitationPolicy {
            var p = base
            edit(&p)
            return p
        }
        typealias S = InvitationPolicy.Situation
        let long = "Hello Ada, we met at the London meetup."
        let cases: [(String, InvitationPolicy, String, S)] = [
            ("the default policy, a stranger with a good note", base, long, S()),
            ("blocked", base, long, S(inviterBlocked: true)),
            ("blocked, and declined before: blocked is checked first", base, long, S(inviterBlocked: true, lastDeclined: now - 1)),
            ("blocked, with the inbox full: the same silent drop", base, long, S(inviterBlocked: true, pendingCount: 200)),
            ("already connected", base, long, S(alreadyConnected: true)),
            ("nobody may invite", with { $0.whoMayInvite = .nobody }, long, S()),
            ("only through an introduction, none", with { $0.whoMayInvite = .introduced }, long, S()),
            ("only through an introduction, introduced", with { $0.whoMayInvite = .introduced }, long, S(introduced: true)),
            ("declined a day ago, within the cooldown", base, long, S(lastDeclined: now - 86_400_000)),
            ("declined exactly a cooldown ago", base, long, S(lastDeclined: now - cooldown)),
            ("declined a cooldown and 1 ms ago... 1 ms less: still cooling down", base, long, S(lastDeclined: now - cooldown + 1)),
            ("declined at 2^53 - 1 with a cooldown that overflows", with { $0.declineCooldown = .max }, long, S(lastDeclined: ProtocolInteger.maximum)),
            ("a note of 19 characters under a minimum of 20", base, "abcdefghij klmnopqrs", S()),
            ("a note of 20 characters", base, "abcdefghij klmnopqrst", S()),
            ("20 characters counted as scalars, not bytes (20 two-byte letters)", base, String(repeating: "\u{00E9}", count: 20), S()),
            ("spaces do not count toward the minimum", base, "a b c d e f g h i j k l m n o p q r s", S()),
            ("a minimum of 0 takes any valid note", with { $0.minimumNoteLength = 0 }, "hi", S()),
            ("the inviter has another invitation pending", base, long, S(inviterHasPending: true)),
            ("the inbox holds 199 of 200", base, long, S(pendingCount: 199)),
            ("the inbox is full", base, long, S(pendingCount: 200)),
        ]
        return cases.map { what, policy, note, s in
            let decision: JSONVectorValue = switch policy.decide(note: note, situation: s, now: now) {
            case .show: "show"
            case .drop(let reason): .string("drop:" + reason.rawValue)
            }
            return ["description": .string(what), "now": .number(now), "note": .string(note),
                    "policy": ["who_may_invite": .string(policy.whoMayInvite.rawValue),
                               "minimum_note_length": .number(UInt64(policy.minimumNoteLength)),
                               "maximum_pending": .number(UInt64(policy.maximumPending)), "decline_cooldown_ms": .number(policy.declineCooldown)],
                    "situation": ["inviter_blocked": .bool(s.inviterBlocked), "already_connected": .bool(s.alreadyConnected),
                                  "inviter_has_pending": .bool(s.inviterHasPending), "last_declined": s.lastDeclined.map { .number($0) } ?? .null,
                                  "pending_count": .number(UInt64(s.pendingCount)), "introduced": .bool(s.introduced)],
                    "decision": decision]
        }
    }

    static func crossingTable() -> [JSONVectorValue] {
        var rows: [JSONVectorValue] = []
        for (local, peer) in [(F.inviter, F.invitee), (F.invitee, F.inviter), (F.inviter, F.third), (F.third, F.inviter)] {
            for oursPending in [false, true] {
                let decision: String = switch InvitationCrossing.decide(local: local, peer: peer, oursPending: oursPending) {
                case .noCrossing: "no-crossing"
                case .theirsStands: "theirs-stands"
                case .oursStands: "ours-stands"
                }
                rows.append(["local": hexValue(local.rawRepresentation), "peer": hexValue(peer.rawRepresentation),
                             "ours_pending": .bool(oursPending), "decision": .string(decision)])
            }
        }
        return rows
    }
}
