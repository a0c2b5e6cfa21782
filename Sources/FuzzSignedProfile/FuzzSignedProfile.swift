import VouchFuzzSupport
import VouchProtocol

/// Structure-aware: the fuzzer's bytes choose a validly signed profile document with edge values
/// (`SignedDocumentGenerator`), which goes through what every reader of a card does: verify the
/// envelope, read the profile, compare it with a held version. Oracles: the envelope verifies
/// unless the generator broke the signature, and a profile that reads encodes back to its payload.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignedProfile(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(FuzzReplay.bytes(data, count))
    let document = SignedDocumentGenerator.profileEnvelope(&input)
    guard let envelope = try? SignedEnvelope(verifying: document) else { return 0 }
    precondition(envelope.encoded == document, "a verified envelope does not encode back to its input")
    guard let profile = try? ProfileDocument(envelope: envelope) else { return 0 }
    precondition(profile.payload.encoded == envelope.payload, "a profile does not encode back to its payload")
    let held = profile.version > 0 ? profile.version - 1 : 0
    _ = ProfileVersionRule.decide(current: envelope, currentVersion: held, incoming: envelope, incomingVersion: profile.version)
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzSignedProfile) } }
#endif
