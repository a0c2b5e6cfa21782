import Foundation
import Synchronization
import VouchFuzzNode
import VouchFuzzSupport
import VouchNode
import VouchCrypto

/// Structure-aware, the invitation flow through the node's real inbound path: the fuzzer's bytes
/// choose a short scenario (`InvitationFlowGenerator`) of validly signed invitations, context
/// questions and replies, withdrawals, acceptances and removals with edge values, which a real
/// `NodeRuntime` receives as its session handler would (`receiveInboundFrame` → `DeliveryRouter`
/// → the invitation and connection services → the lifecycle machines → SQLite).
///
/// State is kept across inputs only as far as it does not refuse everything after a while: the
/// node's database and runtime are made anew every `inputsPerDatabase` inputs, so neither the
/// owner's policy (one pending invitation per inviter, at most 200 in all) nor the invitation
/// rate limit (5 per sender, then 5 an hour) drops or refuses every later invitation. A crash
/// therefore depends on at most that many inputs before it; the replay program runs each file
/// on a fresh node.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInvitationInbound(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(FuzzReplay.bytes(data, count))
    let (runtime, serial) = FuzzTarget.next()
    let scenario = InvitationFlowGenerator.scenario(&input, node: FuzzKeys.recipient, nowMilliseconds: FuzzNode.nowMilliseconds(),
                                                    serial: serial)
    _ = runBlocking { await InvitationFlowDriver.play(scenario, runtime: runtime) }
    return 0
}

enum FuzzTarget {
    static let inputsPerDatabase: UInt64 = 32
    static let home = FuzzNode.scratchDirectory("vouch-fuzz-invitations")
    private static let state = PThreadLocked<(node: FuzzNode?, runtime: NodeRuntime?, serial: UInt64)>((nil, nil, 0))

    /// The node for the next input and a serial number no input had.
    static func next() -> (NodeRuntime, UInt64) {
        state.withLock { state in
            state.serial += 1
            if state.node == nil || state.serial % inputsPerDatabase == 0 {
                state.runtime = nil
                state.node = nil  // closes the old database before its files go
                state.node = FuzzNode.make(home: home)
                state.runtime = state.node!.runtime()
                if state.serial == 1 { atexit { try? FileManager.default.removeItem(at: FuzzTarget.home) } }
            }
            return (state.runtime!, state.serial)
        }
    }
}

#if !VOUCH_LIBFUZZER
@main enum Replay {
    static func main() {
        // Each file on a node of its own.
        FuzzReplay.run { data, count in
            FuzzTarget.reset()
            return fuzzInvitationInbound(data, count)
        }
    }
}

extension FuzzTarget {
    static func reset() { state.withLock { $0.runtime = nil; $0.node = nil } }
}
#endif
