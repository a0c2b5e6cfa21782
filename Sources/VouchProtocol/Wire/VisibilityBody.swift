/// `visibility`: `{document: bstr, token: bstr .size 32}`: the sender's signed `vouch.visibility`
/// statement for a connection with the receiver, and the sender's mutual token, which lets the
/// receiver take part in private set intersections about the sender (Protocol/disclosure.md
/// §Mutual connections). The token is not signed into the statement: the statement may be shown
/// to others as evidence of consent, the token must not.
public struct VisibilityBody: Sendable, Equatable {
    public static let tokenByteCount = 32
    public var document: [UInt8]
    public var token: [UInt8]

    public init(document: [UInt8], token: [UInt8]) {
        self.document = document
        self.token = token
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "visibility")
        document = try fields.bytes("document")
        token = try fields.bytes("token", count: Self.tokenByteCount)
        try fields.finish()
    }

    public var value: CBORValue { .map(["document": .bytes(document), "token": .bytes(token)]) }
}
