import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into `WireMessage(decoding:)`, then the receipt checks a session applies
/// (`InboundMessagePolicy.check`) against the transport vectors' recipient key, at the vectors'
/// clock and at the ends of the clock, and an error body read when there is one. Oracle: a
/// decoded message encodes back to its input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireMessage(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    guard let message = try? WireMessage(decoding: bytes) else { return 0 }
    precondition(message.encoded == bytes, "a decoded message does not encode back to its input")
    for now: UInt64 in [0, 1_700_000_000_000, UInt64(Int64.max)] {
        _ = InboundMessagePolicy.check(message, localNode: FuzzKeys.vectorRecipient, nowMilliseconds: now)
    }
    _ = try? WireErrorBody(message.body)
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzWireMessage) } }
#endif
