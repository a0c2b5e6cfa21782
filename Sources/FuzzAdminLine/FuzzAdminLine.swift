import NIOCore
import NIOEmbedded
import VouchAdmin
import VouchFuzzSupport

/// Raw bytes into the admin server's reading side: the line splitter (`AdminLineDecoder`, fed in
/// chunks whose sizes and line limit come from the first byte), then each line's JSON value
/// (`AdminLineCodec.decode`) and request shape (`AdminMessage.parseRequest`). Oracle: a value
/// that decodes encodes to one line that decodes to the same encoding again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminLine(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = FuzzReplay.bytes(data, count)
    guard !bytes.isEmpty else { return 0 }
    let control = bytes.removeFirst()
    let chunk = Int(control & 0x3F) + 1
    let limit = control & 0x40 == 0 ? AdminLineCodec.maximumRequestLength : Int(control & 0x3F) * 8
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(AdminLineDecoder(maximumLength: limit)))
    defer { _ = try? channel.finish() }
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + chunk, bytes.count)
        guard (try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))) != nil else { return 0 }
        offset = end
        while let line = try? channel.readInbound(as: AdminLine.self) {
            guard case .line(let text) = line, let value = try? AdminLineCodec.decode(text) else { continue }
            _ = AdminMessage.parseRequest(value)
            let encoded = AdminLineCodec.encode(value)
            precondition(encoded.readableBytesView.last == UInt8(ascii: "\n")
                         && encoded.readableBytesView.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") },
                         "an encoded admin value is not exactly one line")
            let line = encoded.getSlice(at: encoded.readerIndex, length: encoded.readableBytes - 1)!
            let again = try? AdminLineCodec.decode(line)
            precondition(again.map { AdminLineCodec.encode($0) } == encoded, "an admin value does not survive encode and decode")
        }
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzAdminLine) } }
#endif
