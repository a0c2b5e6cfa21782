/// An admin API failure with a stable, machine-readable code: what goes on the wire as
/// `{"error":{"code":…,"message":…}}`, what the client throws, and what the server throws when
/// it refuses to start.
///
/// `Code` is an open set of strings rather than a closed enum: the node's handlers define codes of
/// their own (`not-found`, `invalid-note`, …) and the client must carry any code a newer daemon
/// sends. The codes this module itself produces are the static members below; scripts depend on
/// them, so they never change (Docs/admin-api.md lists them).
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String

        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }

        public var description: String { rawValue }

        // On the wire, from the server.
        /// A request other than `auth` came before a successful `auth`.
        public static let unauthenticated: Code = "unauthenticated"
        /// The cookie in `auth` is missing or wrong.
        public static let authFailed: Code = "auth-failed"
        /// A line that is not a JSON request object.
        public static let malformed: Code = "malformed"
        /// A request line longer than 1 MiB.
        public static let tooLarge: Code = "too-large"
        /// No handler for the method.
        public static let unknownMethod: Code = "unknown-method"
        /// The params do not fit the method.
        public static let invalidParams: Code = "invalid-params"
        /// The handler failed in a way it did not describe; the daemon's log has the detail.
        public static let `internal`: Code = "internal"

        // From the client, before or instead of a server answer.
        /// Nothing listens on the socket, or the socket or cookie does not exist.
        public static let daemonNotRunning: Code = "daemon-not-running"
        /// The socket or cookie exists but this user may not use it.
        public static let permissionDenied: Code = "permission-denied"
        /// The daemon closed the connection before answering.
        public static let connectionClosed: Code = "connection-closed"
        /// An event stream was cut because its reader fell behind.
        public static let eventsDropped: Code = "events-dropped"

        // From the server, when it refuses to start.
        /// The socket's or cookie's directory is open to group or others, or owned by another user.
        public static let insecurePermissions: Code = "insecure-permissions"
        /// Another daemon already answers on the socket.
        public static let alreadyRunning: Code = "already-running"
        /// A file or socket operation failed.
        public static let io: Code = "io"
    }

    public let code: Code
    /// One line for a person; never contains secrets.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// What a handler throws for a method it does not know.
    public static func unknownMethod(_ method: String) -> AdminError {
        AdminError(.unknownMethod, "no method named \"\(method)\"")
    }

    /// What a handler throws when the params are not what the method takes.
    public static func invalidParams(_ message: String) -> AdminError {
        AdminError(.invalidParams, message)
    }
}
