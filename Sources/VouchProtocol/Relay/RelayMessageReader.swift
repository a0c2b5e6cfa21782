/// Splits a relay connection's byte stream into messages. Holds at most one message's bytes
/// (header and a payload of at most 1024): a header over the limit is refused before its
/// payload is awaited. After a session-mode `Response`, `takeRemainder()` hands over the bytes
/// that already belong to the relayed stream.
public struct RelayMessageReader: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    /// Bytes held and not yet returned as a message.
    public var bufferedCount: Int { buffer.count }

    /// Adds bytes read from the connection and returns the complete messages they finish.
    /// `limit` stops after that many messages, leaving the rest buffered.
    public mutating func append(_ bytes: some Collection<UInt8>, limit: Int = .max) throws -> [RelayMessage] {
        buffer += bytes
        var messages: [RelayMessage] = []
        while messages.count < limit, buffer.count >= RelayMessage.headerLength {
            let (type, length) = try RelayMessage.header(buffer)
            guard buffer.count >= RelayMessage.headerLength + length else { break }
            let payload = Array(buffer[RelayMessage.headerLength..<RelayMessage.headerLength + length])
            buffer.removeFirst(RelayMessage.headerLength + length)
            messages.append(try RelayMessage(type: type, payload: payload))
        }
        return messages
    }

    /// The bytes after the last message returned, emptying the reader.
    public mutating func takeRemainder() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }
}
