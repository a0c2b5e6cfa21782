/// How to reach a node, shareable as one string: `NODE-ID@host:port` (Protocol/transport.md
/// §Addresses). The ID pins the key the TLS handshake must prove; the endpoint is only a hint.
public struct NodeAddress: Sendable, Hashable, CustomStringConvertible {
    public static let scheme = "vouch://"

    public let id: NodeID
    public let endpoint: Endpoint

    public init(id: NodeID, endpoint: Endpoint) {
        self.id = id
        self.endpoint = endpoint
    }

    /// Accepts `ID@host:port`, optionally prefixed with `vouch://`.
    public init(parsing text: String) throws {
        // Whitespace is removed scalar by scalar (Unicode White_Space), as the spec says, so a
        // combining mark after a space is kept (and then refused) rather than dropped with it.
        var rest = Substring(String(String.UnicodeScalarView(text.unicodeScalars.filter { !$0.properties.isWhitespace })))
        if rest.lowercased().hasPrefix(Self.scheme) { rest = rest.dropFirst(Self.scheme.count) }
        guard let at = rest.firstIndex(of: "@") else {
            throw ProtocolError(.invalidValue, "an address is NODE-ID@host:port; \"\(text)\" has no @")
        }
        id = try NodeID(parsing: String(rest[..<at]))
        endpoint = try Endpoint(parsing: String(rest[rest.index(after: at)...]))
    }

    public var description: String { "\(id)@\(endpoint)" }
}
