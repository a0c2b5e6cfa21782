import Testing
import VouchCrypto
@testable import VouchProtocol

/// The three role tables of Protocol/vectors/introductions.json, made by running the machines
/// over every state and event (Protocol/introductions.md §Lifecycles). Each `send` names who it
/// goes to, since where a message goes is half of what the flow is about.
extension VectorBuilder {
    static func sendName(_ delivery: Delivery, _ to: NodeID) -> JSONVectorValue {
        .string("send:\(delivery.type.rawValue)>\(I.role(to))")
    }

    static func names(_ actions: [IntroducerMachine.Action]) -> [JSONVectorValue] {
        actions.map { action in
            switch action {
            case .send(let delivery, let to): sendName(delivery, to)
            case .event(let event): .string("event:" + event.rawValue)
            case .ignore: "ignore"
            case .refuse(let error): .string("refuse:" + error.code.description)
            }
        }
    }

    static func routedNames(_ actions: [InvitationSenderMachine.Action]) -> [JSONVectorValue] {
        actions.map { action in
            if case .send(let delivery, let to) = action { return sendName(delivery, to) }
            return names([action])[0]
        }
    }

    static func routedNames(_ actions: [InvitationRecipientMachine.Action]) -> [JSONVectorValue] {
        actions.map { action in
            if case .send(let delivery, let to) = action { return sendName(delivery, to) }
            return names([action])[0]
        }
    }

    /// The introducer's starting points: every state, forwarded or not where both can be, a
    /// thread with room or full, the target's outcome told or not.
    static let introducerStarts: [(IntroducerMachine.State, forwarded: Bool, relayed: Int, accepted: Bool)] = [
        (.pending, false, 0, false),
        (.forwarded, true, 0, false), (.forwarded, true, InvitationLimits.maximumThreadEntries, false), (.forwarded, true, 1, true),
        (.notForwarded, false, 0, false),
        (.withdrawn, false, 0, false), (.withdrawn, true, 1, false),
        (.expired, false, 0, false), (.expired, true, 1, false),
    ]

    static let introducerEvents = ["forward", "forward-not-connected", "decline", "decline-with-note", "request-again",
                                   "request-same-id-other-terms", "withdrawal", "withdrawal-from-target", "question",
                                   "question-from-requester", "reply", "reply-from-target", "outcome", "outcome-from-requester", "tick"]

    static func introducerTable() throws -> [JSONVectorValue] {
        let request = I.request, body = I.body()
        let otherTerms = IntroductionRequestBody(invitation: I.body(relationship: .friend), note: "again")
        var rows: [JSONVectorValue] = []
        for (state, forwarded, relayed, accepted) in introducerStarts {
            for event in introducerEvents {
                for (time, now) in tableTimes {
                    var m = IntroducerMachine(request: request, body: body, note: I.noteToIntroducer, state: state,
                                              introduction: forwarded ? I.introduction() : nil,
                                              declineNote: state == .notForwarded ? "Not this time." : nil, relayed: relayed, accepted: accepted)
                    var actions: [JSONVectorValue]
                    do {
                        switch event {
                        case "forward":
                            actions = names(try m.forward(note: I.introducerNote, now: now, key: I.introducerKey, connectedToTarget: true))
                        case "forward-not-connected":
                            actions = names(try m.forward(note: I.introducerNote, now: now, key: I.introducerKey, connectedToTarget: false))
                        case "decline": actions = names(try m.decline(note: nil, now: now))
                        case "decline-with-note": actions = names(try m.decline(note: "I don't know her well enough, sorry.", now: now))
                        case "request-again": actions = names(m.requestReceivedAgain(I.requestBody))
                        case "request-same-id-other-terms": actions = names(m.requestReceivedAgain(otherTerms))
                        case "withdrawal": actions = names(m.withdrawalReceived(from: I.requester, now: now))
                        case "withdrawal-from-target": actions = names(m.withdrawalReceived(from: I.target, now: now))
                        case "question": actions = names(m.questionReceived(note: "How do you know Carol?", from: I.target, now: now))
                        case "question-from-requester": actions = names(m.questionReceived(note: "?", from: I.requester, now: now))
                        case "reply": actions = names(m.replyReceived(note: "We worked together.", from: I.requester, now: now))
                        case "reply-from-target": actions = names(m.replyReceived(note: "!", from: I.target, now: now))
                        case "outcome": actions = names(m.outcomeReceived(from: I.target, now: now))
                        case "outcome-from-requester": actions = names(m.outcomeReceived(from: I.requester, now: now))
                        case "tick": actions = names(m.tick(now: now))
                        default: preconditionFailure(event)
                        }
                    } catch {
                        actions = thrown(error)
                    }
                    rows.append(["state": .string(state.rawValue), "forwarded": .bool(forwarded), "relayed": .number(UInt64(relayed)),
                                 "accepted": .bool(accepted), "event": .string(event), "time": .string(time),
                                 "next": .string(m.state.rawValue), "next_forwarded": .bool(m.introduction != nil),
                                 "next_relayed": .number(UInt64(m.relayed)), "next_accepted": .bool(m.accepted), "actions": .array(actions)])
                }
            }
        }
        return rows
    }

    /// The requester's starting points: (state, forwarded, thread).
    static let requesterStarts: [(InvitationSenderMachine.State, forwarded: Bool, thread: String)] = [
        (.pending, false, "empty"), (.pending, true, "empty"), (.pending, true, "open-question"), (.pending, true, "full"),
        (.notForwarded, false, "empty"), (.connected, true, "empty"),
        (.withdrawn, false, "empty"), (.withdrawn, true, "empty"), (.expired, false, "empty"), (.expired, true, "empty"),
    ]

    static let requesterEvents = ["withdraw", "reply", "question", "question-from-target", "forwarded", "forwarded-from-target",
                                  "not-forwarded", "not-forwarded-with-note", "not-forwarded-from-stranger", "acceptance",
                                  "acceptance-from-introducer", "acceptance-other-terms", "tick"]

    static func requesterTable() throws -> [JSONVectorValue] {
        let request = I.request.signed
        let connection = I.connection()
        let otherRequest = try Invitation(verifying: I.body(relationship: .friend)).signed
        let otherTerms = try Connection.accept(otherRequest, introduction: I.introduction(for: otherRequest), accepted: I.created + 120_000,
                                               with: I.targetKey)
        var rows: [JSONVectorValue] = []
        for (state, forwarded, threadName) in requesterStarts {
            for event in requesterEvents {
                for (time, now) in tableTimes {
                    var m = InvitationSenderMachine(invitation: request, state: state, thread: thread(threadName),
                                                    connection: state == .connected ? connection : nil, forwarded: forwarded,
                                                    introducerNote: nil)
                    var actions: [JSONVectorValue]
                    do {
                        switch event {
                        case "withdraw": actions = routedNames(try m.withdraw(now: now))
                        case "reply": actions = routedNames(try m.reply("We worked together for three years.", now: now))
                        case "question": actions = routedNames(m.questionReceived(note: "How do you know Bob?", from: I.introducer, now: now))
                        case "question-from-target": actions = routedNames(m.questionReceived(note: "?", from: I.target, now: now))
                        case "forwarded": actions = routedNames(m.forwardedReceived(from: I.introducer, now: now))
                        case "forwarded-from-target": actions = routedNames(m.forwardedReceived(from: I.target, now: now))
                        case "not-forwarded": actions = routedNames(m.notForwardedReceived(note: nil, from: I.introducer, now: now))
                        case "not-forwarded-with-note":
                            actions = routedNames(m.notForwardedReceived(note: "Sorry, not this time.", from: I.introducer, now: now))
                        case "not-forwarded-from-stranger": actions = routedNames(m.notForwardedReceived(note: nil, from: I.stranger, now: now))
                        case "acceptance": actions = routedNames(m.acceptanceReceived(connection, from: I.target, now: now))
                        case "acceptance-from-introducer": actions = routedNames(m.acceptanceReceived(connection, from: I.introducer, now: now))
                        case "acceptance-other-terms": actions = routedNames(m.acceptanceReceived(otherTerms, from: I.target, now: now))
                        case "tick": actions = routedNames(m.tick(now: now))
                        default: preconditionFailure(event)
                        }
                    } catch {
                        actions = thrown(error)
                    }
                    rows.append(["state": .string(state.rawValue), "forwarded": .bool(forwarded), "thread": .string(threadName),
                                 "event": .string(event), "time": .string(time), "next": .string(m.state.rawValue),
                                 "next_forwarded": .bool(m.forwarded), "shown": .string(m.shownState), "actions": .array(actions)])
                }
            }
        }
        return rows
    }

    static let targetEvents = ["accept", "accept-tell-introducer", "decline", "report-spam", "ask-context", "offer-again",
                               "offer-same-id-other-terms", "reply", "reply-from-requester", "withdrawal", "withdrawal-from-requester", "tick"]

    static func targetTable() throws -> [JSONVectorValue] {
        let request = I.request, introduction = I.introduction()
        let connection = I.connection()
        let otherTerms = I.body(relationship: .friend)
        var rows: [JSONVectorValue] = []
        for state in [InvitationRecipientMachine.State.pending, .accepted, .declined, .reportedSpam, .withdrawn, .expired] {
            for threadName in state == .pending ? ["empty", "open-question", "full"] : ["empty"] {
                for event in targetEvents {
                    for (time, now) in tableTimes {
                        var m = InvitationRecipientMachine(invitation: request, state: state, thread: thread(threadName),
                                                           connection: state == .accepted ? connection : nil, introduction: introduction)
                        var actions: [JSONVectorValue]
                        do {
                            switch event {
                            case "accept": actions = routedNames(try m.accept(now: now, key: I.targetKey))
                            case "accept-tell-introducer": actions = routedNames(try m.accept(now: now, key: I.targetKey, tellIntroducer: true))
                            case "decline": actions = routedNames(try m.decline(now: now))
                            case "report-spam": actions = routedNames(try m.reportSpam(now: now))
                            case "ask-context": actions = routedNames(try m.askContext("How do you know Carol?", now: now))
                            case "offer-again": actions = routedNames(m.invitationReceivedAgain(I.body()))
                            case "offer-same-id-other-terms": actions = routedNames(m.invitationReceivedAgain(otherTerms))
                            case "reply": actions = routedNames(m.replyReceived(note: "We worked together.", from: I.introducer, now: now))
                            case "reply-from-requester": actions = routedNames(m.replyReceived(note: "hi", from: I.requester, now: now))
                            case "withdrawal": actions = routedNames(m.withdrawalReceived(from: I.introducer, now: now))
                            case "withdrawal-from-requester": actions = routedNames(m.withdrawalReceived(from: I.requester, now: now))
                            case "tick": actions = routedNames(m.tick(now: now))
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
}
