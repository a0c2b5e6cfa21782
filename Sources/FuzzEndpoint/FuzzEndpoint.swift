import VouchFuzzSupport
import VouchProtocol

/// Raw bytes, read as UTF-8 text, into the `host:port` parser. Oracle: a parsed endpoint's
/// printed form parses to the same endpoint, and building it from its parts gives it again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEndpoint(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: FuzzReplay.bytes(data, count), as: UTF8.self)
    guard let endpoint = try? Endpoint(parsing: text) else { return 0 }
    precondition((try? Endpoint(parsing: endpoint.description)) == endpoint, "an endpoint's printed form does not parse back to it")
    precondition((try? Endpoint(host: endpoint.host, port: endpoint.port)) == endpoint, "an endpoint's parts do not rebuild it")
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzEndpoint) } }
#endif
