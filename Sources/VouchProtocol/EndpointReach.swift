/// Who can reach an endpoint, as far as its host alone tells: what `vouch address` and `vouch run`
/// warn about before someone hands out an address that others cannot use.
public enum EndpointReach: String, Sendable, Equatable {
    /// A loopback address (127.0.0.0/8, ::1) or `localhost`: this machine only.
    case thisMachine = "this-machine"
    /// A private, link-local or shared address (10/8, 172.16/12, 192.168/16, 169.254/16,
    /// 100.64/10, fc00::/7, fe80::/10): this network only.
    case localNetwork = "local-network"
    /// A wildcard address (0.0.0.0, ::): nobody can dial it.
    case unspecified
    /// A host name: reachable if others can resolve it to an address that routes here.
    case hostName = "host-name"
    /// A public IP address.
    case publicAddress = "public"

    public init(_ endpoint: Endpoint) {
        let host = endpoint.host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") {
            self = .thisMachine
        } else if host.contains(":") {
            self = Self.ipv6(host)
        } else if let octets = Self.ipv4(host) {
            self = Self.ipv4Reach(octets)
        } else {
            self = .hostName
        }
    }

    /// One sentence for a person, nil when there is nothing to warn about.
    public var warning: String? {
        switch self {
        case .thisMachine: "this address works only on this machine"
        case .localNetwork: "this address works only inside this local network"
        case .unspecified: "this is a wildcard address, which nobody can dial"
        case .hostName: "this is a host name: it works only where others can resolve it to this machine"
        case .publicAddress: nil
        }
    }

    private static func ipv4(_ host: String) -> [UInt8]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        return octets.count == 4 ? octets : nil
    }

    private static func ipv4Reach(_ o: [UInt8]) -> EndpointReach {
        switch (o[0], o[1]) {
        case (127, _): .thisMachine
        case (0, _): .unspecified
        case (10, _), (192, 168), (169, 254): .localNetwork
        case (172, 16...31), (100, 64...127): .localNetwork
        default: .publicAddress
        }
    }

    private static func ipv6(_ host: String) -> EndpointReach {
        if host == "::1" { return .thisMachine }
        if host == "::" { return .unspecified }
        if host.hasPrefix("::ffff:"), let mapped = ipv4(String(host.dropFirst(7))) { return ipv4Reach(mapped) }
        let first = host.split(separator: ":", omittingEmptySubsequences: false).first.flatMap { UInt16($0, radix: 16) } ?? 0
        if first & 0xFE00 == 0xFC00 || first & 0xFFC0 == 0xFE80 { return .localNetwork }
        return .publicAddress
    }
}
