import Foundation
import Logging
import NIOPosix
import Synchronization
import VouchAdmin
import VouchFuzzSupport
import VouchNode
import VouchProtocol
import VouchStore
import VouchTLS

/// Structure-aware, through the node's real inbound path: the fuzzer's bytes choose a validly
/// encoded message from an authenticated peer (`InboundMessageGenerator`; a card carries a
/// validly signed profile with edge values), and a real `NodeRuntime` on a temporary node home
/// receives it as its session handler would: decode, receipt checks, verify, store. It exists for
/// the crashes a peer could cause past the decoders: before the integer range rule, a card of
/// version 2^63 reached `Int64(...)` in the store (found by this target in 200 executions).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeInbound(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(FuzzReplay.bytes(data, count))
    let runtime = FuzzNode.runtime
    let frame = InboundMessageGenerator.frame(&input, recipient: runtime.identity, freshID: FuzzNode.freshMessageID(),
                                              nowMilliseconds: FuzzNode.nowMilliseconds())
    _ = runBlocking { await receiveInboundFrame(frame, from: FuzzKeys.senderID, runtime: runtime) }
    return 0
}

/// What the session handler does with one frame from an authenticated peer, minus the channel:
/// the frame goes into a fresh session's `SessionStateMachine` (decode, receipt checks, rate
/// limit, dispatch by type), and each delivery it hands out goes to the node's
/// `DeliveryRouter` (decode the body, verify, store), as `PeerSessionHandler.run` does. Replies
/// and the other actions would only be written to the channel. The one place to change when the
/// node's dispatch changes.
func receiveInboundFrame(_ frame: [UInt8], from peer: NodeID, runtime: NodeRuntime) async -> [MessageBody] {
    var session = SessionStateMachine(local: runtime.identity, limits: runtime.limits, now: .zero)
    var replies: [MessageBody] = []
    for action in session.received(frame, now: .zero, wallClock: FuzzNode.nowMilliseconds()) {
        guard case .deliver(let message, let delivery) = action else { continue }
        replies.append(await runtime.deliveries.handle(delivery, in: message, from: peer, source: FuzzNode.peerAddress))
        _ = session.deliveryFinished()
    }
    return replies
}

/// One node for the whole run, its home on tmpfs when there is one (the database commits with
/// `synchronous = FULL`; on a disk every delivery would wait for an fsync), removed at exit.
enum FuzzNode {
    static let home: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("vouch-fuzz-\(getpid())")
    }()

    static let runtime: NodeRuntime = {
        do {
            let nodeHome = NodeHome(url: home)
            try nodeHome.createDirectory()
            atexit { try? FileManager.default.removeItem(at: FuzzNode.home) }
            let database = try NodeDatabase(home: nodeHome)
            try database.recordIdentity(FuzzKeys.vectorRecipient, createdAt: nowMilliseconds())
            let limits = TransportLimits.default
            return NodeRuntime(identityKey: FuzzKeys.recipient, tls: try TLSConfiguration(privateKey: FuzzKeys.recipient),
                               database: database, config: NodeConfig(listen: try Endpoint(host: "127.0.0.1", port: 7400), limits: limits),
                               limits: limits, group: MultiThreadedEventLoopGroup(numberOfThreads: 1),
                               logger: Logger(label: "vouch.fuzz") { _ in SwiftLogNoOpLogHandler() }, events: { _, _ in })
        } catch {
            fatalError("cannot set up the node to fuzz: \(error)")
        }
    }()

    /// The peer's IP address as the session handler would pass it (a documentation address).
    static let peerAddress = "192.0.2.1"

    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

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
