/// An error from the crypto layer. The `code` says what went wrong in a way callers can match on;
/// the message is for people. New codes can be added without breaking callers (the enum is private).
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidKey = "invalid-key"
            case weakKey = "weak-key"
            case invalidSignature = "invalid-signature"
            case keyFileCorrupt = "key-file-corrupt"
            case passphraseRequired = "passphrase-required"
            case wrongPassphrase = "wrong-passphrase"
            case invalidCertificate = "invalid-certificate"
            case openssl = "openssl"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Key bytes of the wrong length, or not a key of the expected algorithm.
        public static let invalidKey = Code(.invalidKey)
        /// A public key Vouch refuses by policy: a non-canonical encoding or a point of small order.
        public static let weakKey = Code(.weakKey)
        /// A signature of the wrong length.
        public static let invalidSignature = Code(.invalidSignature)
        /// A key file that is not a PEM private key we can read (truncated, edited, wrong type).
        public static let keyFileCorrupt = Code(.keyFileCorrupt)
        /// The key file is encrypted and no passphrase was given.
        public static let passphraseRequired = Code(.passphraseRequired)
        /// The key file is encrypted and the passphrase given does not decrypt it.
        public static let wrongPassphrase = Code(.wrongPassphrase)
        /// A certificate that cannot be parsed or does not hold an Ed25519 key.
        public static let invalidCertificate = Code(.invalidCertificate)
        /// OpenSSL failed in a way that is not the caller's fault.
        public static let openssl = Code(.openssl)

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
