/// Frames on a Vouch session (Protocol/transport.md §Framing): a 4-byte big-endian length,
/// then that many bytes holding one message. The length is 1 … `maximumFrameSize`.
public enum WireFrame {
    public static let headerSize = 4

    public static func header(forPayloadSize size: Int) -> [UInt8] {
        let n = UInt32(size)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
    }

    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        header(forPayloadSize: payload.count) + payload
    }

    /// The payload length announced by a 4-byte header, or the error that ends the session.
    public static func payloadLength(header b: some Collection<UInt8>, maximum: Int) throws -> Int {
        let bytes = Array(b)
        precondition(bytes.count == headerSize)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0 else { throw ProtocolError(.malformed, "a frame of length 0") }
        guard length <= maximum else {
            throw ProtocolError(.tooLarge, "a frame of \(length) bytes; the limit is \(maximum)")
        }
        return length
    }
}

/// Cuts a byte stream into frames. Pure: the NIO decoder and the tests feed it the same way.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    public let maximumFrameSize: Int

    public init(maximumFrameSize: Int = TransportLimits.default.maximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame's payload, nil when more bytes are needed, or the error that
    /// ends the session (an oversize or zero-length frame: what follows cannot be trusted).
    public mutating func next() throws -> [UInt8]? {
        guard buffer.count - start >= WireFrame.headerSize else { compact(); return nil }
        let length = try WireFrame.payloadLength(header: buffer[start..<start + WireFrame.headerSize], maximum: maximumFrameSize)
        guard buffer.count - start - WireFrame.headerSize >= length else { compact(); return nil }
        let payloadStart = start + WireFrame.headerSize
        let payload = Array(buffer[payloadStart..<payloadStart + length])
        start = payloadStart + length
        return payload
    }

    /// Bytes received that do not yet form a whole frame: non-zero at EOF means a frame was cut off.
    public var pendingByteCount: Int { buffer.count - start }

    private mutating func compact() {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
