/// Why the node home or its database could not be used. Codes are stable (`--json` output).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notInitialized = "not-initialized", alreadyInitialized = "already-initialized"
            case incomplete, insecurePermissions = "insecure-permissions", io
            case invalidConfig = "invalid-config", keyMismatch = "key-mismatch", database
            case staleVersion = "stale-version"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No node home (or no identity in it) where one was expected.
        public static let notInitialized = Code(.notInitialized)
        /// `init` on a home that already has an identity.
        public static let alreadyInitialized = Code(.alreadyInitialized)
        /// A home left half-made by an interrupted `init`.
        public static let incomplete = Code(.incomplete)
        /// A key file or socket that others can read, or owned by another user.
        public static let insecurePermissions = Code(.insecurePermissions)
        /// A file could not be read or written.
        public static let io = Code(.io)
        /// The config file is not valid.
        public static let invalidConfig = Code(.invalidConfig)
        /// The key file does not hold the identity recorded in the database.
        public static let keyMismatch = Code(.keyMismatch)
        /// SQLite failed.
        public static let database = Code(.database)
        /// A write would move a version counter backwards.
        public static let staleVersion = Code(.staleVersion)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
