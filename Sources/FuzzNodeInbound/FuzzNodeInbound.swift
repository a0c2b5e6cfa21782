import Foundation
import Synchronization
import VouchFuzzNode
import VouchFuzzSupport
import VouchNode

/// Structure-aware, through the node's real inbound path: the fuzzer's bytes choose a validly
/// encoded message from an authenticated peer (`InboundMessageGenerator`; a card carries a
/// validly signed profile with edge values), and a real `NodeRuntime` on a temporary node home
/// (`FuzzNode`) receives it as its session handler would (`receiveInboundFrame`): decode,
/// receipt checks, verify, store. It exists for the crashes a peer could cause past the
/// decoders: before the integer range rule, a card of version 2^63 reached `Int64(...)` in the
/// store (found by this target in 200 executions).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeInbound(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(FuzzReplay.bytes(data, count))
    let runtime = FuzzTarget.runtime
    let frame = InboundMessageGenerator.frame(&input, recipient: runtime.identity, freshID: FuzzTarget.freshMessageID(),
                                              nowMilliseconds: FuzzNode.nowMilliseconds())
    _ = runBlocking { await receiveInboundFrame(frame, from: FuzzKeys.senderID, runtime: runtime) }
    return 0
}

/// One node for the whole run (`FuzzNode`), removed at exit.
enum FuzzTarget {
    static let node: FuzzNode = {
        let node = FuzzNode.make(home: FuzzNode.scratchDirectory("vouch-fuzz"))
        atexit { FuzzTarget.node.remove() }
        return node
    }()

    static let runtime = node.runtime()

    /// A message ID this node has not seen yet.
    private static let counter = Atomic<UInt64>(0)
    static func freshMessageID() -> [UInt8] {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return [0xF0] + [UInt8](repeating: 0, count: 7) + withUnsafeBytes(of: n.bigEndian, Array.init)
    }
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzNodeInbound) } }
#endif
