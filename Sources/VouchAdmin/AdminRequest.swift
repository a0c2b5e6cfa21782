/// One authenticated request, as the node's handler sees it. Authentication and `events.follow`
/// never reach the handler: the server answers them itself.
public struct AdminRequest: Sendable {
    public let method: String
    /// Always present: a request without `params` (or with `null`) gets an empty object, so a
    /// handler can read members without checking for absence twice.
    public let params: JSONValue

    public init(method: String, params: JSONValue = [:]) {
        self.method = method
        self.params = params.isNull ? [:] : params
    }
}

/// The node's side of the admin API. Throw ``AdminError`` to answer with a code; any other error
/// becomes `internal` on the wire (with the detail only in the daemon's log).
public typealias AdminHandler = @Sendable (AdminRequest) async throws -> JSONValue
