public import VouchCrypto

/// Why a document, ID or message was refused. Codes are stable strings (they appear in
/// `--json` output and, later, in error replies on the wire); messages name what is wrong.
public struct ProtocolError: CodedError, Equatable {
    public typealias Code = ErrorCode<ProtocolError>

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

}

extension ErrorCode where Domain == ProtocolError {
    /// Bytes that are not valid Vouch canonical CBOR, or not the shape the spec requires.
    public static var malformed: Self { Self("malformed") }
    /// The input ends inside an item.
    public static var truncated: Self { Self("truncated") }
    /// Bytes follow a complete document.
    public static var trailingBytes: Self { Self("trailing-bytes") }
    /// Larger than the limit for its kind.
    public static var tooLarge: Self { Self("too-large") }
    /// Valid CBOR, but not the one canonical encoding (long-form length, unsorted map keys, duplicates).
    public static var nonCanonical: Self { Self("non-canonical") }
    /// A field this version of the document does not define.
    public static var unknownField: Self { Self("unknown-field") }
    /// A required field is absent.
    public static var missingField: Self { Self("missing-field") }
    /// A field holds the wrong kind of value.
    public static var wrongType: Self { Self("wrong-type") }
    /// A text field is longer than its limit.
    public static var fieldTooLong: Self { Self("field-too-long") }
    /// Text that is not valid UTF-8 or holds characters the field does not allow.
    public static var invalidText: Self { Self("invalid-text") }
    /// A value outside its allowed set or range.
    public static var invalidValue: Self { Self("invalid-value") }
    /// An integer outside its field's range (Protocol/encoding.md §Integer ranges).
    public static var outOfRange: Self { Self("out-of-range") }
    /// The signature does not verify for the signer and signed bytes.
    public static var badSignature: Self { Self("bad-signature") }
    /// A document type this implementation does not know.
    public static var unknownDocumentType: Self { Self("unknown-document-type") }
    /// A known document type in a version this implementation does not read.
    public static var unsupportedVersion: Self { Self("unsupported-version") }
    /// A valid document of a type other than the one the caller asked for.
    public static var unexpectedDocumentType: Self { Self("unexpected-document-type") }
    /// Text armor around a document that is not exactly the specified form.
    public static var invalidArmor: Self { Self("invalid-armor") }
    /// A node ID that does not parse (length, characters, check characters).
    public static var invalidNodeID: Self { Self("invalid-node-id") }
    /// A public key refused by the key policy (small order, non-canonical).
    public static var weakKey: Self { Self("weak-key") }
    /// A document whose validity ended (`now` at or after its `expires`), or an acceptance made
    /// at or after the invitation's `expires` (Protocol/invitations.md).
    public static var expired: Self { Self("expired") }
    /// A document dated more than the tolerated clock skew ahead of the reader's clock.
    public static var clockSkew: Self { Self("clock-skew") }
    /// A document addressed to another node (an invitation whose invitee is not the reader).
    public static var wrongRecipient: Self { Self("wrong-recipient") }
    /// A document signed by another key than the one its role requires (a card not the
    /// inviter's, an acceptance not the invitee's, a removal by neither side).
    public static var signerMismatch: Self { Self("signer-mismatch") }
    /// An invitation whose invitee is its own signer.
    public static var selfInvitation: Self { Self("self-invitation") }
}
