import Testing
import VouchCrypto
@testable import VouchProtocol

/// What the introduction tests share: the times they act at, fresh machines in each role, and
/// the deliveries an action list sends, with their receivers.
enum IntroductionTest {
    typealias I = IntroductionFixtures
    /// A second after the request was made.
    static let before = I.created + 1_000

    static func introducer(_ state: IntroducerMachine.State = .pending, forwarded: Bool = false, relayed: Int = 0,
                           accepted: Bool = false) -> IntroducerMachine {
        IntroducerMachine(request: I.request, body: I.body(), note: I.noteToIntroducer, state: state,
                          introduction: forwarded ? I.introduction() : nil, declineNote: nil, relayed: relayed, accepted: accepted)
    }

    static func requester() -> InvitationSenderMachine { InvitationSenderMachine(sent: I.request.signed) }

    static func target() -> InvitationRecipientMachine { InvitationRecipientMachine(received: I.request, introduction: I.introduction()) }

    static func sent(_ actions: [IntroducerMachine.Action]) -> [Sent] {
        actions.compactMap { if case .send(let d, let to) = $0 { Sent(d, to) } else { nil } }
    }

    static func sent(_ actions: [InvitationSenderMachine.Action]) -> [Sent] {
        actions.compactMap { if case .send(let d, let to) = $0 { Sent(d, to) } else { nil } }
    }

    static func sent(_ actions: [InvitationRecipientMachine.Action]) -> [Sent] {
        actions.compactMap { if case .send(let d, let to) = $0 { Sent(d, to) } else { nil } }
    }

    /// One delivery and who it goes to, compared by type, receiver and body.
    struct Sent: Equatable, CustomStringConvertible {
        let delivery: Delivery
        let to: NodeID
        init(_ delivery: Delivery, _ to: NodeID) {
            self.delivery = delivery
            self.to = to
        }
        var description: String { "\(delivery.type.rawValue) → \(I.role(to))" }
    }

    static var reference: IntroductionReferenceBody { IntroductionReferenceBody(I.reference) }
}

/// Requires `body` to throw an `InvitationFlowError` with `code`.
func expectFlowError(_ code: InvitationFlowError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as InvitationFlowError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
