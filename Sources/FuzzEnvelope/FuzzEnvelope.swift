import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into `SignedEnvelope(verifying:)`. Oracle: an envelope that verifies encodes back to
/// its input, and asking for its document type does not crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignedEnvelope(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    guard let envelope = try? SignedEnvelope(verifying: bytes) else { return 0 }
    precondition(envelope.encoded == bytes, "a verified envelope does not encode back to its input")
    _ = try? envelope.documentType()
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzSignedEnvelope) } }
#endif
