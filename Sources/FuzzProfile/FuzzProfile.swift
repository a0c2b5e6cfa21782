import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into the profile reader, twice: as a payload (`ProfileDocument(payload:)`, where
/// mutations of a valid payload land, since a mutated envelope no longer verifies) and as an
/// envelope (verify, then read the profile out of it). Oracle: a payload that reads encodes
/// back to its input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProfile(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    if let profile = try? ProfileDocument(payload: bytes) {
        precondition(profile.payload.encoded == bytes, "a profile payload does not encode back to its input")
    }
    if let envelope = try? SignedEnvelope(verifying: bytes) {
        _ = try? ProfileDocument(envelope: envelope)
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzProfile) } }
#endif
