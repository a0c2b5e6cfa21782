import VouchFuzzSupport
import VouchProtocol

/// Raw bytes, read as UTF-8 text, into the node ID parser. Oracle: a parsed ID's printed form
/// parses to the same ID.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeID(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: FuzzReplay.bytes(data, count), as: UTF8.self)
    guard let id = try? NodeID(parsing: text) else { return 0 }
    precondition((try? NodeID(parsing: id.description)) == id, "a node ID's printed form does not parse back to it")
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzNodeID) } }
#endif
