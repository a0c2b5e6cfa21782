/// An error from the crypto layer. The `code` says what went wrong in a way callers can match on;
/// the message is for people. New codes are added as static members of `Code`.
public struct CryptoError: CodedError, Equatable {
    public typealias Code = ErrorCode<CryptoError>

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

}

extension ErrorCode where Domain == CryptoError {
    /// Key bytes of the wrong length, or not a key of the expected algorithm.
    public static var invalidKey: Self { Self("invalid-key") }
    /// A public key Vouch refuses by policy: a non-canonical encoding or a point of small order.
    public static var weakKey: Self { Self("weak-key") }
    /// A signature of the wrong length.
    public static var invalidSignature: Self { Self("invalid-signature") }
    /// A key file that is not a PEM private key we can read (truncated, edited, wrong type).
    public static var keyFileCorrupt: Self { Self("key-file-corrupt") }
    /// The key file is encrypted and no passphrase was given.
    public static var passphraseRequired: Self { Self("passphrase-required") }
    /// The key file is encrypted and the passphrase given does not decrypt it.
    public static var wrongPassphrase: Self { Self("wrong-passphrase") }
    /// A certificate that cannot be parsed or does not hold an Ed25519 key.
    public static var invalidCertificate: Self { Self("invalid-certificate") }
    /// OpenSSL failed in a way that is not the caller's fault.
    public static var openssl: Self { Self("openssl") }
}
