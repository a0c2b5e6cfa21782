import Foundation
import Testing
import VouchCrypto
@testable import VouchProtocol

/// Protocol/vectors/relay.json (Protocol/relay.md): device IDs, the node's relay certificate,
/// relay endpoints and URIs, and the relay protocol's messages, computed by the code. Every
/// negative case names the outcome it is meant to show, and the builder checks the code agrees.
extension VectorBuilder {
    static let relayID = "EWAO4YS-CAAPA4F-A5YK5K4-WOS3EIB-QFHRYSY-KWA3R6B-5HYCSFT-O4PWAQO"
    static let deviceID = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2"

    static func relay() throws -> JSONVectorValue {
        let deviceBytes: [[UInt8]] = [
            hex("2580ee6242001e0e03b85755cb3a5b222053c712c2ac0dc7dd3e0522cddc7d81"),
            [UInt8](repeating: 0, count: 32), [UInt8](repeating: 0xFF, count: 32), Array(UInt8(1)...32),
        ]
        let deviceIDs: [JSONVectorValue] = try deviceBytes.map { bytes in
            ["bytes": hexValue(bytes), "text": .string(try RelayDeviceID(bytes: bytes).description)]
        }
        let lenient: [(String, String)] = [
            ("without check characters, lower case", "p56ioi7mzjnu2iqgdreydm2mgtmgl3bxnpq6w5btbbz4tjxzwicq"),
            ("look-alike digits", "P561017MZJNU2YIQGDREYDM2MGTIMGL3BXNPQ6W5BMT88Z4TJXZWICQ2"),
            ("spaces", "P56IOI7 MZJNU2Y IQGDREY DM2MGTI MGL3BXN PQ6W5BM TBBZ4TJ XZWICQ2"),
            ("written form", deviceID),
        ]
        let lenientInvalid: [(String, String)] = [
            ("wrong check character", "P56IOI7-MZJNU2Z-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2"),
            ("57 characters", "P56IOI7MZJNU2IQGDREYDM2MGTMGL3BXNPQ6W5BTBBZ4TJXZWICQCCCCC"),
            ("unused bits of the last character not zero", "p56ioi7mzjnu2iqgdreydm2mgtmgl3bxnpq6w5btbbz4tjxzwicr"),
            ("not base32", "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ9"),
            ("empty", ""),
        ]

        let certificates: [JSONVectorValue] = try [FixedKeys.seed1, FixedKeys.seed2].map { seed in
            let key = try Ed25519PrivateKey(seed: seed)
            let certificate = try RelayCertificate(key: key)
            return ["seed": hexValue(seed), "public_key": hexValue(key.publicKey.rawRepresentation),
                    "der": hexValue(certificate.der), "device_id": .string(certificate.deviceID.description)]
        }

        let validEndpoints: [JSONVectorValue] = try [
            "relay://relay.example.org:22067/?id=\(relayID)&device=\(deviceID)",
            "relay://192.0.2.7:443/?id=\(relayID)&device=\(deviceID)",
            "relay://[2001:db8::7]:22067/?id=\(deviceID)&device=\(relayID)",
        ].map { text in
            let endpoint = try Endpoint(parsing: text)
            return ["text": .string(text), "host": .string(endpoint.host), "port": .number(UInt64(endpoint.port)),
                    "relay_id": hexValue(endpoint.relay!.relay.bytes), "device_id": hexValue(endpoint.relay!.device.bytes)]
        }
        let invalidEndpoints: [(String, String, String)] = [
            ("no device", "relay://relay.example.org:22067/?id=\(relayID)", "invalid-value"),
            ("no slash before the query", "relay://relay.example.org:22067?id=\(relayID)&device=\(deviceID)", "invalid-value"),
            ("no port", "relay://relay.example.org/?id=\(relayID)&device=\(deviceID)", "invalid-value"),
            ("parameters swapped", "relay://relay.example.org:22067/?device=\(deviceID)&id=\(relayID)", "invalid-value"),
            ("lower-case ID", "relay://relay.example.org:22067/?id=\(relayID.lowercased())&device=\(deviceID)", "invalid-value"),
            ("ID without dashes", "relay://relay.example.org:22067/?id=\(relayID)&device=\(deviceID.replacingOccurrences(of: "-", with: ""))", "invalid-value"),
            ("extra parameter", "relay://relay.example.org:22067/?id=\(relayID)&device=\(deviceID)&x=1", "invalid-value"),
            ("upper-case scheme (a direct endpoint, then)", "RELAY://relay.example.org:22067/?id=\(relayID)&device=\(deviceID)", "invalid-value"),
            ("wrong check character", "relay://relay.example.org:22067/?id=\(relayID)&device=P56IOI7-MZJNU2Z-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2", "invalid-value"),
            ("over 409 bytes", "relay://" + String(repeating: "a", count: 400) + ":1/?id=\(relayID)&device=\(deviceID)", "field-too-long"),
        ]

        let uris: [(String, String)] = [
            ("as strelaysrv prints it", "relay://127.0.0.1:22067/?id=\(relayID)&pingInterval=1m0s&networkTimeout=2m0s&sessionLimitBps=0&globalLimitBps=0&statusAddr=:22070&providedBy="),
            ("id last, lower case, scheme in capitals", "RELAY://relay.example.org:22067/?providedBy=x&id=\(relayID.lowercased())"),
            ("empty pairs and a name without a value", "relay://127.0.0.1:22067/?&&flag&id=\(relayID)&"),
        ]
        let invalidURIs: [(String, String, String)] = [
            ("no id", "relay://127.0.0.1:22067/?pingInterval=1m0s", "invalid-value"),
            ("two ids", "relay://127.0.0.1:22067/?id=\(relayID)&id=\(relayID)", "invalid-value"),
            ("no query", "relay://127.0.0.1:22067/", "invalid-value"),
            ("other scheme", "http://127.0.0.1:22067/?id=\(relayID)", "invalid-value"),
            ("over 1024 bytes", "relay://127.0.0.1:22067/?id=\(relayID)&x=" + String(repeating: "y", count: 1024), "field-too-long"),
        ]

        let key = [UInt8](repeating: 0xAB, count: 32)
        let messages: [(String, RelayMessage, JSONVectorValue)] = [
            ("ping", .ping, [:]), ("pong", .pong, [:]), ("join-relay-request", .joinRelayRequest, [:]), ("relay-full", .relayFull, [:]),
            ("join-session-request", .joinSessionRequest(key: key), ["key": hexValue(key)]),
            ("response", .response(RelayResponse(code: 0, message: "success")), ["code": 0, "message": "success"]),
            ("response", .response(RelayResponse(code: 1, message: "not found")), ["code": 1, "message": "not found"]),
            ("connect-request", .connectRequest(device: Array(UInt8(1)...32)), ["id": hexValue(Array(UInt8(1)...32))]),
            ("session-invitation", .sessionInvitation(RelaySessionInvitation(from: Array(UInt8(1)...32), key: key, address: [192, 0, 2, 7], port: 22067, serverSocket: true)),
             ["from": hexValue(Array(UInt8(1)...32)), "key": hexValue(key), "address": "c0000207", "port": 22067, "server_socket": true]),
            ("session-invitation", .sessionInvitation(RelaySessionInvitation(from: [0xAA], key: [0xBB, 0xCC], address: [], port: 1, serverSocket: false)),
             ["from": "aa", "key": "bbcc", "address": "", "port": 1, "server_socket": false]),
        ]
        let invalidMessages: [(String, String, String)] = [
            ("wrong magic", "9e79bc41 00000000 00000000", "malformed"),
            ("unknown type", "9e79bc40 00000008 00000000", "malformed"),
            ("length above 1024", "9e79bc40 00000000 00000401", "too-large"),
            ("header cut short", "9e79bc40 0000", "truncated"),
            ("payload cut short", "9e79bc40 00000003 00000008 00000004", "truncated"),
            ("bytes after the message", "9e79bc40 00000000 00000000 00", "trailing-bytes"),
            ("ping with a payload", "9e79bc40 00000000 00000004 00000000", "trailing-bytes"),
            ("key over 32 bytes", "9e79bc40 00000003 00000028 00000021" + String(repeating: "00", count: 36), "malformed"),
            ("non-zero padding", "9e79bc40 00000005 00000008 00000001 aa000100", "malformed"),
            ("port above 65535", "9e79bc40 00000006 00000014 00000000 00000000 00000000 00010000 00000000", "malformed"),
            ("bool of 2", "9e79bc40 00000006 00000014 00000000 00000000 00000000 00000001 00000002", "malformed"),
            ("response not UTF-8", "9e79bc40 00000004 0000000c 00000000 00000002 c3280000", "malformed"),
            ("response message over 1012 bytes", "9e79bc40 00000004 00000400 00000000 000003f8" + String(repeating: "61", count: 1016), "malformed"),
        ]

        return [
            "description": "Relays (Protocol/relay.md). device_ids: 32 bytes and their written form (§1). device_ids_lenient: input read as a relay URI's id is (§1) gives bytes; device_ids_lenient_invalid: input must be refused with error. relay_certificates: the node's deterministic relay certificate (§3) for an Ed25519 seed, its DER and device ID. endpoints: valid relay endpoints (§2.1) with their parts (relay_id and device_id as bytes); invalid ones must be refused with error. uris: a relay URI as an operator adds it (§2.2) gives host, port, relay_id and prints as canonical; invalid ones must be refused with error. messages: fields encode to exactly bytes and bytes decode to fields (§6); invalid bytes must be refused with error. limits: the maximum lengths in bytes of a relay endpoint, a relay URI, a message payload and an opaque field.",
            "device_ids": .array(deviceIDs),
            "device_ids_lenient": .array(try lenient.map { description, input in
                ["description": .string(description), "input": .string(input), "bytes": hexValue(try RelayDeviceID(parsing: input).bytes)]
            }),
            "device_ids_lenient_invalid": .array(lenientInvalid.map { description, input in
                ["description": .string(description), "input": .string(input),
                 "error": checked("invalid-value", description) { _ = try RelayDeviceID(parsing: input) }]
            }),
            "relay_certificates": .array(certificates),
            "endpoints": ["valid": .array(validEndpoints), "invalid": .array(invalidEndpoints.map { description, text, error in
                ["description": .string(description), "text": .string(text), "error": checked(error, description) { _ = try Endpoint(parsing: text) }]
            })],
            "uris": ["valid": .array(try uris.map { description, input in
                let uri = try RelayURI(parsing: input)
                return ["description": .string(description), "input": .string(input), "canonical": .string(uri.description),
                        "host": .string(uri.endpoint.host), "port": .number(UInt64(uri.endpoint.port)), "relay_id": hexValue(uri.id.bytes)]
            }), "invalid": .array(invalidURIs.map { description, input, error in
                ["description": .string(description), "input": .string(input), "error": checked(error, description) { _ = try RelayURI(parsing: input) }]
            })],
            "messages": ["valid": .array(try messages.map { name, message, fields in
                let bytes = try message.encoded()
                #expect(try RelayMessage(decoding: bytes) == message)
                return ["message": .string(name), "fields": fields, "bytes": hexValue(bytes)]
            }), "invalid": .array(invalidMessages.map { description, bytes, error in
                ["description": .string(description), "bytes": .string(bytes.replacingOccurrences(of: " ", with: "")),
                 "error": checked(error, description) { _ = try RelayMessage(decoding: hex(bytes)) }]
            })],
            "limits": ["endpoint": .number(UInt64(RelayRoute.maximumLength)), "uri": .number(UInt64(RelayURI.maximumLength)),
                       "payload": .number(UInt64(RelayMessage.maximumPayloadLength)), "opaque": .number(UInt64(RelayMessage.maximumOpaqueLength))],
        ]
    }
}
