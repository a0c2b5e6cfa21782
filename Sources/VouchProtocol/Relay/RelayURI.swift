/// A relay as its operator announces it: the URI strelaysrv prints, such as
/// `relay://127.0.0.1:22067/?id=EWAO4YS-…&pingInterval=1m0s&…` (Protocol/relay.md §2.2). Only the
/// relay's endpoint and device ID are kept; the other parameters are the relay's business.
public struct RelayURI: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 1024

    /// The relay's host and port (a direct endpoint).
    public let endpoint: Endpoint
    /// The relay's device ID: the SHA-256 of the certificate it must present.
    public let id: RelayDeviceID

    public init(endpoint: Endpoint, id: RelayDeviceID) {
        self.endpoint = endpoint.tcpEndpoint
        self.id = id
    }

    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maximumLength else {
            throw ProtocolError(.fieldTooLong, "a relay URI is at most \(Self.maximumLength) bytes")
        }
        guard text.lowercased().hasPrefix(RelayRoute.scheme) else {
            throw ProtocolError(.invalidValue, "a relay URI starts with relay:// (as strelaysrv prints it)")
        }
        let rest = text.dropFirst(RelayRoute.scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let endpoint = try Endpoint(parsing: String(rest[..<slash]))
        var query = rest[slash...].dropFirst()
        guard query.hasPrefix("?") else {
            throw ProtocolError(.invalidValue, "relay URI \"\(text)\" has no ?id=RELAY-ID: the relay's certificate could not be checked")
        }
        query = query.dropFirst()
        var ids: [Substring] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (name, value) = pair.firstIndex(of: "=").map { (pair[..<$0], pair[pair.index(after: $0)...]) } ?? (pair, "")
            if name == "id" { ids.append(value) }
        }
        guard ids.count == 1 else {
            throw ProtocolError(.invalidValue, "relay URI \"\(text)\" must have exactly one id=RELAY-ID")
        }
        self.init(endpoint: endpoint, id: try RelayDeviceID(parsing: String(ids[0])))
    }

    /// The canonical form: `relay://HOST:PORT/?id=RELAY-ID`.
    public var description: String { "\(RelayRoute.scheme)\(endpoint)/?id=\(id)" }

    /// The endpoint by which others reach the node that joined this relay as `device`.
    public func endpoint(for device: RelayDeviceID) -> Endpoint {
        Endpoint(relay: endpoint, route: RelayRoute(relay: id, device: device))
    }
}
