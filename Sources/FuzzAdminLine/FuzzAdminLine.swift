import NIOCore
import NIOEmbedded
import VouchAdmin
import VouchFuzzAdmin
import VouchFuzzSupport

/// Raw bytes into the admin server's reading side: the line splitter (`AdminLineDecoder`, fed in
/// chunks whose sizes and line limit come from the first byte), then each line's decoders and
/// their oracle (`AdminLineOracle`, which `FuzzAdminJSON` runs alone, much faster).
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
            guard case .line(let text) = line else { continue }
            AdminLineOracle.check(text)
        }
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzAdminLine) } }
#endif
