import Foundation
import NIOCore

/// One unit of input from an admin connection: a line, or the news that a line was too long.
enum AdminLine: Sendable, Equatable {
    /// The bytes of one line, without its `\n` (and without a `\r` before it).
    case line(ByteBuffer)
    /// A line longer than the limit; everything after it is discarded, because the stream can no
    /// longer be split into lines reliably. The connection answers `too-large` and closes.
    case tooLong
}

/// Newline-delimited JSON: the framing of the admin API, both directions.
///
/// JSON text never contains a raw newline (encoders escape it inside strings), so a newline
/// is an unambiguous frame end, and people can speak the protocol with `socat` or ten lines of
/// Python.
enum AdminLineCodec {
    /// The longest request line the server reads (1 MiB, newline excluded). Requests are small;
    /// the bound keeps a buggy or hostile local client from making the daemon buffer without end.
    static let maximumRequestLength = 1 << 20
    /// The longest response or event line the client reads. Larger than the request limit, since
    /// answers (a list of connections) are bigger than questions; still a bound.
    static let maximumResponseLength = 64 << 20

    /// `value` as one line of compact JSON with a final newline. Keys are sorted so the same
    /// value is always the same text (tests and diffs of captured output rely on it).
    static func encode(_ value: JSONValue) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSONValue's encoding cannot fail: every case maps to JSON (non-finite doubles to null).
        var bytes = (try? encoder.encode(value)) ?? Data("null".utf8)
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }

    /// `value` as compact JSON text without the newline, for messages.
    static func text(of value: JSONValue) -> String {
        var line = encode(value)
        return line.readString(length: line.readableBytes - 1) ?? ""
    }

    /// The JSON value of one line; throws on anything that is not a single JSON document.
    static func decode(_ line: ByteBuffer) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(line.readableBytesView))
    }
}

/// Splits a byte stream into ``AdminLine``s, enforcing the line length limit.
struct AdminLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = AdminLine

    let maximumLength: Int
    /// How far the current (incomplete) line has been searched for a newline already, so a long
    /// line arriving in many reads is scanned once, not once per read.
    private var searched = 0
    private var discarding = false

    init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if discarding {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let start = view.index(view.startIndex, offsetBy: searched)
        guard let newline = view[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            searched = view.count
            if view.count > maximumLength {
                discarding = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
                context.fireChannelRead(wrapInboundOut(.tooLong))
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        searched = 0
        if length > maximumLength {
            discarding = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(wrapInboundOut(.tooLong))
            return .needMoreData
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    /// At end of input, a last line without a newline still counts: `printf '…' | socat` works.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !discarding, buffer.readableBytes > 0, let line = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
