import Testing
import VouchCrypto
@testable import VouchProtocol

/// Protocol/vectors/transport.json (Protocol/transport.md): frames, messages, the checks on
/// receipt, addresses, the session tie-break and the retry schedule, all computed by the code
/// from fixed inputs. As in the other builders, every negative case names the outcome it is
/// meant to show and the builder checks that the code gives exactly that.
extension VectorBuilder {
    /// The sender of every message (RFC 8032 test 1), the recipient (test 2) and a third node (test 3).
    static let transportKeys: [(name: String, seed: [UInt8])] = [
        ("sender", FixedKeys.seed1), ("recipient", FixedKeys.seed2), ("other", FixedKeys.seed3),
    ]
    static let transportNow: UInt64 = 1_700_000_000_000
    static let controlLifetime: UInt64 = 60_000
    static let cardLifetime: UInt64 = 7 * 24 * 3_600_000

    static func messageID(_ byte: UInt8) -> MessageID {
        do { return try MessageID(bytes: [UInt8](repeating: byte, count: MessageID.byteCount)) } catch { preconditionFailure("\(error)") }
    }

    /// A header field map, to break one field at a time.
    static func messageFields(_ message: WireMessage) -> [String: CBORValue] {
        guard case .map(let entries) = try! CBORValue(canonical: message.encoded) else { preconditionFailure() }
        return entries
    }

    /// A map's pairs written in the given order, with an optional head in place of the canonical one:
    /// for encodings the canonical encoder never produces.
    static func rawMap(_ pairs: [(String, CBORValue)], head: [UInt8]? = nil) -> [UInt8] {
        let body = pairs.flatMap { CBORValue.text($0.0).encoded + $0.1.encoded }
        precondition(pairs.count < 24)
        return (head ?? [0xA0 | UInt8(pairs.count)]) + body
    }

    /// The message header as JSON: byte strings in hex, the body as typed CBOR.
    static func messageJSON(_ message: WireMessage) -> JSONVectorValue {
        var members: [String: JSONVectorValue] = [
            "id": hexValue(message.id.bytes), "type": .string(message.type), "sent_at": .number(message.sentAt),
            "expires_at": .number(message.expiresAt), "to": hexValue(message.recipient),
            "version": .number(WireMessage.protocolVersion), "body": typed(message.body),
        ]
        if let replyTo = message.replyTo { members["reply_to"] = hexValue(replyTo.bytes) }
        return .object(members)
    }

    /// What a receiver does with a frame's payload: §4.1 checks 1–3 (`WireMessage(decoding:)`), then
    /// 4–8 (`InboundMessagePolicy`). `{"accept": type}` or `{"error": code, "reply_to": id or null}`.
    static func receiptVerdict(_ payload: [UInt8], receiver: NodeID, now: UInt64) -> JSONVectorValue {
        let message: WireMessage
        do throws(WireMessage.DecodingFailure) {
            message = try WireMessage(decoding: payload)
        } catch {
            return ["error": .string(error.code.rawValue), "reply_to": error.messageID.map { hexValue($0.bytes) } ?? .null]
        }
        switch InboundMessagePolicy.check(message, localNode: receiver, nowMilliseconds: now) {
        case .accept(let type): return ["accept": .string(type.rawValue)]
        case .reject(let code, _): return ["error": .string(code.rawValue), "reply_to": hexValue(message.id.bytes)]
        }
    }

    static func transport() throws -> JSONVectorValue {
        var keys: [String: JSONVectorValue] = [:]
        for (name, seed) in transportKeys {
            let key = try Ed25519PrivateKey(seed: seed)
            keys[name] = ["seed": hexValue(seed), "public_key": hexValue(key.publicKey.rawRepresentation),
                          "node_id": .string(NodeID(publicKey: key.publicKey).description)]
        }
        let sender = NodeID(publicKey: FixedKeys.key1.publicKey)
        let recipient = NodeID(publicKey: FixedKeys.key2.publicKey)
        let other = NodeID(publicKey: FixedKeys.key3.publicKey)
        let now = transportNow
        let limits = TransportLimits.default
        let maximumFrame = limits.maximumFrameSize
        let lifetime = UInt64(limits.maximumMessageLifetime.milliseconds)
        let skew = UInt64(limits.maximumClockSkew.milliseconds)

        // MARK: messages

        let ping = WireMessage(id: messageID(0x01), type: .ping, sentAt: now, expiresAt: now + controlLifetime, recipient: recipient)
        let pong = WireMessage(id: messageID(0x02), type: .pong, replyTo: messageID(0xA1), sentAt: now + 1,
                               expiresAt: now + 1 + controlLifetime, recipient: recipient)
        let errorBody = WireErrorBody(code: .invalidBody, message: "the card does not verify")
        let errorMessage = WireMessage(id: messageID(0x03), type: .error, replyTo: messageID(0xA2), sentAt: now + 2,
                                expiresAt: now + 2 + controlLifetime, recipient: recipient, body: errorBody.value)
        let ack = WireMessage(id: messageID(0x04), type: .ack, replyTo: messageID(0xA3), sentAt: now + 3,
                              expiresAt: now + 3 + controlLifetime, recipient: recipient)
        let card = try ProfileTests.sampleProfile().document(for: .everyone).signed(with: FixedKeys.key1)
        let cardMessage = WireMessage(id: messageID(0x05), type: .card, sentAt: now + 4, expiresAt: now + 4 + cardLifetime,
                                      recipient: recipient, body: .map(["document": .bytes(card.encoded)]))
        let validMessages: [(String, WireMessage)] = [
            ("ping", ping), ("pong answering the ping a1…a1", pong), ("error answering message a2…a2", errorMessage),
            ("ack of the delivery a3…a3", ack), ("card: the sender's profile view for everyone, signed by the sender", cardMessage),
        ]
        var messages: [JSONVectorValue] = []
        for (what, message) in validMessages {
            let bytes = message.encoded
            #expect(try WireMessage(decoding: bytes) == message, "\(what)")
            #expect(InboundMessagePolicy.check(message, localNode: recipient, nowMilliseconds: message.sentAt) == .accept(message.knownType!))
            var entry: [String: JSONVectorValue] = ["description": .string(what), "fields": messageJSON(message), "hex": hexValue(bytes)]
            if message.knownType == .error {
                #expect(try WireErrorBody(message.body) == errorBody)
                entry["error_body"] = ["code": .string(errorBody.code.rawValue), "message": .string(errorBody.message)]
            }
            if message.knownType == .card {
                let envelope = try SignedEnvelope(verifying: card.encoded)
                let document = try ProfileDocument(envelope: envelope)
                #expect(envelope.signer == sender && document.version == 7)
                entry["card"] = ["signer": hexValue(sender.rawRepresentation), "type": .string(envelope.type),
                                 "format": .number(envelope.formatVersion), "profile_version": .number(document.version)]
            }
            messages.append(.object(entry))
        }

        // MARK: frames

        let payloads: [(String, [UInt8])] = [
            ("one byte", [0x00]),
            ("the ping message", ping.encoded),
            ("300 bytes (a two-byte length)", (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
        ]
        let framesValid: [JSONVectorValue] = try payloads.map { what, payload throws -> JSONVectorValue in
            var decoder = FrameDecoder()
            decoder.append(WireFrame.encode(payload))
            #expect(try decoder.next() == payload)
            return ["description": .string(what), "payload_hex": hexValue(payload), "frame_hex": hexValue(WireFrame.encode(payload))]
        }
        let goodHeaders: [(String, Int)] = [("the smallest frame", 1), ("256 bytes", 256), ("the largest frame", maximumFrame)]
        let headers: [JSONVectorValue] = try goodHeaders.map { what, size throws -> JSONVectorValue in
            let header = WireFrame.header(forPayloadSize: size)
            #expect(try WireFrame.payloadLength(header: header, maximum: maximumFrame) == size)
            return ["description": .string(what), "header_hex": hexValue(header), "length": .number(UInt64(size))]
        }
        let badHeaders: [(String, [UInt8], String)] = [
            ("length 0", [0, 0, 0, 0], "malformed"),
            ("one byte over the limit", WireFrame.header(forPayloadSize: maximumFrame + 1), "too-large"),
            ("the largest uint32", [0xFF, 0xFF, 0xFF, 0xFF], "too-large"),
            ("the top bit set (not a negative length)", [0x80, 0, 0, 0], "too-large"),
        ]
        let invalidHeaders: [JSONVectorValue] = badHeaders.map { what, header, code in
            ["description": .string(what), "header_hex": hexValue(header),
             "error": checked(code, what) { _ = try WireFrame.payloadLength(header: header, maximum: maximumFrame) }]
        }

        // MARK: bodies

        let bodyCases: [(String, WireMessageType, CBORValue, String)] = [
            ("ping: the empty map", .ping, .map([:]), "ok"),
            ("ping: a non-empty map", .ping, .map(["x": .unsigned(1)]), "invalid-body"),
            ("ping: an empty array", .ping, .array([]), "invalid-body"),
            ("pong: the empty map", .pong, .map([:]), "ok"),
            ("pong: a text", .pong, .text(""), "invalid-body"),
            ("ack: the empty map", .ack, .map([:]), "ok"),
            ("ack: a non-empty map", .ack, .map(["stored": .bool(true)]), "invalid-body"),
            ("error: code and message", .error, WireErrorBody(code: .busy, message: "later").value, "ok"),
            ("error: a code this receiver does not know is still a valid body", .error,
             .map(["code": .text("some-future-code"), "message": .text("")]), "ok"),
            ("error: no message", .error, .map(["code": .text("busy")]), "invalid-body"),
            ("error: a code as an integer", .error, .map(["code": .unsigned(1), "message": .text("x")]), "invalid-body"),
            ("error: an extra key", .error, .map(["code": .text("busy"), "message": .text("x"), "retry_after": .unsigned(5)]), "invalid-body"),
            ("card: a document", .card, .map(["document": .bytes([1, 2, 3])]), "ok"),
            ("card: no document", .card, .map([:]), "invalid-body"),
            ("card: the document as text", .card, .map(["document": .text("x")]), "invalid-body"),
            ("card: an extra key", .card, .map(["document": .bytes([1]), "note": .text("hi")]), "invalid-body"),
        ]
        let bodies: [JSONVectorValue] = bodyCases.map { what, type, body, intended in
            let actual = (try? MessageBody(type: type, body: body)) == nil ? "invalid-body" : "ok"
            #expect(actual == intended, "body \"\(what)\": gives \(actual)")
            return ["description": .string(what), "type": .string(type.rawValue), "body_hex": hexValue(body.encoded),
                    "result": .string(intended)]
        }

        // MARK: invalid_messages

        let base = messageFields(ping)
        func edited(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            var entries = base
            edit(&entries)
            return CBORValue.map(entries).encoded
        }
        let pingBytes = ping.encoded
        let sortedPairs = base.sorted { CBORValue.text($0.key).encoded.lexicographicallyPrecedes(CBORValue.text($1.key).encoded) }
            .map { ($0.key, $0.value) }
        var swapped = sortedPairs
        swapped.swapAt(0, 1)
        var badUTF8 = edited { $0["type"] = .text("pinQ") }
        let q = badUTF8.firstIndex(of: UInt8(ascii: "Q"))!
        badUTF8[q] = 0xFF
        let negative = edited { $0["expires_at"] = .unsigned(5) }
            .replacingLast(CBORValue.text("expires_at").encoded + [0x05], with: CBORValue.text("expires_at").encoded + [0x25])
        func nested(_ depth: Int) -> CBORValue { (0..<depth).reduce(CBORValue.unsigned(0)) { inner, _ in .array([inner]) } }
        let id = hexValue(ping.id.bytes)
        let invalidCases: [(String, [UInt8], String, JSONVectorValue)] = [
            ("not a map: an array", CBORValue.array([.unsigned(1)]).encoded, "malformed", .null),
            ("not a map: a text string", CBORValue.text("ping").encoded, "malformed", .null),
            ("not CBOR: a break byte", [0xFF], "malformed", .null),
            ("a byte after the message", pingBytes + [0x00], "malformed", .null),
            ("the last byte cut off", Array(pingBytes.dropLast()), "malformed", .null),
            ("non-canonical: the map head in the long form", [0xB8, 0x07] + pingBytes.dropFirst(), "malformed", .null),
            ("non-canonical: an indefinite-length map", [0xBF] + pingBytes.dropFirst() + [0xFF], "malformed", .null),
            ("non-canonical: two keys out of order", rawMap(swapped), "malformed", .null),
            ("non-canonical: a duplicate key", rawMap(sortedPairs + [("version", .unsigned(1))]), "malformed", .null),
            ("non-canonical: version 1 in a two-byte head",
             pingBytes.replacingLast(CBORValue.text("version").encoded + [0x01], with: CBORValue.text("version").encoded + [0x18, 0x01]),
             "malformed", .null),
            ("invalid UTF-8 in the type (refused by the CBOR reader, so the id is not read)", badUTF8, "malformed", .null),
            ("a negative integer as expires_at", negative, "malformed", .null),
            ("the body nested 17 deep (an integer at depth 17)", edited { $0["body"] = nested(16) }, "malformed", .null),
            ("missing field: to", edited { $0["to"] = nil }, "malformed", id),
            ("missing field: body", edited { $0["body"] = nil }, "malformed", id),
            ("missing field: version", edited { $0["version"] = nil }, "malformed", id),
            ("missing field: id (no id to name)", edited { $0["id"] = nil }, "malformed", .null),
            ("an extra field", edited { $0["priority"] = .unsigned(1) }, "malformed", id),
            ("wrong type: version as text", edited { $0["version"] = .text("1") }, "malformed", id),
            ("wrong type: sent_at as text", edited { $0["sent_at"] = .text("1700000000000") }, "malformed", id),
            ("wrong type: expires_at as a boolean", edited { $0["expires_at"] = .bool(true) }, "malformed", id),
            ("wrong type: type as bytes", edited { $0["type"] = .bytes(Array("ping".utf8)) }, "malformed", id),
            ("wrong type: to as text", edited { $0["to"] = .text(recipient.description) }, "malformed", id),
            ("wrong type: id as text (no id to name)", edited { $0["id"] = .text(ping.id.description) }, "malformed", .null),
            ("wrong size: id of 15 bytes (no id to name)", edited { $0["id"] = .bytes([UInt8](repeating: 1, count: 15)) }, "malformed", .null),
            ("wrong size: to of 31 bytes", edited { $0["to"] = .bytes(Array(recipient.rawRepresentation.dropLast())) }, "malformed", id),
            ("wrong size: reply_to of 3 bytes", edited { $0["reply_to"] = .bytes([1, 2, 3]) }, "malformed", id),
            ("sent_at 2^53 (past the largest protocol integer)", edited { $0["sent_at"] = .unsigned(1 << 53) }, "malformed", id),
            ("sent_at 2^63", edited { $0["sent_at"] = .unsigned(1 << 63) }, "malformed", id),
            ("expires_at 2^64 - 1", edited { $0["expires_at"] = .unsigned(.max) }, "malformed", id),
            ("wrong version: 2", edited { $0["version"] = .unsigned(2) }, "unsupported-version", id),
            ("wrong version: 2^64 - 1 (any version number is read, then refused as unsupported)",
             edited { $0["version"] = .unsigned(.max) }, "unsupported-version", id),
            ("wrong version: 0", edited { $0["version"] = .unsigned(0) }, "unsupported-version", id),
            ("version 2 with an extra field and no to: the version is checked before the other fields",
             edited { $0["version"] = .unsigned(2); $0["to"] = nil; $0["priority"] = .unsigned(1) }, "unsupported-version", id),
            ("version 2 without an id", edited { $0["version"] = .unsigned(2); $0["id"] = nil }, "unsupported-version", .null),
            ("version 2, non-canonical: the CBOR is checked first",
             [0xB8, 0x07] + edited { $0["version"] = .unsigned(2) }.dropFirst(), "malformed", .null),
        ]
        let invalidMessages: [JSONVectorValue] = invalidCases.map { what, bytes, code, expectedID in
            let outcome: JSONVectorValue
            do throws(WireMessage.DecodingFailure) {
                let message = try WireMessage(decoding: bytes)
                outcome = ["decoded": .string("\(message)")]
            } catch {
                outcome = ["error": .string(error.code.rawValue), "reply_to": error.messageID.map { hexValue($0.bytes) } ?? .null]
            }
            #expect(outcome == ["error": .string(code), "reply_to": expectedID], "invalid message \"\(what)\": gives \(outcome)")
            return ["description": .string(what), "hex": hexValue(bytes), "error": .string(code), "reply_to": expectedID]
        }

        // MARK: receipt_checks

        func message(type: String = "ping", to: NodeID = recipient, sentAt: UInt64 = now, expiresAt: UInt64 = now + controlLifetime,
                     body: CBORValue = .map([:])) -> WireMessage {
            WireMessage(id: messageID(0x10), rawType: type, replyTo: nil, sentAt: sentAt, expiresAt: expiresAt,
                        recipient: to.rawRepresentation, body: body)
        }
        let m10 = hexValue(messageID(0x10).bytes)
        func reject(_ code: String, _ replyTo: JSONVectorValue = m10) -> JSONVectorValue { ["error": .string(code), "reply_to": replyTo] }
        func accept(_ type: String) -> JSONVectorValue { ["accept": .string(type)] }
        let fields10 = messageFields(message())
        func raw(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            var entries = fields10
            edit(&entries)
            return CBORValue.map(entries).encoded
        }
        enum Input { case message(WireMessage), bytes([UInt8]) }
        let receiptCases: [(String, Input, UInt64, JSONVectorValue)] = [
            ("a fresh ping", .message(message()), now, accept("ping")),
            ("a fresh card", .message(message(type: "card", expiresAt: now + cardLifetime, body: .map(["document": .bytes([])]))), now,
             accept("card")),
            ("a body nested to depth 16 (the deepest allowed)", .message(message(body: nested(15))), now, accept("ping")),
            // 1: the shape
            ("1: not canonical CBOR", .bytes([0xB8, 0x07] + message().encoded.dropFirst()), now, reject("malformed", .null)),
            ("1: no version", .bytes(raw { $0["version"] = nil }), now, reject("malformed")),
            ("1 before 2: version 2 in a non-canonical map", .bytes([0xB8, 0x07] + raw { $0["version"] = .unsigned(2) }.dropFirst()), now,
             reject("malformed", .null)),
            ("1 before 2: version as text is a wrong type, not a version", .bytes(raw { $0["version"] = .text("2") }), now, reject("malformed")),
            // 2: the version
            ("2: version 2", .bytes(raw { $0["version"] = .unsigned(2) }), now, reject("unsupported-version")),
            ("2 before 3: version 2 with an extra field", .bytes(raw { $0["version"] = .unsigned(2); $0["priority"] = .bool(true) }),
             now, reject("unsupported-version")),
            ("2 before 4: version 2 for another node", .bytes(raw { $0["version"] = .unsigned(2); $0["to"] = .bytes(other.rawRepresentation) }),
             now, reject("unsupported-version")),
            // 3: the rest of the header
            ("3: an extra field", .bytes(raw { $0["priority"] = .unsigned(1) }), now, reject("malformed")),
            ("3: no to", .bytes(raw { $0["to"] = nil }), now, reject("malformed")),
            ("3: an id of 15 bytes (no id to name)", .bytes(raw { $0["id"] = .bytes([UInt8](repeating: 0x10, count: 15)) }), now,
             reject("malformed", .null)),
            ("3 before 4: another node's key of 31 bytes", .bytes(raw { $0["to"] = .bytes(Array(other.rawRepresentation.dropLast())) }), now,
             reject("malformed")),
            // 4: the recipient
            ("4: for another node", .message(message(to: other)), now, reject("wrong-recipient")),
            ("4: for the sender itself", .message(message(to: sender)), now, reject("wrong-recipient")),
            ("4 before 5: for another node and already expired", .message(message(to: other, sentAt: now - 120_000, expiresAt: now - 60_000)), now,
             reject("wrong-recipient")),
            ("4 before 8: for another node, of an unknown type", .message(message(type: "gossip", to: other)), now, reject("wrong-recipient")),
            // 5: the lifetime
            ("5: expires_at equal to sent_at", .message(message(sentAt: now, expiresAt: now)), now, reject("expired")),
            ("5: expires_at before sent_at", .message(message(sentAt: now + 10, expiresAt: now + 5)), now, reject("expired")),
            ("5: sent_at and expires_at 0", .message(message(sentAt: 0, expiresAt: 0)), now, reject("expired")),
            ("5: a lifetime of exactly 30 days", .message(message(sentAt: now, expiresAt: now + lifetime)), now, accept("ping")),
            ("5: a lifetime of 30 days and 1 ms", .message(message(sentAt: now, expiresAt: now + lifetime + 1)), now, reject("expired")),
            ("5 before 6: too long a lifetime, sent too far ahead",
             .message(message(sentAt: now + skew + 1, expiresAt: now + skew + 1 + lifetime + 1)), now, reject("expired")),
            ("5 before 8: too long a lifetime, unknown type", .message(message(type: "gossip", sentAt: now, expiresAt: now + lifetime + 1)), now,
             reject("expired")),
            // 6: the sender's clock
            ("6: sent_at exactly 5 minutes ahead", .message(message(sentAt: now + skew, expiresAt: now + skew + controlLifetime)), now, accept("ping")),
            ("6: sent_at 5 minutes and 1 ms ahead", .message(message(sentAt: now + skew + 1, expiresAt: now + skew + 1 + controlLifetime)), now,
             reject("clock-skew")),
            ("6 before 8: too far ahead, unknown type",
             .message(message(type: "gossip", sentAt: now + skew + 1, expiresAt: now + skew + 1 + controlLifetime)), now, reject("clock-skew")),
            ("6: sent an hour ago, valid for another hour", .message(message(sentAt: now - 3_600_000, expiresAt: now + 3_600_000)), now,
             accept("ping")),
            // 7: expiry
            ("7: expired a minute ago", .message(message(sentAt: now - 120_000, expiresAt: now - 60_000)), now, reject("expired")),
            ("7: expires exactly now", .message(message(sentAt: now - 60_000, expiresAt: now)), now, reject("expired")),
            ("7: expires 1 ms from now", .message(message(sentAt: now - 60_000, expiresAt: now + 1)), now, accept("ping")),
            ("7 before 8: expired, unknown type", .message(message(type: "gossip", sentAt: now - 120_000, expiresAt: now - 60_000)), now,
             reject("expired")),
            ("3: expires_at 2^53 is out of range, not merely far in the future",
             .message(message(sentAt: now, expiresAt: 1 << 53)), now, reject("malformed")),
            ("5 at the top of the range: expires_at 2^53 - 1, sent 30 days earlier, now just before it",
             .message(message(sentAt: ProtocolInteger.maximum - lifetime, expiresAt: ProtocolInteger.maximum)), ProtocolInteger.maximum - 1,
             accept("ping")),
            ("7: a card redelivered after its expires_at", .message(message(type: "card", sentAt: now - cardLifetime, expiresAt: now)), now,
             reject("expired")),
            // 8: the type
            ("8: an unknown type", .message(message(type: "gossip")), now, reject("unknown-type")),
            ("8: type names are case-sensitive", .message(message(type: "PING")), now, reject("unknown-type")),
            ("8: an empty type", .message(message(type: "")), now, reject("unknown-type")),
        ] + WireMessageType.allCases.map { type in
            ("every known type is accepted: \(type.rawValue)", .message(message(type: type.rawValue)), now, accept(type.rawValue))
        }
        let receiptChecks: [JSONVectorValue] = receiptCases.map { what, input, at, intended in
            let bytes: [UInt8]
            var entry: [String: JSONVectorValue] = ["description": .string(what), "receiver": hexValue(recipient.rawRepresentation),
                                                    "now": .number(at)]
            switch input {
            case .message(let m):
                bytes = m.encoded
                entry["fields"] = messageJSON(m)
            case .bytes(let b):
                bytes = b
            }
            let actual = receiptVerdict(bytes, receiver: recipient, now: at)
            #expect(actual == intended, "receipt check \"\(what)\": meant to give \(intended), gives \(actual)")
            entry["hex"] = hexValue(bytes)
            entry["verdict"] = intended
            return .object(entry)
        }

        // MARK: addresses

        let idText = sender.description
        var mistyped = Array(idText)
        mistyped[mistyped.count - 1] = mistyped.last == "A" ? "B" : "A"
        let lookAlike = String(idText.map { $0 == "O" ? "0" : $0 == "I" ? "1" : $0 == "B" ? "8" : $0 })
        let validAddresses: [(String, String)] = [
            ("\(idText)@127.0.0.1:7868", "the canonical form"),
            ("vouch://\(idText)@127.0.0.1:7868", "with the scheme"),
            ("VOUCH://\(idText)@node.example.org:1", "the scheme in capitals"),
            ("Vouch://\(idText)@node.example.org:1", "the scheme in mixed case"),
            ("  \(idText)@example.org:65535\n", "surrounding spaces and a newline"),
            ("\(idText.replacing("-", with: " "))@example.org:80", "spaces between the groups of the ID"),
            ("\(idText.replacing("-", with: ""))@example.org:80", "no separators in the ID"),
            ("\(idText.lowercased())@example.org:80", "the ID in lower case"),
            ("\(lookAlike)@example.org:80", "look-alikes 0, 1, 8 in the ID"),
            ("\(idText) @ example.org : 80", "spaces around @ and :"),
            ("vouch:// \(idText)@exam\tple.org:8\r\n0", "whitespace inside the host and the port"),
            ("\(idText)\u{00A0}@example.org:80\u{3000}", "Unicode white space (no-break space, ideographic space)"),
            ("\(idText)@EXAMPLE.org:80", "the host keeps its case"),
            ("\(idText)@[::1]:7868", "IPv6 loopback"),
            ("vouch://\(idText)@[2001:DB8::17]:443", "IPv6 in capitals, kept as written"),
            ("\(idText)@[::ffff:192.0.2.1]:7868", "IPv4-mapped IPv6"),
        ]
        let addressValid: [JSONVectorValue] = try validAddresses.map { input, what throws -> JSONVectorValue in
            let address = try NodeAddress(parsing: input)
            #expect(address.id == sender, "\(what)")
            #expect(try NodeAddress(parsing: address.description) == address, "\(what): the canonical form parses back")
            return ["description": .string(what), "input": .string(input), "node_id": .string(address.id.description),
                    "public_key": hexValue(address.id.rawRepresentation), "host": .string(address.endpoint.host),
                    "port": .number(UInt64(address.endpoint.port)), "canonical": .string(address.description)]
        }
        let weak = humanForm(ofRawKey: FixedKeys.identityPoint)
        let invalidAddresses: [(String, String, String)] = [
            ("", "invalid-value", "empty"),
            ("vouch://", "invalid-value", "only the scheme"),
            ("\(idText)127.0.0.1:7868", "invalid-value", "no @"),
            ("@127.0.0.1:7868", "invalid-node-id", "no node ID"),
            ("ABCDEFG@127.0.0.1:7868", "invalid-node-id", "a short form instead of the ID"),
            ("\(String(mistyped))@127.0.0.1:7868", "invalid-node-id", "the last check character wrong"),
            ("\(weak)@127.0.0.1:7868", "weak-key", "the ID of the identity point"),
            ("http://\(idText)@127.0.0.1:7868", "invalid-node-id", "another scheme"),
            ("vouch:/\(idText)@127.0.0.1:7868", "invalid-node-id", "a scheme with one slash"),
            ("\(idText)@127.0.0.1", "invalid-value", "no port (there is no default in an address)"),
            ("\(idText)@127.0.0.1:", "invalid-value", "an empty port"),
            ("\(idText)@127.0.0.1:0", "invalid-value", "port 0"),
            ("\(idText)@127.0.0.1:65536", "invalid-value", "port 65536"),
            ("\(idText)@127.0.0.1:07868", "invalid-value", "a port with a leading zero"),
            ("\(idText)@127.0.0.1:+80", "invalid-value", "a port with a sign"),
            ("\(idText)@:7868", "invalid-value", "no host"),
            ("\(idText)@::1:7868", "invalid-value", "IPv6 without brackets"),
            ("\(idText)@[::1]", "invalid-value", "IPv6 without a port"),
            ("\(idText)@[example.org]:80", "invalid-value", "a name in brackets"),
            ("\(idText)@host@other:1", "invalid-value", "a second @ (in the endpoint)"),
            ("\(idText)@node_1.example:80", "invalid-value", "an underscore in the host"),
            ("\(idText)@-node.example:80", "invalid-value", "a label starting with -"),
            ("\(idText)@caf\u{00E9}.example:80", "invalid-value", "a non-ASCII host"),
            ("\(idText)@\(String(repeating: "a", count: 63)).\(String(repeating: "b", count: 63)).\(String(repeating: "c", count: 63)).\(String(repeating: "d", count: 63)).example:80",
             "field-too-long", "an endpoint of 267 bytes"),
        ]
        let addressInvalid: [JSONVectorValue] = invalidAddresses.map { input, code, what in
            ["description": .string(what), "input": .string(input), "error": checked(code, what) { _ = try NodeAddress(parsing: input) }]
        }

        // MARK: tie_break

        var tieBreak: [JSONVectorValue] = []
        for (local, peer) in [(sender, recipient), (recipient, sender)] {
            for existing in [SessionDirection.inbound, .outbound] {
                for new in [SessionDirection.inbound, .outbound] {
                    let decision = SessionTieBreak.decide(local: local, peer: peer, existing: existing, new: new)
                    tieBreak.append(["local": hexValue(local.rawRepresentation), "peer": hexValue(peer.rawRepresentation),
                                     "existing": .string(existing.rawValue), "new": .string(new.rawValue),
                                     "decision": .string(decision == .keepNew ? "keep-new" : "keep-existing")])
                }
            }
        }

        // MARK: retry_schedule

        let retry: [JSONVectorValue] = ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 64] as [Int]).map { attempts in
            let base = RetrySchedule.delay(afterAttempts: attempts, jitter: 0.5).milliseconds
            let low = RetrySchedule.delay(afterAttempts: attempts, jitter: 0).milliseconds
            let high = RetrySchedule.delay(afterAttempts: attempts, jitter: 0.999_999_999).milliseconds
            #expect(low == base * 8 / 10 && high < base * 12 / 10 && high >= base * 12 / 10 - 1, "retry after \(attempts)")
            return ["failed_attempts": .number(UInt64(attempts)), "base_ms": .number(UInt64(base)),
                    "minimum_ms": .number(UInt64(low)), "maximum_ms_exclusive": .number(UInt64(base * 12 / 10))]
        }

        return [
            "description": "Transport (Protocol/transport.md). frames: a payload's frame (4-byte big-endian length, then the payload); headers give the announced length, invalid_headers must be refused with error before any payload is read. messages: fields encode to exactly hex and hex decodes to fields; the card's document is a signed vouch.profile envelope by keys.sender. invalid_messages: hex must be refused with error; reply_to is the id the error reply names (null when the id cannot be read). bodies: the body of a message of type, read by the rules of §5: result is ok or invalid-body (the card's document is only shaped here, not verified). receipt_checks: the checks of §4.1 in order, for the node keys.recipient at time now (Unix ms); verdict is {accept: type} or {error, reply_to}; a description starts with the number of the check it shows, or \"a before b\" where two checks fail and a decides. addresses: input parses to node_id, host and port and prints as canonical; invalid inputs are refused with error. tie_break: which of two sessions with the same peer a node keeps (existing and new are the directions as seen by local). retry_schedule: the delay before the next try after failed_attempts failures, without jitter (base_ms) and the range [minimum_ms, maximum_ms_exclusive) the jitter factor [0.8, 1.2) gives, in whole milliseconds rounded down.",
            "protocol_version": .number(WireMessage.protocolVersion),
            "alpn": "vouch/1",
            "default_port": 7868,
            "limits": [
                "maximum_frame_size": .number(UInt64(maximumFrame)), "maximum_lifetime_ms": .number(lifetime),
                "maximum_clock_skew_ms": .number(skew), "maximum_depth": 16,
            ],
            "keys": .object(keys),
            "frames": ["valid": .array(framesValid), "headers": .array(headers), "invalid_headers": .array(invalidHeaders)],
            "messages": .array(messages),
            "invalid_messages": .array(invalidMessages),
            "bodies": .array(bodies),
            "receipt_checks": .array(receiptChecks),
            "addresses": ["valid": .array(addressValid), "invalid": .array(addressInvalid)],
            "tie_break": .array(tieBreak),
            "retry_schedule": ["initial_delay_ms": 1000, "maximum_delay_ms": 300_000, "steps": .array(retry)],
        ]
    }
}

private extension Array where Element == UInt8 {
    /// Replaces the last occurrence of `pattern` (which must occur).
    func replacingLast(_ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        let start = indices.reversed().first { $0 + pattern.count <= count && Array(self[$0..<$0 + pattern.count]) == pattern }!
        var copy = self
        copy.replaceSubrange(start..<start + pattern.count, with: replacement)
        return copy
    }
}
