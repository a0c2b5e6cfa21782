public import NIOCore
import VouchProtocol

/// Cuts the decrypted stream into frame payloads. The size rule is `WireFrame.payloadLength`,
/// the same one the pure `FrameDecoder` uses; an oversize or empty frame is an error that
/// closes the session (after an error reply), because what follows it cannot be trusted.
public struct WireFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    let maximumFrameSize: Int

    public init(maximumFrameSize: Int) { self.maximumFrameSize = maximumFrameSize }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: WireFrame.headerSize) else { return .needMoreData }
        let length = try WireFrame.payloadLength(header: header, maximum: maximumFrameSize)
        guard buffer.readableBytes >= WireFrame.headerSize + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: WireFrame.headerSize)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: length)!))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw TruncatedFrame(pendingBytes: buffer.readableBytes)
        }
        return .needMoreData
    }
}

/// The peer closed the connection in the middle of a frame.
public struct TruncatedFrame: Error, CustomStringConvertible {
    public let pendingBytes: Int
    public var description: String { "the connection ended inside a frame (\(pendingBytes) bytes of it received)" }
}

/// Prefixes each outbound payload with its 4-byte length.
public struct WireFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes), endianness: .big)
        var data = data
        out.writeBuffer(&data)
    }
}
