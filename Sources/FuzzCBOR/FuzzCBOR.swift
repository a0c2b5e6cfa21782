import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into the canonical CBOR decoder. Oracle: a decoded value encodes back to exactly
/// the input (the decoder accepts one byte form per value, Protocol/encoding.md).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonicalCBOR(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    guard let value = try? CBORValue(canonical: bytes) else { return 0 }
    precondition(value.encoded == bytes, "a decoded value does not encode back to its input")
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzCanonicalCBOR) } }
#endif
