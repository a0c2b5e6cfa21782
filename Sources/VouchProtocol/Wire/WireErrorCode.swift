/// The codes of `error` replies (Protocol/transport.md §Errors). Stable strings; a receiver
/// treats an unknown code like `internal`.
public struct WireErrorCode: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The frame is not a valid message (CBOR, header fields). The session is closed after it.
    public static let malformed = WireErrorCode(rawValue: "malformed")
    /// The frame is larger than the limit. The session is closed after it.
    public static let tooLarge = WireErrorCode(rawValue: "too-large")
    /// The message type is not known to the receiver.
    public static let unknownType = WireErrorCode(rawValue: "unknown-type")
    /// The protocol version in the header is not one the receiver speaks.
    public static let unsupportedVersion = WireErrorCode(rawValue: "unsupported-version")
    /// The message names another node as its recipient.
    public static let wrongRecipient = WireErrorCode(rawValue: "wrong-recipient")
    /// The message expired before it arrived, or its lifetime exceeds the limit.
    public static let expired = WireErrorCode(rawValue: "expired")
    /// The sender's clock is too far ahead (sent_at in the future).
    public static let clockSkew = WireErrorCode(rawValue: "clock-skew")
    /// The body is not valid for its type (for example a document that does not verify).
    public static let invalidBody = WireErrorCode(rawValue: "invalid-body")
    /// The receiver is over a limit; try later.
    public static let busy = WireErrorCode(rawValue: "busy")
    /// The receiver failed; nothing about the message is implied.
    public static let `internal` = WireErrorCode(rawValue: "internal")

    public var description: String { rawValue }
}
