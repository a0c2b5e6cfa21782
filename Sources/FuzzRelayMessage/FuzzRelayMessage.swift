import VouchFuzzSupport
import VouchProtocol

/// Bytes from a relay (Protocol/relay.md §6): the first byte picks a chunk size, the rest goes
/// into `RelayMessageReader` in chunks of that size, as a relay connection delivers it, and whole
/// into `RelayMessage(decoding:)`. Oracles: every message the reader returns, and a message that
/// decodes whole, encodes back to exactly its bytes; the reader never holds more than one
/// header and one largest payload.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRelayMessage(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = FuzzReplay.bytes(data, count)
    guard let first = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    let chunk = Int(first % 64) + 1
    var reader = RelayMessageReader()
    var consumed: [UInt8] = []
    var offset = 0
    reading: while offset < bytes.count {
        let end = min(offset + chunk, bytes.count)
        do {
            for message in try reader.append(bytes[offset..<end]) {
                guard let encoded = try? message.encoded() else { preconditionFailure("a decoded relay message does not encode") }
                consumed += encoded
            }
        } catch {
            break reading
        }
        precondition(reader.bufferedCount <= RelayMessage.headerLength + RelayMessage.maximumPayloadLength,
                     "the relay reader holds more than one message")
        offset = end
    }
    precondition(Array(bytes.prefix(consumed.count)) == consumed, "the relay reader's messages do not encode back to the stream")
    if let message = try? RelayMessage(decoding: bytes) {
        precondition((try? message.encoded()) == bytes, "a relay message does not encode back to its bytes")
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzRelayMessage) } }
#endif
