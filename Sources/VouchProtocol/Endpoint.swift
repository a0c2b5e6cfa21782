/// Where a node listens: a host (DNS name, IPv4 address, or IPv6 address in brackets) and a TCP
/// port, written `host:port` (Protocol/profile.md §Endpoints); or a relay the node has joined,
/// written `relay://host:port/?id=RELAY-ID&device=DEVICE-ID` (Protocol/relay.md §2.1).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host and port to open TCP to: the node's own, or the relay's.
    public let host: String
    public let port: UInt16
    /// Set for a relay endpoint: how to reach the node through the relay at host:port.
    public let relay: RelayRoute?
    public static let maximumLength = 262

    public init(host: String, port: UInt16) throws {
        try self.init(parsing: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    /// A relay endpoint: the node joined the relay at `relay` (a direct endpoint) as `route.device`.
    public init(relay: Endpoint, route: RelayRoute) {
        self.init(checkedHost: relay.host, port: relay.port, relay: route)
    }

    private init(checkedHost host: String, port: UInt16, relay: RelayRoute?) {
        self.host = host
        self.port = port
        self.relay = relay
    }

    /// Direct first, relays after (Protocol/relay.md §5); stable within each kind.
    public static func dialOrder(_ endpoints: [Endpoint]) -> [Endpoint] {
        endpoints.filter { $0.relay == nil } + endpoints.filter { $0.relay != nil }
    }

    public init(parsing text: String) throws {
        if text.hasPrefix(RelayRoute.scheme) {
            let (endpoint, route) = try RelayRoute.parse(text)
            self.init(relay: try Endpoint(parsing: String(endpoint)), route: route)
            return
        }
        try self.init(direct: text)
    }

    private init(direct text: String) throws {
        guard text.utf8.count <= Self.maximumLength else {
            throw ProtocolError(.fieldTooLong, "an endpoint is at most \(Self.maximumLength) bytes")
        }
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": an IPv6 host is written [address]:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
            // isASCII: Character.isHexDigit also accepts fullwidth digits. An IPv6 address always
            // has a colon, and without one the printed form would drop the brackets.
            guard hostPart.contains(":"), hostPart.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": \"\(hostPart)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\" has no port: write host:port")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
            guard !hostPart.isEmpty, hostPart.utf8.count <= 253, labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }) else {
                throw ProtocolError(.invalidValue, "endpoint \"\(text)\": \"\(hostPart)\" is not a host name or IPv4 address")
            }
        }
        guard let port = UInt16(portPart), port > 0, String(port) == portPart else {
            throw ProtocolError(.invalidValue, "endpoint \"\(text)\": the port must be a number from 1 to 65535")
        }
        self.host = String(hostPart)
        self.port = port
        self.relay = nil
    }

    public var description: String {
        let direct = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return relay.map { $0.text(relayEndpoint: direct) } ?? direct
    }

    /// The relay's own `host:port` for a relay endpoint, the endpoint itself otherwise.
    public var tcpEndpoint: Endpoint {
        Endpoint(checkedHost: host, port: port, relay: nil)
    }
}
