/// The messages of Syncthing's relay protocol v1 (Protocol/relay.md §6, syncthing-relay(7)):
/// pure values with their XDR encoding and a strict decoder. Everything from a relay is
/// untrusted, so every length is bounded before anything is read or allocated.
public enum RelayMessage: Sendable, Equatable {
    case ping
    case pong
    case joinRelayRequest
    /// Session mode's only message: the key from a session invitation.
    case joinSessionRequest(key: [UInt8])
    case response(RelayResponse)
    /// Asks the relay for a session with the device it knows by this ID.
    case connectRequest(device: [UInt8])
    case sessionInvitation(RelaySessionInvitation)
    case relayFull

    public static let magic: UInt32 = 0x9E79_BC40
    public static let headerLength = 12
    /// The largest payload a reader accepts (strelaysrv's own limit).
    public static let maximumPayloadLength = 1024
    /// Every opaque field (keys, device IDs, addresses) holds at most 32 bytes.
    public static let maximumOpaqueLength = 32

    var type: Int32 {
        switch self {
        case .ping: 0
        case .pong: 1
        case .joinRelayRequest: 2
        case .joinSessionRequest: 3
        case .response: 4
        case .connectRequest: 5
        case .sessionInvitation: 6
        case .relayFull: 7
        }
    }

    /// Header and payload; refuses fields over their limits rather than writing what a reader refuses.
    public func encoded() throws -> [UInt8] {
        var payload = XDRWriter()
        switch self {
        case .ping, .pong, .joinRelayRequest, .relayFull:
            break
        case .joinSessionRequest(let key):
            try payload.opaque(key, "key")
        case .response(let response):
            payload.uint32(UInt32(bitPattern: response.code))
            guard response.message.utf8.count <= RelayResponse.maximumMessageLength else {
                throw ProtocolError(.tooLarge, "a relay response message is at most \(RelayResponse.maximumMessageLength) bytes")
            }
            payload.padded(Array(response.message.utf8))
        case .connectRequest(let device):
            try payload.opaque(device, "device ID")
        case .sessionInvitation(let invitation):
            try payload.opaque(invitation.from, "from")
            try payload.opaque(invitation.key, "key")
            try payload.opaque(invitation.address, "address")
            payload.uint32(UInt32(invitation.port))
            payload.uint32(invitation.serverSocket ? 1 : 0)
        }
        var header = XDRWriter()
        header.uint32(Self.magic)
        header.uint32(UInt32(bitPattern: type))
        header.uint32(UInt32(payload.bytes.count))
        return header.bytes + payload.bytes
    }

    /// Reads a header: the payload's type and length, refused before any payload is read when
    /// the magic is wrong, the type unknown or the length over the limit.
    public static func header(_ bytes: some Collection<UInt8>) throws -> (type: Int32, length: Int) {
        var reader = XDRReader(Array(bytes.prefix(headerLength)))
        guard bytes.count >= headerLength else { throw ProtocolError(.truncated, "a relay message header is \(headerLength) bytes") }
        let magic = try reader.uint32("magic")
        guard magic == Self.magic else {
            throw ProtocolError(.malformed, "not a relay message: magic \(hex(magic)) instead of \(hex(Self.magic))")
        }
        let type = Int32(bitPattern: try reader.uint32("type"))
        guard (0...7).contains(type) else { throw ProtocolError(.malformed, "unknown relay message type \(type)") }
        let length = try reader.uint32("length")
        guard length <= UInt32(maximumPayloadLength) else {
            throw ProtocolError(.tooLarge, "a relay message announces \(length) bytes, more than \(maximumPayloadLength)")
        }
        return (type, Int(length))
    }

    /// Decodes one whole message (header and payload, nothing after it).
    public init(decoding bytes: [UInt8]) throws {
        let (type, length) = try Self.header(bytes)
        let payload = bytes.dropFirst(Self.headerLength)
        guard payload.count >= length else { throw ProtocolError(.truncated, "the relay message ends inside its payload") }
        guard payload.count == length else { throw ProtocolError(.trailingBytes, "bytes follow the relay message") }
        try self.init(type: type, payload: Array(payload))
    }

    /// Decodes a payload whose header was read with `header(_:)`.
    public init(type: Int32, payload: [UInt8]) throws {
        guard payload.count <= Self.maximumPayloadLength else {
            throw ProtocolError(.tooLarge, "a relay message payload is at most \(Self.maximumPayloadLength) bytes")
        }
        var reader = XDRReader(payload)
        switch type {
        case 0: self = .ping
        case 1: self = .pong
        case 2: self = .joinRelayRequest
        case 3: self = .joinSessionRequest(key: try reader.opaque("key"))
        case 4:
            let code = Int32(bitPattern: try reader.uint32("code"))
            let raw = try reader.variable("message", limit: RelayResponse.maximumMessageLength)
            guard let message = String(validating: raw, as: UTF8.self) else {
                throw ProtocolError(.malformed, "the relay response message is not UTF-8")
            }
            self = .response(RelayResponse(code: code, message: message))
        case 5: self = .connectRequest(device: try reader.opaque("device ID"))
        case 6:
            let from = try reader.opaque("from"), key = try reader.opaque("key"), address = try reader.opaque("address")
            let port = try reader.uint32("port")
            guard port <= UInt32(UInt16.max) else { throw ProtocolError(.malformed, "relay invitation port \(port) is above 65535") }
            let flag = try reader.uint32("server socket")
            guard flag <= 1 else { throw ProtocolError(.malformed, "relay invitation server-socket flag \(flag) is not a bool") }
            self = .sessionInvitation(RelaySessionInvitation(from: from, key: key, address: address, port: UInt16(port), serverSocket: flag == 1))
        case 7: self = .relayFull
        default: throw ProtocolError(.malformed, "unknown relay message type \(type)")
        }
        guard reader.isAtEnd else { throw ProtocolError(.trailingBytes, "bytes follow the relay message's last field") }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// A relay's answer to a join or a request. Codes from strelaysrv: 0 success, 1 not found,
/// 2 already connected, 100 unexpected message.
public struct RelayResponse: Sendable, Equatable {
    public static let maximumMessageLength = RelayMessage.maximumPayloadLength - 12
    public static let success: Int32 = 0
    public static let notFound: Int32 = 1
    public static let alreadyConnected: Int32 = 2
    public static let unexpectedMessage: Int32 = 100

    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
}

/// The relay's offer of a session: join it in session mode at address:port with the key.
public struct RelaySessionInvitation: Sendable, Equatable {
    /// The other party's device ID (raw; at most 32 bytes).
    public let from: [UInt8]
    public let key: [UInt8]
    /// An IPv4 or IPv6 address (4 or 16 bytes); empty or all zero means the relay's own address.
    public let address: [UInt8]
    public let port: UInt16
    public let serverSocket: Bool

    public init(from: [UInt8], key: [UInt8], address: [UInt8], port: UInt16, serverSocket: Bool) {
        self.from = from
        self.key = key
        self.address = address
        self.port = port
        self.serverSocket = serverSocket
    }

    /// True when the invitation names no address, so the session is at the relay's own.
    public var usesRelayAddress: Bool { address.allSatisfy { $0 == 0 } }
}

/// XDR writing (RFC 4506): big-endian 4-byte integers, variable data padded to 4 bytes with zeros.
struct XDRWriter {
    var bytes: [UInt8] = []

    mutating func uint32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func padded(_ data: [UInt8]) {
        uint32(UInt32(data.count))
        bytes += data
        bytes += [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
    }

    mutating func opaque(_ data: [UInt8], _ field: String) throws {
        guard data.count <= RelayMessage.maximumOpaqueLength else {
            throw ProtocolError(.tooLarge, "relay message field \(field) is at most \(RelayMessage.maximumOpaqueLength) bytes, not \(data.count)")
        }
        padded(data)
    }
}

/// XDR reading with every length bounded and padding required to be zero.
struct XDRReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func uint32(_ field: String) throws -> UInt32 {
        guard bytes.count - offset >= 4 else { throw ProtocolError(.truncated, "the relay message ends inside \(field)") }
        defer { offset += 4 }
        return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func opaque(_ field: String) throws -> [UInt8] {
        try variable(field, limit: RelayMessage.maximumOpaqueLength)
    }

    mutating func variable(_ field: String, limit: Int) throws -> [UInt8] {
        let length = try uint32("the length of \(field)")
        guard length <= UInt32(limit) else {
            throw ProtocolError(.malformed, "relay message field \(field) announces \(length) bytes, more than \(limit)")
        }
        let count = Int(length), padding = (4 - count % 4) % 4
        guard bytes.count - offset >= count + padding else { throw ProtocolError(.truncated, "the relay message ends inside \(field)") }
        let data = Array(bytes[offset..<offset + count])
        guard bytes[offset + count..<offset + count + padding].allSatisfy({ $0 == 0 }) else {
            throw ProtocolError(.malformed, "relay message field \(field) has non-zero padding")
        }
        offset += count + padding
        return data
    }
}
