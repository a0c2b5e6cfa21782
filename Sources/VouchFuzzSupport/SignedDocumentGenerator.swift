public import VouchCrypto
public import VouchProtocol

/// Validly encoded, validly signed profile documents whose values come from the edges
/// (`EdgeValues`), for structure-aware targets: a mutation of the fuzzer's bytes changes a value
/// inside the signed payload and the signature still verifies, so the input gets past the
/// envelope check to the payload rules and whatever stores the result. A few choices break the
/// shape on purpose (a missing, unknown or wrongly typed member; another type; a bad signature).
public enum SignedDocumentGenerator {
    /// The encoded envelope of a generated profile document, signed by one of `FuzzKeys.signers`.
    public static func profileEnvelope(_ input: inout FuzzInput) -> [UInt8] {
        let payload = input.chance(3) ? input.rawBytes(maximum: 64) : profilePayload(&input).encoded
        let type = input.chance(5) ? input.text(limit: 32) : DocumentType.profile.name
        let format: UInt64 = input.chance(5) ? input.uint64() : 1
        let key = input.pick(FuzzKeys.signers)
        return envelope(&input, type: type, format: format, payload: payload, key: key)
    }

    /// A signed envelope of exactly these members, its signature valid unless a rare choice flips
    /// one bit of it: the one place generators sign.
    public static func envelope(_ input: inout FuzzInput, type: String, format: UInt64, payload: [UInt8], key: Ed25519PrivateKey) -> [UInt8] {
        let signer = key.publicKey.rawRepresentation
        let signed = SignedEnvelope.signatureInput(type: type, formatVersion: format, signer: signer, payload: payload)
        var signature = try! key.signature(for: signed)
        if input.chance(2) { signature[input.index(below: signature.count)] ^= 1 }
        return CBORValue.array([.text(type), .unsigned(format), .bytes(signer), .bytes(payload), .bytes(signature)]).encoded
    }

    /// A profile payload (Protocol/profile.md) with every member drawn from the edges.
    public static func profilePayload(_ input: inout FuzzInput) -> CBORValue {
        var fields: [String: CBORValue] = [:]
        for field in ProfileField.allCases where input.chance(50) {
            fields[field.rawValue] = .text(input.text(limit: field.maximumBytes))
        }
        var members: [String: CBORValue] = [
            "version": .unsigned(input.uint64()),
            "updated": .unsigned(input.uint64()),
            "audience": .text(input.chance(15) ? input.text(limit: 16) : input.pick(Audience.allCases).rawValue),
            "fields": .map(fields),
            "links": .array((0..<input.index(below: ProfileLink.maximumCount + 2)).map { _ in .text(link(&input)) }),
            "endpoints": .array((0..<input.index(below: Profile.maximumEndpoints + 2)).map { _ in .text(endpoint(&input)) }),
        ]
        if input.chance(5) { members.removeValue(forKey: input.pick(Array(members.keys).sorted())) }
        if input.chance(5) { members[input.pick(Array(members.keys).sorted())] = CBORValueGenerator.value(&input) }
        if input.chance(3) { members[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
        if input.chance(3) { fields[input.text(limit: 12)] = .text("x"); members["fields"] = .map(fields) }
        return .map(members)
    }

    static func link(_ input: inout FuzzInput) -> String {
        if input.chance(20) { return input.text(limit: ProfileLink.maximumBytes) }
        let scheme = input.pick(["https://", "mailto:", "x:", "h-t.t+p:", "1http://"])
        return scheme + input.text(limit: ProfileLink.maximumBytes - scheme.utf8.count)
    }

    static func endpoint(_ input: inout FuzzInput) -> String {
        if input.chance(10) { return input.text(limit: Endpoint.maximumLength) }
        let host = input.chance(15)
            ? input.text(limit: 253)
            : input.pick(["localhost", "a.example.org", "127.0.0.1", "[::1]", "[2001:db8::7]", "[::ffff:1.2.3.4]",
                          String(repeating: "a", count: 63), String(repeating: "a", count: 64),
                          Array(repeating: String(repeating: "b", count: 63), count: 4).joined(separator: ".").prefix(253).description])
        let port = input.chance(10) ? input.text(limit: 6) : String(input.uint64())
        return "\(host):\(port)"
    }
}

/// Any CBOR value of the subset, small and shallow, for members whose type is being tested.
public enum CBORValueGenerator {
    public static func value(_ input: inout FuzzInput, depth: Int = 0) -> CBORValue {
        switch input.index(below: depth < 3 ? 6 : 4) {
        case 0: return .unsigned(input.uint64())
        case 1: return .text(input.text(limit: 64))
        case 2: return .bytes(input.rawBytes(maximum: 40))
        case 3: return .bool(input.chance(50))
        case 4: return .array((0..<input.index(below: 4)).map { _ in value(&input, depth: depth + 1) })
        default:
            var map: [String: CBORValue] = [:]
            for _ in 0..<input.index(below: 4) { map[input.text(limit: 12)] = value(&input, depth: depth + 1) }
            return .map(map)
        }
    }
}
