import VouchFuzzSupport
import VouchProtocol

/// Raw bytes, read as UTF-8 text, into the `ID@host:port` parser. Oracle: a parsed address's
/// printed form parses to the same address.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeAddress(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: FuzzReplay.bytes(data, count), as: UTF8.self)
    guard let address = try? NodeAddress(parsing: text) else { return 0 }
    precondition((try? NodeAddress(parsing: address.description)) == address, "an address's printed form does not parse back to it")
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzNodeAddress) } }
#endif
