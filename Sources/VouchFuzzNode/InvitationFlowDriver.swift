public import VouchFuzzSupport
public import VouchNode
public import VouchProtocol
import VouchStore

/// Plays an `InvitationFlowGenerator.Scenario` on a node: the invitations the node sent go into
/// its store as `vouch invite` leaves them (the invitee's endpoint known), then each message is
/// received through `receiveInboundFrame`, in order, from its peer.
public enum InvitationFlowDriver {
    /// The replies the node would send, one per delivery that reached the router.
    public static func play(_ scenario: InvitationFlowGenerator.Scenario, runtime: NodeRuntime) async -> [MessageBody] {
        if !scenario.sent.isEmpty {
            let now = FuzzNode.nowMilliseconds()
            let endpoint = try! Endpoint(host: "127.0.0.1", port: 7401)
            do {
                try await runtime.database.invitationTransaction { ledger in
                    for sent in scenario.sent {
                        try ledger.learnPeer(sent.invitation.terms.invitee, endpoint: endpoint, now: now)
                        _ = try ledger.insertSent(InvitationSenderMachine(sent: sent.invitation), note: sent.note, now: now)
                    }
                }
            } catch {
                preconditionFailure("the node refused its own invitation: \(error)")
            }
        }
        var replies: [MessageBody] = []
        for step in scenario.steps {
            replies += await receiveInboundFrame(step.frame, from: step.peer, runtime: runtime)
        }
        return replies
    }
}
