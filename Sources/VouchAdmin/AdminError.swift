public import VouchCrypto

/// An admin API failure: what goes on the wire as `{"error":{"code":…,"message":…}}`, what the
/// client throws, and what the server throws when it refuses to start.
///
/// Its codes are a closed set, ``Reason``, shared by the daemon and the CLI: the CLI maps every
/// one to an exit status in a switch without `default`, so a code added here does not compile
/// until it has a status. `code` is the same reason in the project's one error-code form
/// (`ErrorCode`, `CodedError`), for code that handles every domain alike (`--json` output).
public struct AdminError: CodedError, Hashable {
    public typealias Code = ErrorCode<AdminError>

    public let reason: Reason
    /// One line for a person; never contains secrets.
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var code: Code { Code(reason.rawValue) }

    /// Every admin error code. The raw values are stable: scripts depend on them
    /// (Docs/admin-api.md lists them).
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        // On the wire, from the server itself.
        /// A request other than `auth` came before a successful `auth`.
        case unauthenticated
        /// The cookie in `auth` is missing or wrong.
        case authFailed = "auth-failed"
        /// A line that is not a JSON request object; from the client, an answer it cannot read.
        case malformed
        /// A request line longer than 1 MiB (or, at the client, an answer longer than 64 MiB).
        case tooLarge = "too-large"
        /// No handler for the method.
        case unknownMethod = "unknown-method"
        /// The params do not fit the method.
        case invalidParams = "invalid-params"
        /// The handler failed in a way it did not describe; the daemon's log has the detail.
        case `internal`

        // On the wire, from the node's methods.
        /// An address that is not `NODE-ID@host:port`.
        case invalidAddress = "invalid-address"
        /// The address is this node's own: it does not send to or ping itself.
        case ownAddress = "own-address"
        /// `card.send` before the profile has been set.
        case emptyProfile = "empty-profile"
        /// The peer cannot be reached now (refused, no answer, does not resolve, timed out).
        case unreachable
        /// Another key answered at the endpoint.
        case peerKeyMismatch = "peer-key-mismatch"
        /// The TLS handshake failed otherwise.
        case tlsFailed = "tls-failed"
        /// The peer answered with an error message.
        case peerError = "peer-error"
        /// No invitation, connection or blocked node by that name.
        case notFound = "not-found"
        /// A prefix that names more than one connection: type more of it.
        case ambiguous
        /// The owner's own profile has no endpoint: an invitee's node could not answer.
        case noEndpoint = "no-endpoint"
        /// `invitation.send` to someone whose invitation waits in the inbox: accept theirs instead
        /// (Protocol/invitations.md §8).
        case invitationPending = "invitation-pending"
        /// An invitation to that node is already pending.
        case alreadyInvited = "already-invited"
        // The lifecycle's refusals of an owner command (Protocol/invitations.md §10, `InvitationFlowError`).
        case invitationExpired = "invitation-expired"
        case invitationWithdrawn = "invitation-withdrawn"
        case alreadyAnswered = "already-answered"
        case alreadyConnected = "already-connected"
        case questionOpen = "question-open"
        case noOpenQuestion = "no-open-question"
        case threadFull = "thread-full"
        /// Introductions (Protocol/introductions.md): the introducer did not pass the request on;
        /// the request was already forwarded or declined; the introducer is not connected to
        /// the person asked for, so it can only decline.
        case notForwarded = "not-forwarded"
        case alreadyForwarded = "already-forwarded"
        case notConnectedToTarget = "not-connected-to-target"

        // From the client, before or instead of a server answer.
        /// Nothing listens on the socket, or the socket or cookie does not exist.
        case daemonNotRunning = "daemon-not-running"
        /// The socket or cookie exists but this user may not use it.
        case permissionDenied = "permission-denied"
        /// The daemon closed the connection before answering.
        case connectionClosed = "connection-closed"
        /// An event stream was cut because its reader fell behind.
        case eventsDropped = "events-dropped"

        // From the server, when it refuses to start.
        /// The socket's or cookie's directory is open to group or others, or owned by another user.
        case insecurePermissions = "insecure-permissions"
        /// Another daemon already answers on the socket.
        case alreadyRunning = "already-running"
        /// A file or socket operation failed.
        case io
    }

    /// What a handler throws for a method it does not know.
    public static func unknownMethod(_ method: String) -> AdminError {
        AdminError(.unknownMethod, "no method named \"\(method)\"")
    }

    /// What a handler throws when the params are not what the method takes.
    public static func invalidParams(_ message: String) -> AdminError {
        AdminError(.invalidParams, message)
    }
}
