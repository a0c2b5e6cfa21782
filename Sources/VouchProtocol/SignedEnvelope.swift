public import VouchCrypto

/// The one envelope every signed Vouch document travels in (Protocol/envelope.md):
///
///     envelope        = [type: text, format: uint, signer: bytes .size 32, payload: bytes, signature: bytes .size 64]
///     signature input = canonical CBOR of ["vouch signed document v1", type, format, signer, payload]
///
/// The payload is itself canonical CBOR whose schema the type defines. Signing exact payload
/// bytes means a reader never re-encodes anything to check a signature.
public struct SignedEnvelope: Sendable, Equatable {
    /// Separates these signatures from any other use of an identity key (TLS signs with its own
    /// context string) and lets a later envelope format change the string.
    public static let signatureContext = "vouch signed document v1"
    /// The largest encoded envelope accepted from anyone (64 KiB).
    public static let maximumEncodedSize = 65_536

    public let type: String
    /// The version of the payload schema for this type (not a profile's own version counter).
    public let formatVersion: UInt64
    public let signer: NodeID
    public let payload: [UInt8]
    public let signature: [UInt8]

    /// Signs `payload` as a document of `type`/`version` with `key`.
    public init(signing payload: [UInt8], type: DocumentType, formatVersion: UInt64, with key: Ed25519PrivateKey) throws {
        self.type = type.name
        self.formatVersion = formatVersion
        self.signer = NodeID(publicKey: key.publicKey)
        self.payload = payload
        self.signature = try key.signature(for: Self.signatureInput(type: type.name, formatVersion: formatVersion,
                                                                    signer: key.publicKey.rawRepresentation, payload: payload))
    }

    /// The exact bytes the signature covers.
    public static func signatureInput(type: String, formatVersion: UInt64, signer: [UInt8], payload: [UInt8]) -> [UInt8] {
        CBORValue.array([.text(signatureContext), .text(type), .unsigned(formatVersion), .bytes(signer), .bytes(payload)]).encoded
    }

    public var encoded: [UInt8] {
        CBORValue.array([.text(type), .unsigned(formatVersion), .bytes(signer.rawRepresentation), .bytes(payload), .bytes(signature)]).encoded
    }

    /// Parses an envelope and verifies its signature. The payload is not interpreted here; a
    /// verified envelope only says who signed which bytes under which type.
    ///
    /// A well-formed envelope is read in place (`SignedEnvelopeLayout`); anything else is decoded
    /// by `CBORValue(canonical:)`, which says what is wrong, with the same checks in the same order.
    public init(verifying bytes: [UInt8]) throws {
        guard bytes.count <= Self.maximumEncodedSize else {
            throw ProtocolError(.tooLarge, "a signed document is at most \(Self.maximumEncodedSize) bytes, this is \(bytes.count)")
        }
        if let layout = SignedEnvelopeLayout(bytes) {
            try self.init(type: layout.type, formatVersion: layout.formatVersion, signer: Array(bytes[layout.signer]),
                          payload: Array(bytes[layout.payload]), signature: Array(bytes[layout.signature]),
                          signatureInput: { layout.signatureInput(bytes) })
        } else {
            try self.init(decoding: bytes)
        }
    }

    /// The general path of `init(verifying:)`: decodes the whole envelope as `CBORValue`s first.
    private init(decoding bytes: [UInt8]) throws {
        guard case .array(let items) = try CBORValue(canonical: bytes) else {
            throw ProtocolError(.malformed, "a signed document is a CBOR array of five items")
        }
        guard items.count == 5 else {
            throw ProtocolError(.malformed, "a signed document is a CBOR array of five items, this has \(items.count)")
        }
        guard case .text(let type) = items[0], case .unsigned(let formatVersion) = items[1],
              case .bytes(let signer) = items[2], case .bytes(let payload) = items[3],
              case .bytes(let signature) = items[4] else {
            throw ProtocolError(.malformed, "a signed document is [type: text, format: uint, signer: bytes, payload: bytes, signature: bytes]")
        }
        try self.init(type: type, formatVersion: formatVersion, signer: signer, payload: payload, signature: signature,
                      signatureInput: { Self.signatureInput(type: type, formatVersion: formatVersion, signer: signer, payload: payload) })
    }

    /// The checks after decoding, shared by both paths: sizes, the signer's key policy, the
    /// signature over `signatureInput()` (made only once the key is accepted).
    private init(type: String, formatVersion: UInt64, signer: [UInt8], payload: [UInt8], signature: [UInt8],
                 signatureInput: () -> [UInt8]) throws {
        guard signer.count == Ed25519.publicKeyByteCount else {
            throw ProtocolError(.malformed, "the signer is a 32-byte Ed25519 key, this is \(signer.count) bytes")
        }
        guard signature.count == Ed25519.signatureByteCount else {
            throw ProtocolError(.malformed, "the signature is 64 bytes, this is \(signature.count)")
        }
        let key: Ed25519PublicKey
        do {
            key = try Ed25519PublicKey(rawRepresentation: signer)
        } catch let error as CryptoError {
            throw ProtocolError(.weakKey, "the signer key is refused: \(error.message)")
        }
        guard key.isValidSignature(signature, for: signatureInput()) else {
            throw ProtocolError(.badSignature, "the signature does not verify: the document was changed or not signed by \(NodeID(publicKey: key))")
        }
        self.type = type
        self.formatVersion = formatVersion
        self.signer = NodeID(publicKey: key)
        self.payload = payload
        self.signature = signature
    }

    /// The known type and a supported version, or the error saying why not.
    public func documentType() throws -> DocumentType {
        guard let known = DocumentType.named(type) else {
            throw ProtocolError(.unknownDocumentType, "the document type \"\(type)\" is not known to this version of Vouch")
        }
        guard known.versions.contains(formatVersion) else {
            throw ProtocolError(.unsupportedVersion, "\(type) format \(formatVersion) is not supported (this version reads \(known.versions))")
        }
        return known
    }

    /// Requires the envelope to be of `expected` type in a supported version.
    public func require(_ expected: DocumentType) throws {
        let actual = try documentType()
        guard actual == expected else {
            throw ProtocolError(.unexpectedDocumentType, "expected a \(expected.name) document, got \(type)")
        }
    }
}
