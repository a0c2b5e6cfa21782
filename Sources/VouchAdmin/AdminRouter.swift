/// A table from method names to handlers, so the node registers each command in one place and
/// an unknown name gets `unknown-method` the same way everywhere.
public struct AdminRouter: Sendable {
    private var routes: [String: AdminHandler] = [:]

    public init() {}

    /// Registers `body` for `method`, replacing an earlier registration.
    public mutating func register(_ method: String, _ body: @escaping AdminHandler) {
        routes[method] = body
    }

    /// The method names registered, sorted: for a `help` or `methods` command.
    public var methods: [String] { routes.keys.sorted() }

    /// The handler to give to ``AdminServer``.
    public var handler: AdminHandler {
        let routes = self.routes
        return { request in
            guard let body = routes[request.method] else { throw AdminError.unknownMethod(request.method) }
            return try await body(request)
        }
    }
}
