/// Where the five items of a well-formed envelope lie in its bytes, found without building any
/// `CBORValue` (Protocol/envelope.md).
///
/// Why: a node verifies most documents once, with a key it has never seen (issue 10's cold path),
/// and decoding the envelope into `CBORValue`s and then re-encoding the signature input made about
/// twenty allocations per document: the array of items, a box per item, a copy of each string,
/// then the same again for the signature input. Canonical CBOR has one byte form, so the signature
/// input (`["vouch signed document v1", type, format, signer, payload]`) is a fixed prefix followed
/// by the envelope's own bytes from the type to the end of the payload, copied once.
///
/// The layout is found with the same `CBORReader` head and string rules as `CBORValue(canonical:)`
/// and only when the envelope has exactly the expected shape: an array head of five, then text,
/// unsigned, bytes, bytes, bytes, valid UTF-8, nothing after. Anything else gives nil, and the
/// caller decodes with `CBORValue(canonical:)` as before, so every refusal keeps its error code,
/// message and order (the generic decoder reports the first problem in reading order, which may lie
/// anywhere in the input).
struct SignedEnvelopeLayout {
    /// The type text, already checked as UTF-8.
    let type: String
    let formatVersion: UInt64
    /// The content (after the head) of each byte string.
    let signer: Range<Int>
    let payload: Range<Int>
    let signature: Range<Int>
    /// The encoded items type, format, signer and payload: the last four items of the signature input.
    let signedItems: Range<Int>

    init?(_ bytes: [UInt8]) {
        var reader = CBORReader(bytes: bytes, maximumDepth: 16)
        guard let count = reader.head(ofMajor: 4), count == 5 else { return nil }
        let typeStart = reader.offset
        guard let typeLength = reader.head(ofMajor: 3), let typeRange = try? reader.skip(typeLength),
              let type = String(validating: bytes[typeRange], as: UTF8.self),
              let formatVersion = reader.head(ofMajor: 0),
              let signer = reader.byteString(),
              let payload = reader.byteString(),
              let signature = reader.byteString(),
              reader.offset == bytes.count else {
            return nil
        }
        self.type = type
        self.formatVersion = formatVersion
        self.signer = signer
        self.payload = payload
        self.signature = signature
        self.signedItems = typeStart..<payload.upperBound
    }

    /// `[0x85] + canonical("vouch signed document v1")`: the array head and first item of every
    /// signature input.
    static let signatureInputPrefix: [UInt8] = [0x85] + CBORValue.text(SignedEnvelope.signatureContext).encoded

    /// The exact bytes the signature covers, equal to `SignedEnvelope.signatureInput(…)` of the
    /// decoded items (the envelope is canonical, so re-encoding its items gives back its bytes).
    func signatureInput(_ bytes: [UInt8]) -> [UInt8] {
        let prefix = Self.signatureInputPrefix
        var input: [UInt8] = []
        input.reserveCapacity(prefix.count + signedItems.count)
        input += prefix
        input += bytes[signedItems]
        return input
    }
}

extension CBORReader {
    /// The argument of the next head if it is canonical and of major type `major`, else nil.
    fileprivate mutating func head(ofMajor major: UInt8) -> UInt64? {
        guard let head = try? readHead(), head.major == major else { return nil }
        return head.argument
    }

    /// Where the content of the next byte string lies, or nil if the next item is not one.
    fileprivate mutating func byteString() -> Range<Int>? {
        guard let count = head(ofMajor: 2) else { return nil }
        return try? skip(count)
    }
}
