import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into the armor reader (either form, as `vouch verify` reads a file). Oracle: armored
/// text that reads armors back to exactly itself (the reader accepts one spelling).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDocumentArmor(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    guard let envelope = try? DocumentArmor.envelopeBytes(from: bytes) else { return 0 }
    if DocumentArmor.looksArmored(bytes) {
        precondition(Array(DocumentArmor.armor(envelope).utf8) == bytes, "dearmored text does not armor back to its input")
    }
    _ = try? SignedEnvelope(verifying: envelope)
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzDocumentArmor) } }
#endif
