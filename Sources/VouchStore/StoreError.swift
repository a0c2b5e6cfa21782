public import VouchCrypto

/// Why the node home or its database could not be used. Codes are stable (`--json` output).
public struct StoreError: CodedError, Equatable {
    public typealias Code = ErrorCode<StoreError>

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

}

extension ErrorCode where Domain == StoreError {
    /// No node home (or no identity in it) where one was expected.
    public static var notInitialized: Self { Self("not-initialized") }
    /// `init` on a home that already has an identity.
    public static var alreadyInitialized: Self { Self("already-initialized") }
    /// A home left half-made by an interrupted `init`.
    public static var incomplete: Self { Self("incomplete") }
    /// A key file or socket that others can read, or owned by another user.
    public static var insecurePermissions: Self { Self("insecure-permissions") }
    /// The node home (or a file in it) exists but this user may not read it: another user's node.
    public static var permissionDenied: Self { Self("permission-denied") }
    /// A file could not be read or written.
    public static var io: Self { Self("io") }
    /// The config file is not valid.
    public static var invalidConfig: Self { Self("invalid-config") }
    /// The key file does not hold the identity recorded in the database.
    public static var keyMismatch: Self { Self("key-mismatch") }
    /// SQLite failed.
    public static var database: Self { Self("database") }
    /// A write would move a version counter backwards.
    public static var staleVersion: Self { Self("stale-version") }
    /// Too many writes are waiting for the database (`GroupCommit`); try again later.
    public static var busy: Self { Self("busy") }
}
