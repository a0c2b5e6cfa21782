/// What a relay endpoint adds to the relay's host and port (Protocol/relay.md §2.1): the relay's
/// device ID, checked against its certificate, and the device ID the node joined it with, which
/// is what a dialer asks the relay for.
public struct RelayRoute: Sendable, Hashable {
    public static let scheme = "relay://"
    /// `relay://`, a 262-byte endpoint, `/?id=`, a device ID, `&device=`, a device ID.
    public static let maximumLength = 409

    public let relay: RelayDeviceID
    public let device: RelayDeviceID

    public init(relay: RelayDeviceID, device: RelayDeviceID) {
        self.relay = relay
        self.device = device
    }

    /// Splits the exact relay form into the relay's `host:port` and the route; the caller parses
    /// the endpoint part.
    static func parse(_ text: String) throws -> (endpoint: Substring, route: RelayRoute) {
        guard text.utf8.count <= maximumLength else {
            throw ProtocolError(.fieldTooLong, "a relay endpoint is at most \(maximumLength) bytes")
        }
        let rest = text.dropFirst(scheme.count)
        guard let query = rest.firstRange(of: "/?id=") else {
            throw ProtocolError(.invalidValue, "relay endpoint \"\(text)\": write relay://HOST:PORT/?id=RELAY-ID&device=DEVICE-ID")
        }
        let ids = rest[query.upperBound...]
        guard let amp = ids.firstRange(of: "&device=") else {
            throw ProtocolError(.invalidValue, "relay endpoint \"\(text)\" has no &device=DEVICE-ID")
        }
        let relay = try RelayDeviceID(exactly: String(ids[..<amp.lowerBound]))
        let device = try RelayDeviceID(exactly: String(ids[amp.upperBound...]))
        return (rest[..<query.lowerBound], RelayRoute(relay: relay, device: device))
    }

    func text(relayEndpoint: String) -> String {
        "\(Self.scheme)\(relayEndpoint)/?id=\(relay)&device=\(device)"
    }
}
