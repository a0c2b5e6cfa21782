import NIOCore
import VouchFuzzAdmin
import VouchFuzzSupport

/// Raw bytes as one admin line, straight into its decoders (`AdminLineOracle`: the JSON value,
/// the request shape, encode and decode again), without the line splitter and its channel:
/// `FuzzAdminLine` drives those too, at a few hundred inputs a second (an `EmbeddedChannel` per
/// input); this target reaches the decoders some thirty times as often.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminJSON(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    AdminLineOracle.check(ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: count)))
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzAdminJSON) } }
#endif
