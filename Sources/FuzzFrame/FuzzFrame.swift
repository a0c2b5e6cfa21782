import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into the pure `FrameDecoder`, fed in chunks whose sizes come from the first byte,
/// with a frame limit that is either the default or small (so the too-large path is reachable).
/// Oracle: every byte fed is either in a returned frame (with its header) or still pending.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireFrame(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = FuzzReplay.bytes(data, count)
    guard !bytes.isEmpty else { return 0 }
    let control = bytes.removeFirst()
    let chunk = Int(control & 0x3F) + 1
    var decoder = control & 0x40 == 0 ? FrameDecoder() : FrameDecoder(maximumFrameSize: chunk * 4)
    var framed = 0
    var fed = 0
    while fed < bytes.count {
        let end = min(fed + chunk, bytes.count)
        decoder.append(bytes[fed..<end])
        fed = end
        do {
            while let payload = try decoder.next() {
                precondition(!payload.isEmpty && payload.count <= decoder.maximumFrameSize, "a frame outside 1…limit")
                framed += WireFrame.headerSize + payload.count
            }
        } catch {
            return 0  // the session ends here
        }
        precondition(framed + decoder.pendingByteCount == fed, "bytes were lost or invented between frames")
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzWireFrame) } }
#endif
