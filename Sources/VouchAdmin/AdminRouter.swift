/// A table from method names to handlers, so the node registers each method in one place and
/// an unknown name gets `unknown-method` the same way everywhere.
public struct AdminRouter: Sendable {
    private var routes: [String: AdminHandler] = [:]

    /// Methods the server answers itself; a handler for them would never run.
    static let reserved: Set<String> = [AuthRequest.name, EventsFollowRequest.name]

    public init() {}

    /// Registers `body` as the handler of `Method`: the request line's params are decoded as a
    /// `Method` (a missing or mistyped member is answered with `invalid-params` before `body`
    /// runs) and what `body` returns is the result. Registering a method twice is a bug.
    public mutating func register<Method: AdminMethod>(
        _ method: Method.Type, _ body: @escaping @Sendable (Method) async throws -> Method.Response
    ) {
        register(Method.name) { request in
            let decoded = try Method.decode(params: request.params)
            return try JSONValue(encoding: try await body(decoded))
        }
    }

    /// Registers an untyped handler: for the admin module's own tests of the transport.
    package mutating func register(_ method: String, _ body: @escaping AdminHandler) {
        precondition(!Self.reserved.contains(method), "\(method) is answered by the server itself")
        precondition(routes[method] == nil, "the admin method \(method) is registered twice")
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

    /// Calls the handler of `request`'s method in this process, through the same encoding and
    /// decoding as a request from a socket (for tests and in-process tools).
    public func call<Method: AdminMethod>(_ request: Method) async throws -> Method.Response {
        let result = try await handler(AdminRequest(method: Method.name, params: try JSONValue(encoding: request)))
        return try Method.decode(result: result)
    }
}
