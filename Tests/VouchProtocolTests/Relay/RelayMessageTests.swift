import Testing
@testable import VouchProtocol

@Suite("Relay protocol messages")
struct RelayMessageTests {
    static let key = [UInt8](repeating: 0xAB, count: 32)
    static let device = Array(UInt8(0)..<32)

    static let messages: [RelayMessage] = [
        .ping, .pong, .joinRelayRequest, .relayFull,
        .joinSessionRequest(key: key),
        .joinSessionRequest(key: []),
        .response(RelayResponse(code: 0, message: "success")),
        .response(RelayResponse(code: 100, message: "unexpected message")),
        .response(RelayResponse(code: -1, message: "")),
        .response(RelayResponse(code: 2, message: String(repeating: "é", count: RelayResponse.maximumMessageLength / 2))),
        .connectRequest(device: device),
        .sessionInvitation(RelaySessionInvitation(from: device, key: key, address: [127, 0, 0, 1], port: 22067, serverSocket: true)),
        .sessionInvitation(RelaySessionInvitation(from: [1], key: [2, 3], address: [], port: 0, serverSocket: false)),
        .sessionInvitation(RelaySessionInvitation(from: device, key: key, address: Array(repeating: 0, count: 16), port: 65535, serverSocket: false)),
    ]

    @Test("every message round-trips, in one piece and byte by byte", arguments: messages)
    func roundTrip(message: RelayMessage) throws {
        let bytes = try message.encoded()
        #expect(bytes.count % 4 == 0)
        #expect(try RelayMessage(decoding: bytes) == message)
        var reader = RelayMessageReader()
        var decoded: [RelayMessage] = []
        for byte in bytes { decoded += try reader.append([byte]) }
        #expect(decoded == [message])
        #expect(reader.bufferedCount == 0)
    }

    @Test("the encodings are syncthing-relay(7)'s")
    func knownBytes() throws {
        #expect(try RelayMessage.ping.encoded() == hex("9e79bc40 00000000 00000000"))
        #expect(try RelayMessage.joinRelayRequest.encoded() == hex("9e79bc40 00000002 00000000"))
        #expect(try RelayMessage.response(RelayResponse(code: 1, message: "not found")).encoded()
                == hex("9e79bc40 00000004 00000014 00000001 00000009 6e6f7420666f756e64 000000"))
        #expect(try RelayMessage.sessionInvitation(RelaySessionInvitation(from: [0xAA], key: [0xBB, 0xCC], address: [], port: 22067, serverSocket: true)).encoded()
                == hex("9e79bc40 00000006 0000001c 00000001 aa000000 00000002 bbcc0000 00000000 00005633 00000001"))
    }

    @Test("writers refuse fields a reader would refuse")
    func writerLimits() {
        let long = [UInt8](repeating: 1, count: 33)
        #expect(throws: ProtocolError.self) { try RelayMessage.joinSessionRequest(key: long).encoded() }
        #expect(throws: ProtocolError.self) { try RelayMessage.connectRequest(device: long).encoded() }
        #expect(throws: ProtocolError.self) {
            try RelayMessage.sessionInvitation(RelaySessionInvitation(from: [], key: [], address: long, port: 1, serverSocket: false)).encoded()
        }
        #expect(throws: ProtocolError.self) {
            try RelayMessage.response(RelayResponse(code: 0, message: String(repeating: "x", count: RelayResponse.maximumMessageLength + 1))).encoded()
        }
    }

    static let malformed: [(String, String, ProtocolError.Code)] = [
        ("wrong magic", "9e79bc41 00000000 00000000", .malformed),
        ("unknown type 8", "9e79bc40 00000008 00000000", .malformed),
        ("negative type", "9e79bc40 ffffffff 00000000", .malformed),
        ("length above 1024", "9e79bc40 00000000 00000401", .tooLarge),
        ("negative length", "9e79bc40 00000000 ffffffff", .tooLarge),
        ("header cut short", "9e79bc40 0000", .truncated),
        ("payload cut short", "9e79bc40 00000003 00000008 00000004", .truncated),
        ("bytes after the message", "9e79bc40 00000000 00000000 00", .trailingBytes),
        ("ping with a payload", "9e79bc40 00000000 00000004 00000000", .trailingBytes),
        ("key over 32 bytes", "9e79bc40 00000003 00000028 00000021" + String(repeating: "00", count: 36), .malformed),
        ("key length past the payload", "9e79bc40 00000003 00000004 00000020", .truncated),
        ("non-zero padding", "9e79bc40 00000005 00000008 00000001 aa000100", .malformed),
        ("port above 65535", "9e79bc40 00000006 00000014 00000000 00000000 00000000 00010000 00000000", .malformed),
        ("bool of 2", "9e79bc40 00000006 00000014 00000000 00000000 00000000 00000001 00000002", .malformed),
        ("invitation without its flag", "9e79bc40 00000006 00000010 00000000 00000000 00000000 00000001", .truncated),
        ("response not UTF-8", "9e79bc40 00000004 0000000c 00000000 00000002 c3280000", .malformed),
        ("response message over its limit", "9e79bc40 00000004 00000400 00000000 000003f9" + String(repeating: "00", count: 1016), .malformed),
    ]

    @Test("malformed and oversize messages are refused with a clear error", arguments: malformed)
    func refuses(what: String, bytes: String, code: ProtocolError.Code) {
        #expect(Comment(rawValue: what)) { try RelayMessage(decoding: hex(bytes)) } throws: { ($0 as? ProtocolError)?.code == code }
    }

    @Test("the stream reader refuses an oversize header before its payload arrives")
    func readerRefusesEarly() {
        var reader = RelayMessageReader()
        #expect(throws: ProtocolError.self) { try reader.append(hex("9e79bc40 00000004 7fffffff")) }
    }

    @Test("the stream reader hands over the relayed bytes that follow a response")
    func remainder() throws {
        var reader = RelayMessageReader()
        let response = try RelayMessage.response(RelayResponse(code: 0, message: "success")).encoded()
        let messages = try reader.append(response + [0x16, 0x03, 0x01] + (try RelayMessage.ping.encoded()), limit: 1)
        #expect(messages == [.response(RelayResponse(code: 0, message: "success"))])
        #expect(reader.takeRemainder().prefix(3) == [0x16, 0x03, 0x01])
        #expect(reader.bufferedCount == 0)
    }
}
