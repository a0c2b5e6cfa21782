public import VouchNode
public import VouchProtocol

/// What the session handler does with one frame from an authenticated peer, minus the channel:
/// the frame goes into a fresh session's `SessionStateMachine` (decode, receipt checks, rate
/// limit, dispatch by type), and each delivery it hands out goes to the node's
/// `DeliveryRouter` (decode the body, verify, store), as `PeerSessionHandler.run` does. Replies
/// and the other actions would only be written to the channel. The one place to change when the
/// node's dispatch changes.
public func receiveInboundFrame(_ frame: [UInt8], from peer: NodeID, runtime: NodeRuntime) async -> [MessageBody] {
    var session = SessionStateMachine(local: runtime.identity, limits: runtime.limits, now: .zero)
    var replies: [MessageBody] = []
    for action in session.received(frame, now: .zero, wallClock: FuzzNode.nowMilliseconds()) {
        guard case .deliver(let message, let delivery) = action else { continue }
        replies.append(await runtime.deliveries.handle(delivery, in: message, from: peer, source: FuzzNode.peerAddress))
        _ = session.deliveryFinished()
    }
    return replies
}
