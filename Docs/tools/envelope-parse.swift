/*
 * Envelope parsing alone, before and after SignedEnvelopeLayout (Docs/benchmarks.md, "Ed25519
 * cold path"): "old" is what SignedEnvelope(verifying:) did besides the crypto (decode into
 * CBORValues, re-encode the signature input), "new" what it does now (find the layout, copy the
 * three byte strings, build the input from the envelope's bytes). 1,000 envelopes shaped like the
 * benchmark's profile documents; CPU time per envelope, 1 s per measurement, 3 rounds.
 *
 *   swiftc -O -parse-as-library -o envelope-parse Docs/tools/envelope-parse.swift \
 *       Sources/VouchProtocol/CanonicalCBOR.swift Sources/VouchProtocol/SignedEnvelopeLayout.swift
 *   ./envelope-parse
 */
import Foundation
struct ProtocolError: Error {
    enum Code { case malformed, invalidText, nonCanonical, truncated, trailingBytes }
    init(_ code: Code, _ message: @autoclosure () -> String) {}
}
enum SignedEnvelope { static let signatureContext = "vouch signed document v1" }
func signatureInput(type: String, formatVersion: UInt64, signer: [UInt8], payload: [UInt8]) -> [UInt8] {
    CBORValue.array([.text(SignedEnvelope.signatureContext), .text(type), .unsigned(formatVersion), .bytes(signer), .bytes(payload)]).encoded
}
// 1,000 envelopes shaped like the benchmark's profile documents (120-byte payload).
let docs: [[UInt8]] = (0..<1000).map { i in
    let payload = (0..<120).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
    let signer = (0..<32).map { UInt8(truncatingIfNeeded: $0 &+ i) }
    let sig = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 3 &+ i) }
    return CBORValue.array([.text("vouch.profile"), .unsigned(1), .bytes(signer), .bytes(payload), .bytes(sig)]).encoded
}
func cpu() -> Double { var t = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 }
var sink = 0
func old(_ bytes: [UInt8]) throws {
    guard case .array(let items) = try CBORValue(canonical: bytes), items.count == 5,
          case .text(let type) = items[0], case .unsigned(let f) = items[1], case .bytes(let signer) = items[2],
          case .bytes(let payload) = items[3], case .bytes(let signature) = items[4] else { fatalError() }
    let input = signatureInput(type: type, formatVersion: f, signer: signer, payload: payload)
    sink &+= input.count &+ signature.count &+ Array(signer).count
}
func new(_ bytes: [UInt8]) {
    guard let l = SignedEnvelopeLayout(bytes) else { fatalError() }
    let signer = Array(bytes[l.signer]), payload = Array(bytes[l.payload]), signature = Array(bytes[l.signature])
    let input = l.signatureInput(bytes)
    sink &+= input.count &+ signature.count &+ signer.count &+ payload.count &+ l.type.utf8.count
}
@main enum EnvelopeParse {
    static func main() {
        for round in 0..<3 {
            for (name, body) in [("old", { (b: [UInt8]) in try! old(b) }), ("new", { (b: [UInt8]) in new(b) })] as [(String, ([UInt8]) -> Void)] {
                let start = cpu(); var n = 0
                while cpu() - start < 1 { for d in docs { body(d) }; n += docs.count }
                print(round, name, String(format: "%.3f µs", (cpu() - start) / Double(n) * 1e6))
            }
        }
        print(sink > 0)
    }
}
