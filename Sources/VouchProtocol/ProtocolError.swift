/// Why a document, ID or message was refused. Codes are stable strings (they appear in
/// `--json` output and, later, in error replies on the wire); messages name what is wrong.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case malformed, truncated, trailingBytes = "trailing-bytes", tooLarge = "too-large"
            case nonCanonical = "non-canonical", unknownField = "unknown-field", missingField = "missing-field"
            case wrongType = "wrong-type", fieldTooLong = "field-too-long", invalidText = "invalid-text"
            case invalidValue = "invalid-value", badSignature = "bad-signature", unknownDocumentType = "unknown-document-type"
            case unsupportedVersion = "unsupported-version", unexpectedDocumentType = "unexpected-document-type"
            case invalidArmor = "invalid-armor", invalidNodeID = "invalid-node-id", weakKey = "weak-key"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Bytes that are not valid Vouch canonical CBOR, or not the shape the spec requires.
        public static let malformed = Code(.malformed)
        /// The input ends inside an item.
        public static let truncated = Code(.truncated)
        /// Bytes follow a complete document.
        public static let trailingBytes = Code(.trailingBytes)
        /// Larger than the limit for its kind.
        public static let tooLarge = Code(.tooLarge)
        /// Valid CBOR, but not the one canonical encoding (long-form length, unsorted map keys, duplicates).
        public static let nonCanonical = Code(.nonCanonical)
        /// A field this version of the document does not define.
        public static let unknownField = Code(.unknownField)
        /// A required field is absent.
        public static let missingField = Code(.missingField)
        /// A field holds the wrong kind of value.
        public static let wrongType = Code(.wrongType)
        /// A text field is longer than its limit.
        public static let fieldTooLong = Code(.fieldTooLong)
        /// Text that is not valid UTF-8 or holds characters the field does not allow.
        public static let invalidText = Code(.invalidText)
        /// A value outside its allowed set or range.
        public static let invalidValue = Code(.invalidValue)
        /// The signature does not verify for the signer and signed bytes.
        public static let badSignature = Code(.badSignature)
        /// A document type this implementation does not know.
        public static let unknownDocumentType = Code(.unknownDocumentType)
        /// A known document type in a version this implementation does not read.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// A valid document of a type other than the one the caller asked for.
        public static let unexpectedDocumentType = Code(.unexpectedDocumentType)
        /// Text armor around a document that is not exactly the specified form.
        public static let invalidArmor = Code(.invalidArmor)
        /// A node ID that does not parse (length, characters, check characters).
        public static let invalidNodeID = Code(.invalidNodeID)
        /// A public key refused by the key policy (small order, non-canonical).
        public static let weakKey = Code(.weakKey)

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
