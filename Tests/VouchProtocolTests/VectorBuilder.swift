import Testing
import VouchCrypto
@testable import VouchProtocol

/// Builds every file in Protocol/vectors from fixed inputs by running the code. Each negative
/// vector names the outcome it is meant to show; the builder checks the code gives exactly that,
/// so a vector can never record a surprise.
enum VectorBuilder {
    static let files: [(name: String, build: @Sendable () throws -> JSONVectorValue)] = [
        ("cbor.json", cbor),
        ("node-id.json", nodeID),
        ("envelope.json", envelope),
        ("profile.json", profile),
        ("transport.json", transport),
        ("invitations.json", invitations),
        ("introductions.json", introductions),
        ("relay.json", relay),
        ("disclosure.json", disclosure),
    ]

    // MARK: Helpers

    /// "ok", or the error code `body` throws.
    static func outcome(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "ok"
        } catch let error as ProtocolError {
            return error.code.description
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    static func checked(_ intended: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                        _ body: () throws -> Void) -> JSONVectorValue {
        let actual = outcome(body)
        #expect(actual == intended, "vector \"\(what)\": meant to give \(intended), gives \(actual)", sourceLocation: sourceLocation)
        return .string(intended)
    }

    static func hexValue(_ bytes: [UInt8]) -> JSONVectorValue { .string(Hex.encode(bytes)) }

    /// A CBOR value as typed JSON: {"uint": n}, {"bytes": hex}, {"text": s}, {"array": […]}, {"map": {…}}, {"bool": b}.
    static func typed(_ value: CBORValue) -> JSONVectorValue {
        switch value {
        case .unsigned(let n): ["uint": .number(n)]
        case .bytes(let b): ["bytes": hexValue(b)]
        case .text(let s): ["text": .string(s)]
        case .array(let items): ["array": .array(items.map(typed))]
        case .map(let entries): ["map": .object(entries.mapValues(typed))]
        case .bool(let b): ["bool": .bool(b)]
        }
    }

    // MARK: cbor.json

    static func cbor() throws -> JSONVectorValue {
        var valid: [JSONVectorValue] = CanonicalCBORTests.roundTrips.map { value, expectedHex in
            #expect(Hex.encode(value.encoded) == expectedHex)
            return ["hex": .string(expectedHex), "value": typed(value)]
        }
        let deep = CanonicalCBORTests.nestedArrays(16)
        valid.append(["hex": hexValue(deep), "value": typed(try CBORValue(canonical: deep)),
                      "description": "16 nested arrays: the integer inside is at depth 16, the deepest allowed"])
        let sample = CanonicalCBORTests.sampleDocument
        valid.append(["hex": hexValue(sample.encoded), "value": typed(sample), "description": "a document with every kind of value"])
        for item in valid {
            guard case .object(let members) = item, case .string(let h) = members["hex"]! else { preconditionFailure() }
            #expect(try CBORValue(canonical: hex(h)).encoded == hex(h))
        }

        var invalid: [JSONVectorValue] = CanonicalCBORTests.refusals.map { input, code, what in
            ["hex": .string(input), "description": .string(what),
             "error": checked(code.description, what) { _ = try CBORValue(canonical: hex(input)) }]
        }
        let tooDeep = CanonicalCBORTests.nestedArrays(17)
        invalid.append(["hex": hexValue(tooDeep), "description": "17 nested arrays: the integer inside is at depth 17",
                        "error": checked("malformed", "depth 17") { _ = try CBORValue(canonical: tooDeep) }])
        let tooDeepMap = [UInt8](repeating: 0x81, count: 16) + hex("a1616100")
        invalid.append(["hex": hexValue(tooDeepMap), "description": "a map at depth 16: its key is at depth 17",
                        "error": checked("malformed", "map depth 17") { _ = try CBORValue(canonical: tooDeepMap) }])
        return [
            "description": "Canonical CBOR (Protocol/encoding.md). Each valid hex decodes to value and value encodes to exactly hex. Each invalid hex must be refused with error.",
            "maximum_depth": 16,
            "valid": .array(valid),
            "invalid": .array(invalid),
        ]
    }

    // MARK: node-id.json

    static let nodeIDSeeds: [(String, [UInt8])] = [
        ("RFC 8032 test 1", FixedKeys.seed1),
        ("RFC 8032 test 2", FixedKeys.seed2),
        ("RFC 8032 test 3", FixedKeys.seed3),
        ("seed 00 01 … 1f", Array(0..<32)),
        ("seed of 32 bytes 0xff", [UInt8](repeating: 0xFF, count: 32)),
    ]

    static func nodeID() throws -> JSONVectorValue {
        var valid: [JSONVectorValue] = []
        for (what, seed) in nodeIDSeeds {
            let key = try Ed25519PrivateKey(seed: seed)
            let id = NodeID(publicKey: key.publicKey)
            #expect(try NodeID(parsing: id.description) == id)
            valid.append(["description": .string(what), "seed": hexValue(seed), "public_key": hexValue(id.rawRepresentation),
                          "node_id": .string(id.description), "short_form": .string(id.shortForm)])
        }

        let id = NodeID(publicKey: FixedKeys.key1.publicKey)
        let text = id.description
        let plain = text.replacing("-", with: "")
        let lookAlike = String(text.map { c -> Character in c == "O" ? "0" : c == "I" ? "1" : c == "B" ? "8" : c })
        let forgiving: [(String, String)] = [
            (text.lowercased(), "lower case"),
            (plain, "no separators"),
            (text.replacing("-", with: " "), "spaces between groups"),
            ("  " + plain.lowercased() + "\t", "surrounding spaces and a tab"),
            (lookAlike, "0 for O, 1 for I, 8 for B"),
            (String(plain.prefix(20)) + "-" + String(plain.dropFirst(20)), "a separator in an odd place"),
        ]
        let parse: [JSONVectorValue] = try forgiving.map { input, what throws -> JSONVectorValue in
            #expect(try NodeID(parsing: input) == id, "\(what)")
            return ["input": .string(input), "node_id": .string(text), "description": .string(what)]
        }

        var chars = Array(plain)
        var invalidInputs: [(String, String, String)] = [
            ("", "invalid-node-id", "empty"),
            (String(text.dropLast()), "invalid-node-id", "one character missing"),
            (text + "A", "invalid-node-id", "one character too many"),
            (String(text.prefix(9)) + "9" + String(text.dropFirst(10)), "invalid-node-id", "the digit 9 (not in the alphabet)"),
            (String(text.prefix(9)) + "@" + String(text.dropFirst(10)), "invalid-node-id", "@"),
            (String(text.prefix(9)) + "\u{00C9}" + String(text.dropFirst(10)), "invalid-node-id", "a non-ASCII letter"),
            (text.replacing("-", with: "_"), "invalid-node-id", "underscores as separators"),
        ]
        let original = chars[3]
        chars[3] = original == "A" ? "B" : "A"
        invalidInputs.append((String(chars), "invalid-node-id", "one character changed (the check character of part 1 catches it)"))
        chars[3] = original
        let swap = (0..<12).first { chars[$0] != chars[$0 + 1] && Set([chars[$0], chars[$0 + 1]]) != Set(["A", "7"]) }!
        chars.swapAt(swap, swap + 1)
        invalidInputs.append((String(chars), "invalid-node-id", "two adjacent characters swapped"))
        var padded = Base32.encode(FixedKeys.public1)
        padded[51] = Base32.alphabet[Base32.value(of: padded[51])! | 1]
        invalidInputs.append((humanForm(ofCharacters: padded), "invalid-node-id", "valid check characters, non-zero pad bits"))
        let weak: [([UInt8], String)] = [
            (FixedKeys.identityPoint, "the identity point (order 1)"),
            ([0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F], "y = -1 (order 2)"),
            ([UInt8](repeating: 0, count: 32), "y = 0 (order 4)"),
            (hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "a point of order 8"),
            (hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "the other y of order 8"),
            (hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"), "a point of order 8 with the sign bit set"),
            ([0x01] + [UInt8](repeating: 0, count: 30) + [0x80], "the identity with the sign bit set"),
            (FixedKeys.nonCanonicalY, "y = 2^255 - 1 (not below p)"),
            ([0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F], "y = p"),
        ]
        for (raw, what) in weak { invalidInputs.append((humanForm(ofRawKey: raw), "weak-key", "public key \(Hex.encode(raw)): \(what)")) }
        let invalid: [JSONVectorValue] = invalidInputs.map { input, code, what in
            ["input": .string(input), "description": .string(what), "error": checked(code, what) { _ = try NodeID(parsing: input) }]
        }

        let parts = ["25NJQAMCWEFLP", "AAAAAAAAAAAAA", "7777777777777", "ABCDEFGHIJKLM", "NOPQRSTUVWXYZ", "234567ABCDEFG"]
        let luhn: [JSONVectorValue] = parts.map { part in
            ["characters": .string(part),
             "check": .string(String(decoding: [LuhnBase32.checkCharacter(for: Array(part.utf8))], as: UTF8.self))]
        }
        return [
            "description": "Node IDs (Protocol/identity.md). valid: public key to human form and short form. parse: forgiving inputs that must parse to node_id. invalid: inputs that must be refused with error. luhn: Luhn mod 32 check characters of 13-character parts.",
            "alphabet": "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            "valid": .array(valid),
            "parse": .array(parse),
            "invalid": .array(invalid),
            "luhn": .array(luhn),
        ]
    }

    // MARK: envelope.json

    static let envelopeKeys: [(String, [UInt8])] = [
        ("rfc8032-1", FixedKeys.seed1), ("rfc8032-2", FixedKeys.seed2), ("rfc8032-3", FixedKeys.seed3),
    ]

    static func envelopeBytes(_ type: String, _ format: UInt64, _ signer: [UInt8], _ payload: [UInt8], _ signature: [UInt8]) -> [UInt8] {
        CBORValue.array([.text(type), .unsigned(format), .bytes(signer), .bytes(payload), .bytes(signature)]).encoded
    }

    static func envelope() throws -> JSONVectorValue {
        var keys: [String: JSONVectorValue] = [:]
        for (name, seed) in envelopeKeys {
            let key = try Ed25519PrivateKey(seed: seed)
            keys[name] = ["seed": hexValue(seed), "public_key": hexValue(key.publicKey.rawRepresentation),
                          "node_id": .string(NodeID(publicKey: key.publicKey).description)]
        }
        let profile = try ProfileTests.sampleProfile()
        let everyone = profile.document(for: .everyone).payload.encoded
        let connections = profile.document(for: .connections).payload.encoded
        let cases: [(String, String, String, UInt64, [UInt8], String)] = [
            ("a vouch.profile view for everyone", "rfc8032-1", "vouch.profile", 1, everyone, "ok"),
            ("a vouch.profile view for connections", "rfc8032-2", "vouch.profile", 1, connections, "ok"),
            ("an empty payload (valid as an envelope; a profile reader would refuse the payload)", "rfc8032-3", "vouch.profile", 1, [], "ok"),
            ("a type this version does not know: the envelope verifies, the type is refused", "rfc8032-1", "vouch.example", 1, [0xA0], "unknown-document-type"),
            ("a known type in an unsupported format version", "rfc8032-1", "vouch.profile", 2, everyone, "unsupported-version"),
        ]
        var valid: [JSONVectorValue] = []
        for (what, signerName, type, format, payload, typeOutcome) in cases {
            let key = try Ed25519PrivateKey(seed: envelopeKeys.first { $0.0 == signerName }!.1)
            let documentType = DocumentType.named(type) ?? DocumentType(name: type, versions: format...format)
            let envelope = try SignedEnvelope(signing: payload, type: documentType, formatVersion: format, with: key)
            let input = SignedEnvelope.signatureInput(type: type, formatVersion: format, signer: key.publicKey.rawRepresentation, payload: payload)
            let armored = DocumentArmor.armor(envelope.encoded)
            #expect(try SignedEnvelope(verifying: try DocumentArmor.dearmor(Array(armored.utf8))) == envelope)
            valid.append([
                "description": .string(what), "signer": .string(signerName), "type": .string(type), "format": .number(format),
                "payload_hex": hexValue(payload), "signature_input_hex": hexValue(input), "signature_hex": hexValue(envelope.signature),
                "envelope_hex": hexValue(envelope.encoded), "armored": .string(armored),
                "document_type": checked(typeOutcome, what) { _ = try SignedEnvelope(verifying: envelope.encoded).documentType() },
            ])
        }

        let key1 = FixedKeys.key1
        let good = try SignedEnvelope(signing: everyone, type: .profile, formatVersion: 1, with: key1)
        let sig = good.signature
        var changedPayload = everyone
        changedPayload[changedPayload.count / 2] ^= 0x01
        var changedSignature = sig
        changedSignature[10] ^= 0x01
        let malleated = Array(sig[..<32]) + SignedEnvelopeTests.addLittleEndian(Array(sig[32...]), SignedEnvelopeTests.groupOrder)
        let otherType = try SignedEnvelope(signing: everyone, type: DocumentType(name: "vouch.example", versions: 1...1),
                                           formatVersion: 1, with: key1)
        var longForm = envelopeBytes("vouch.profile", 1, FixedKeys.public1, [1, 2, 3], sig)
        longForm.replaceSubrange(50...50, with: [0x58, 0x03])
        let zeros64 = [UInt8](repeating: 0, count: 64)
        let tampered: [(String, [UInt8], String)] = [
            ("one payload bit changed", envelopeBytes("vouch.profile", 1, FixedKeys.public1, changedPayload, sig), "bad-signature"),
            ("one signature bit changed", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, changedSignature), "bad-signature"),
            ("re-typed: the type name changed, the signature kept", envelopeBytes("vouch.example", 1, FixedKeys.public1, everyone, sig), "bad-signature"),
            ("the format version changed, the signature kept", envelopeBytes("vouch.profile", 2, FixedKeys.public1, everyone, sig), "bad-signature"),
            ("a signature made for another type over the same payload", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, otherType.signature), "bad-signature"),
            ("the signer replaced by another key", envelopeBytes("vouch.profile", 1, FixedKeys.public2, everyone, sig), "bad-signature"),
            ("a signature over the bare payload (no context string)", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, try key1.signature(for: everyone)), "bad-signature"),
            ("non-canonical S (S + L)", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, malleated), "bad-signature"),
            ("the signer is the identity point", envelopeBytes("vouch.profile", 1, FixedKeys.identityPoint, everyone, FixedKeys.identityPoint + [UInt8](repeating: 0, count: 32)), "weak-key"),
            ("the signer's y is not below p", envelopeBytes("vouch.profile", 1, FixedKeys.nonCanonicalY, everyone, sig), "weak-key"),
            ("the last byte cut off", Array(good.encoded.dropLast()), "truncated"),
            ("a byte after the envelope", good.encoded + [0x00], "trailing-bytes"),
            ("an array of four items", CBORValue.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes(everyone)]).encoded, "malformed"),
            ("a map instead of an array", CBORValue.map(["type": .text("vouch.profile")]).encoded, "malformed"),
            ("the type as a byte string", CBORValue.array([.bytes(Array("vouch.profile".utf8)), .unsigned(1), .bytes(FixedKeys.public1), .bytes(everyone), .bytes(sig)]).encoded, "malformed"),
            ("a 31-byte signer", envelopeBytes("vouch.profile", 1, Array(FixedKeys.public1.dropLast()), everyone, sig), "malformed"),
            ("a 63-byte signature", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, Array(sig.dropLast())), "malformed"),
            ("the payload length in a longer head than needed", longForm, "non-canonical"),
            ("a zero signature", envelopeBytes("vouch.profile", 1, FixedKeys.public1, everyone, zeros64), "bad-signature"),
        ]
        var invalid: [JSONVectorValue] = tampered.map { what, bytes, code in
            ["description": .string(what), "envelope_hex": hexValue(bytes),
             "error": checked(code, what) { _ = try SignedEnvelope(verifying: bytes) }]
        }

        let armored = DocumentArmor.armor(good.encoded)
        let lines = armored.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        var rewrapped = [lines[0]]
        var offset = 0
        let bodyChars = Array(body)
        while offset < bodyChars.count {
            rewrapped.append(String(bodyChars[offset..<min(offset + 60, bodyChars.count)]))
            offset += 60
        }
        rewrapped.append(lines.last!)
        var substituted = Array(armored)
        let target = lines[0].count + 1 + 20
        substituted[target] = substituted[target] == "A" ? "B" : "A"
        let armorCases: [(String, String, String)] = [
            ("CRLF line ends", armored.replacing("\n", with: "\r\n"), "invalid-armor"),
            ("no newline after the footer", String(armored.dropLast()), "invalid-armor"),
            ("lines of 60 characters", rewrapped.joined(separator: "\n") + "\n", "invalid-armor"),
            ("another header", armored.replacing("BEGIN VOUCH SIGNED DOCUMENT", with: "BEGIN VOUCH DOCUMENT"), "invalid-armor"),
            ("a blank line after the header", armored.replacing("DOCUMENT-----\n", with: "DOCUMENT-----\n\n"), "invalid-armor"),
            ("non-zero pad bits in the base64", DocumentArmor.armor([0xFF]).replacing("/w==", with: "/x=="), "invalid-armor"),
            ("one base64 character changed", String(substituted), "bad-signature"),
        ]
        invalid += armorCases.map { what, text, code in
            ["description": .string(what), "armored": .string(text),
             "error": checked(code, what) { _ = try SignedEnvelope(verifying: try DocumentArmor.dearmor(Array(text.utf8))) }]
        }
        return [
            "description": "Signed envelopes (Protocol/envelope.md). valid: recompute signature_input_hex, signature_hex (Ed25519 is deterministic), envelope_hex and armored from the seed and fields; they must verify; document_type is what the type registry says. invalid: envelope_hex (or armored, to be dearmored first) must be refused with error.",
            "signature_context": .string(SignedEnvelope.signatureContext),
            "maximum_encoded_size": .number(UInt64(SignedEnvelope.maximumEncodedSize)),
            "keys": .object(keys),
            "valid": .array(valid),
            "invalid": .array(invalid),
        ]
    }

    // MARK: profile.json

    static func documentJSON(_ document: ProfileDocument) -> JSONVectorValue {
        [
            "version": .number(document.version), "updated": .number(document.updatedAt),
            "audience": .string(document.audience.rawValue),
            "fields": .object(Dictionary(uniqueKeysWithValues: document.fields.map { ($0.key.rawValue, JSONVectorValue.string($0.value)) })),
            "links": .array(document.links.map { .string($0) }),
            "endpoints": .array(document.endpoints.map { .string($0.description) }),
        ]
    }

    static func profileJSON(_ profile: Profile) -> JSONVectorValue {
        [
            "version": .number(profile.version), "updated": .number(profile.updatedAt),
            "fields": .object(Dictionary(uniqueKeysWithValues: profile.fields.map {
                ($0.key.rawValue, ["value": .string($0.value.value), "audience": .string($0.value.audience.rawValue)] as JSONVectorValue)
            })),
            "links": .array(profile.links.map { .string($0) }),
            "links_audience": .string(profile.linksAudience.rawValue),
            "endpoints": .array(profile.endpoints.map { .string($0.description) }),
        ]
    }

    static func profile() throws -> JSONVectorValue {
        let sample = try ProfileTests.sampleProfile()
        var publicLinks = sample
        publicLinks.linksAudience = .everyone
        publicLinks.fields[.role] = .init(value: "Programmer \u{2014} first of her kind \u{1F4DC}", audience: .everyone)
        let sparse = Profile(version: 1, updatedAt: 0, fields: [.name: .init(value: "N", audience: .connections)])
        let views: [JSONVectorValue] = [("the sample profile", sample), ("links for everyone, non-ASCII text", publicLinks),
                                        ("only a connections-only name", sparse)].map { what, profile in
            ["description": .string(what), "profile": profileJSON(profile),
             "everyone_payload_hex": hexValue(profile.document(for: .everyone).payload.encoded),
             "connections_payload_hex": hexValue(profile.document(for: .connections).payload.encoded)]
        }

        let maximal = ProfileDocument(
            version: ProtocolInteger.maximum, updatedAt: ProtocolInteger.maximum, audience: .connections,
            fields: Dictionary(uniqueKeysWithValues: ProfileField.allCases.map { ($0, String(repeating: "\u{00E9}", count: $0.maximumBytes / 2)) }),
            links: (1...10).map { "https://example.org/" + String(repeating: "x", count: 491 - String($0).count) + "/\($0)" },
            endpoints: try (1...8).map { try Endpoint(parsing: "[2001:db8::\($0)]:\(65_535 - $0)") })
        let validDocuments: [(String, ProfileDocument)] = [
            ("the sample view for everyone", sample.document(for: .everyone)),
            ("the sample view for connections", sample.document(for: .connections)),
            ("every field at its limit in two-byte characters, 10 links of 512 bytes, 8 endpoints, the largest integers", maximal),
            ("the smallest profile", ProfileDocument(version: 1, updatedAt: 0, audience: .everyone, fields: [:], links: [], endpoints: [])),
            ("a summary with newlines", ProfileDocument(version: 2, updatedAt: 1, audience: .everyone,
                                                         fields: [.summary: "line one\nline two\n\nline four"], links: [], endpoints: [])),
        ]
        let valid: [JSONVectorValue] = try validDocuments.map { what, document throws -> JSONVectorValue in
            let bytes = document.payload.encoded
            #expect(try ProfileDocument(payload: bytes) == document)
            return ["description": .string(what), "payload_hex": hexValue(bytes), "document": documentJSON(document)]
        }

        let base = try ProfileTests.samplePayload()
        func edited(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            var entries = base
            edit(&entries)
            return CBORValue.map(entries).encoded
        }
        func editedFields(_ edit: (inout [String: CBORValue]) -> Void) -> [UInt8] {
            edited { entries in
                guard case .map(var fields) = entries["fields"]! else { preconditionFailure() }
                edit(&fields)
                entries["fields"] = .map(fields)
            }
        }
        var invalidUTF8 = editedFields { $0["name"] = .text("QQQQ") }
        let q = invalidUTF8.indices.first { Array(invalidUTF8[$0..<min($0 + 4, invalidUTF8.count)]) == Array("QQQQ".utf8) }!
        invalidUTF8.replaceSubrange(q..<q + 4, with: [0x41, 0xED, 0xA0, 0x80])
        var longVersion = ProfileDocument(version: 1, updatedAt: 0, audience: .everyone, fields: [:], links: [], endpoints: []).payload.encoded
        let v = longVersion.indices.first { Array(longVersion[$0..<min($0 + 8, longVersion.count)]) == Array("version".utf8) + [1] }! + 7
        longVersion.replaceSubrange(v...v, with: [0x18, 0x01])

        let invalidCases: [(String, [UInt8], String)] = [
            ("an unknown top-level field", edited { $0["nickname"] = .text("Ada") }, "unknown-field"),
            ("an unknown profile field name", editedFields { $0["nickname"] = .text("Ada") }, "unknown-field"),
            ("a field name in the wrong case", editedFields { $0["Name"] = .text("Ada") }, "unknown-field"),
            ("no version", edited { $0["version"] = nil }, "missing-field"),
            ("no updated", edited { $0["updated"] = nil }, "missing-field"),
            ("no audience", edited { $0["audience"] = nil }, "missing-field"),
            ("no fields", edited { $0["fields"] = nil }, "missing-field"),
            ("no links", edited { $0["links"] = nil }, "missing-field"),
            ("no endpoints", edited { $0["endpoints"] = nil }, "missing-field"),
            ("the payload is an array", CBORValue.array([]).encoded, "wrong-type"),
            ("version as text", edited { $0["version"] = .text("7") }, "wrong-type"),
            ("updated as bytes", edited { $0["updated"] = .bytes([1]) }, "wrong-type"),
            ("audience as an integer", edited { $0["audience"] = .unsigned(0) }, "wrong-type"),
            ("fields as an array", edited { $0["fields"] = .array([]) }, "wrong-type"),
            ("links as a map", edited { $0["links"] = .map([:]) }, "wrong-type"),
            ("a link as an integer", edited { $0["links"] = .array([.unsigned(1)]) }, "wrong-type"),
            ("an endpoint as bytes", edited { $0["endpoints"] = .array([.bytes([1])]) }, "wrong-type"),
            ("a field value as bytes", editedFields { $0["name"] = .bytes(Array("Ada".utf8)) }, "wrong-type"),
            ("a field value as a boolean", editedFields { $0["name"] = .bool(true) }, "wrong-type"),
            ("version 0", edited { $0["version"] = .unsigned(0) }, "invalid-value"),
            ("version 2^53 (one past the largest protocol integer)", edited { $0["version"] = .unsigned(1 << 53) }, "out-of-range"),
            ("version 2^63", edited { $0["version"] = .unsigned(1 << 63) }, "out-of-range"),
            ("version 2^64 - 1", edited { $0["version"] = .unsigned(.max) }, "out-of-range"),
            ("updated 2^53", edited { $0["updated"] = .unsigned(1 << 53) }, "out-of-range"),
            ("updated 2^64 - 1", edited { $0["updated"] = .unsigned(.max) }, "out-of-range"),
            ("version as text is a wrong type before a range", edited { $0["version"] = .text("9007199254740992") }, "wrong-type"),
            ("an unknown audience", edited { $0["audience"] = .text("friends") }, "invalid-value"),
            ("an empty field value", editedFields { $0["headline"] = .text("") }, "invalid-value"),
            ("a name of 129 bytes", editedFields { $0["name"] = .text(String(repeating: "n", count: 129)) }, "field-too-long"),
            ("a name of 65 two-byte characters (130 bytes)", editedFields { $0["name"] = .text(String(repeating: "\u{00E9}", count: 65)) }, "field-too-long"),
            ("a headline of 257 bytes", editedFields { $0["headline"] = .text(String(repeating: "h", count: 257)) }, "field-too-long"),
            ("a summary of 2049 bytes", editedFields { $0["summary"] = .text(String(repeating: "s", count: 2049)) }, "field-too-long"),
            ("a newline in the name", editedFields { $0["name"] = .text("Ada\nLovelace") }, "invalid-text"),
            ("a tab in the summary", editedFields { $0["summary"] = .text("a\tb") }, "invalid-text"),
            ("a CR in the summary", editedFields { $0["summary"] = .text("a\r\nb") }, "invalid-text"),
            ("U+0085 (a C1 control) in the role", editedFields { $0["role"] = .text("a\u{85}b") }, "invalid-text"),
            ("DEL in the location", editedFields { $0["location"] = .text("a\u{7F}b") }, "invalid-text"),
            ("invalid UTF-8 in the name", invalidUTF8, "invalid-text"),
            ("11 links", edited { $0["links"] = .array((0...10).map { .text("https://example.org/\($0)") }) }, "invalid-value"),
            ("a relative link", edited { $0["links"] = .array([.text("example.org/ada")]) }, "invalid-value"),
            ("a link with a space", edited { $0["links"] = .array([.text("https://example.org/a b")]) }, "invalid-value"),
            ("a link of 513 bytes", edited { $0["links"] = .array([.text("https://" + String(repeating: "a", count: 505))]) }, "field-too-long"),
            ("9 endpoints", edited { $0["endpoints"] = .array((1...9).map { .text("n\($0).example:1") }) }, "invalid-value"),
            ("an endpoint without a port", edited { $0["endpoints"] = .array([.text("ada.example.org")]) }, "invalid-value"),
            ("an endpoint port with a leading zero", edited { $0["endpoints"] = .array([.text("ada.example.org:07400")]) }, "invalid-value"),
            ("version 1 in a two-byte head", longVersion, "non-canonical"),
        ]
        let invalid: [JSONVectorValue] = invalidCases.map { what, bytes, code in
            ["description": .string(what), "payload_hex": hexValue(bytes), "error": checked(code, what) { _ = try ProfileDocument(payload: bytes) }]
        }

        let endpointValid: [JSONVectorValue] = EndpointTests.valid.map { text, host, port in
            ["text": .string(text), "host": .string(host), "port": .number(UInt64(port))]
        }
        let endpointInvalid: [JSONVectorValue] = EndpointTests.invalid.map { text, code, what in
            ["text": .string(text), "description": .string(what), "error": checked(code.description, what) { _ = try Endpoint(parsing: text) }]
        }
        let linkValid: [JSONVectorValue] = ProfileTests.goodLinks.map { .string($0) }
        let linkInvalid: [JSONVectorValue] = ProfileTests.badLinks.map { link, code in
            ["text": .string(link), "error": checked(code.description, link) { try ProfileLink.validate(link) }]
        }

        let rule: [JSONVectorValue] = try ProfileTests.versionTable.map { current, incoming, decision in
            func side(_ version: UInt64, _ name: String) throws -> JSONVectorValue {
                let envelope = ProfileTests.envelope(version: version, name: name)
                return ["version": .number(version), "payload_hex": hexValue(envelope.payload)]
            }
            let name = switch decision {
            case .accept: "accept"
            case .ignoreOlder: "ignore-older"
            case .ignoreDuplicate: "ignore-duplicate"
            case .conflict: "conflict"
            }
            return ["current": try current.map { try side($0.0, $0.1) } ?? .null, "incoming": try side(incoming.0, incoming.1),
                    "decision": .string(name)]
        }

        return [
            "description": "Profiles (Protocol/profile.md). views: build the everyone and connections views of profile and encode them. valid: payload_hex reads as document. invalid: payload_hex must be refused with error. endpoints, links: the text rules alone. version_rule: what a node does with an incoming profile given the one it holds.",
            "limits": [
                "name": 128, "headline": 256, "organization": 128, "role": 128, "location": 128, "summary": 2048,
                "link": .number(UInt64(ProfileLink.maximumBytes)), "links": .number(UInt64(ProfileLink.maximumCount)),
                "endpoints": .number(UInt64(Profile.maximumEndpoints)), "endpoint": .number(UInt64(Endpoint.maximumLength)),
            ],
            "views": .array(views),
            "valid": .array(valid),
            "invalid": .array(invalid),
            "endpoints": ["valid": .array(endpointValid), "invalid": .array(endpointInvalid)],
            "links": ["valid": .array(linkValid), "invalid": .array(linkInvalid)],
            "version_rule": .array(rule),
        ]
    }
}
