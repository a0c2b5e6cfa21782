import VouchCrypto

/// A 16-byte random message ID: unique per sender, the key for replies, acks and duplicates.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 16
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw ProtocolError(.invalidValue, "a message ID is \(Self.byteCount) bytes, this is \(bytes.count)")
        }
        self.bytes = bytes
    }

    public static func random() -> MessageID { try! MessageID(bytes: SecureRandom.bytes(byteCount)) }

    public var description: String { Hex.encode(bytes) }
}

/// One message on a session: a header and a body (Protocol/transport.md §Messages).
///
///     {
///       "body": any,                 ; the type's body
///       "expires_at": uint,          ; Unix milliseconds; the message is void afterwards
///       "id": bytes .size 16,
///       "reply_to": bytes .size 16,  ; optional: the message this answers
///       "sent_at": uint,             ; Unix milliseconds
///       "to": bytes .size 32,        ; the recipient's node key
///       "type": text,
///       "version": 1
///     }
public struct WireMessage: Sendable, Equatable {
    public static let protocolVersion: UInt64 = 1

    public var id: MessageID
    public var type: String
    public var replyTo: MessageID?
    public var sentAt: UInt64
    public var expiresAt: UInt64
    public var recipient: [UInt8]
    public var body: CBORValue

    public init(id: MessageID = .random(), type: WireMessageType, replyTo: MessageID? = nil, sentAt: UInt64,
                expiresAt: UInt64, recipient: NodeID, body: CBORValue = .map([:])) {
        self.init(id: id, rawType: type.rawValue, replyTo: replyTo, sentAt: sentAt, expiresAt: expiresAt,
                  recipient: recipient.rawRepresentation, body: body)
    }

    public init(id: MessageID, rawType: String, replyTo: MessageID?, sentAt: UInt64, expiresAt: UInt64,
                recipient: [UInt8], body: CBORValue) {
        self.id = id
        self.type = rawType
        self.replyTo = replyTo
        self.sentAt = sentAt
        self.expiresAt = expiresAt
        self.recipient = recipient
        self.body = body
    }

    public var knownType: WireMessageType? { WireMessageType(rawValue: type) }

    public var encoded: [UInt8] {
        var map: [String: CBORValue] = [
            "body": body, "expires_at": .unsigned(expiresAt), "id": .bytes(id.bytes), "sent_at": .unsigned(sentAt),
            "to": .bytes(recipient), "type": .text(type), "version": .unsigned(Self.protocolVersion),
        ]
        if let replyTo { map["reply_to"] = .bytes(replyTo.bytes) }
        return CBORValue.map(map).encoded
    }

    /// Why a frame could not be read as a message, with the message's ID when it could be
    /// found, so the error reply can name what it answers.
    public struct DecodingFailure: Error, Sendable, Equatable {
        public let code: WireErrorCode
        public let message: String
        public let messageID: MessageID?
    }

    public init(decoding bytes: [UInt8]) throws(DecodingFailure) {
        let value: CBORValue
        do {
            value = try CBORValue(canonical: bytes, maximumDepth: 16)
        } catch {
            throw DecodingFailure(code: .malformed, message: "not canonical CBOR: \(error)", messageID: nil)
        }
        guard case .map(let entries) = value else {
            throw DecodingFailure(code: .malformed, message: "a message is a CBOR map", messageID: nil)
        }
        var messageID: MessageID?
        if case .bytes(let raw)? = entries["id"] { messageID = try? MessageID(bytes: raw) }
        do {
            var fields = try CBORFields(value, context: "message")
            // Any version number is read, so that one this node does not speak is named as such.
            let version = try fields.unsigned("version", in: 0...UInt64.max)
            guard version == Self.protocolVersion else {
                throw DecodingFailure(code: .unsupportedVersion,
                                      message: "protocol version \(version) is not spoken here (this node speaks \(Self.protocolVersion))",
                                      messageID: messageID)
            }
            id = try MessageID(bytes: try fields.bytes("id"))
            type = try fields.text("type")
            if let reply = fields.take("reply_to") {
                guard case .bytes(let raw) = reply else { throw ProtocolError(.wrongType, "message.reply_to must be a byte string") }
                replyTo = try MessageID(bytes: raw)
            } else {
                replyTo = nil
            }
            sentAt = try fields.unsigned("sent_at")
            expiresAt = try fields.unsigned("expires_at")
            recipient = try fields.bytes("to", count: 32)
            body = try fields.require("body")
            try fields.finish()
        } catch let failure as DecodingFailure {
            throw failure
        } catch let error as ProtocolError {
            throw DecodingFailure(code: .malformed, message: error.message, messageID: messageID)
        } catch {
            throw DecodingFailure(code: .malformed, message: "\(error)", messageID: messageID)
        }
    }
}

/// The body of an `error` message: `{code: text, message: text}`.
public struct WireErrorBody: Sendable, Equatable {
    public var code: WireErrorCode
    public var message: String

    public init(code: WireErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var value: CBORValue { .map(["code": .text(code.rawValue), "message": .text(message)]) }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "error")
        code = WireErrorCode(rawValue: try fields.text("code"))
        message = try fields.text("message")
        try fields.finish()
    }
}

/// The checks every inbound message passes before its type is looked at (Protocol/transport.md
/// §Receiving). Duplicates are the store's business: it knows which IDs it has processed.
public enum InboundMessagePolicy {
    public enum Verdict: Sendable, Equatable {
        case accept(WireMessageType)
        case reject(WireErrorCode, String)
    }

    public static func check(_ message: WireMessage, localNode: NodeID, nowMilliseconds now: UInt64,
                             limits: TransportLimits = .default) -> Verdict {
        guard message.recipient == localNode.rawRepresentation else {
            return .reject(.wrongRecipient, "this message is for another node, not \(localNode.shortForm)")
        }
        guard message.expiresAt > message.sentAt,
              message.expiresAt - message.sentAt <= UInt64(limits.maximumMessageLifetime.milliseconds) else {
            return .reject(.expired, "the message's lifetime is not between 0 and \(limits.maximumMessageLifetime)")
        }
        guard message.sentAt <= now + UInt64(limits.maximumClockSkew.milliseconds) else {
            return .reject(.clockSkew, "sent_at is more than \(limits.maximumClockSkew) ahead of this node's clock")
        }
        guard message.expiresAt > now else {
            return .reject(.expired, "the message expired \(now - message.expiresAt) ms ago")
        }
        guard let type = message.knownType else {
            return .reject(.unknownType, "unknown message type \"\(message.type)\"")
        }
        return .accept(type)
    }
}
