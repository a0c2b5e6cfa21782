import Testing
@testable import VouchProtocol

@Suite("Wire framing")
struct WireFrameTests {
    @Test("the header is the payload length, 4 bytes big-endian", arguments: [
        (1, [0, 0, 0, 1]),
        (255, [0, 0, 0, 0xFF]),
        (256, [0, 0, 1, 0]),
        (65_535, [0, 0, 0xFF, 0xFF]),
        (262_144, [0, 4, 0, 0]),
        (0x0102_0304, [1, 2, 3, 4]),
    ] as [(Int, [UInt8])])
    func headerEncoding(size: Int, header: [UInt8]) throws {
        #expect(WireFrame.header(forPayloadSize: size) == header)
        #expect(try WireFrame.payloadLength(header: header, maximum: Int(UInt32.max)) == size)
    }

    @Test func encodePrefixesThePayload() {
        #expect(WireFrame.encode([9, 8, 7]) == [0, 0, 0, 3, 9, 8, 7])
    }

    @Test func theLimitItselfIsAccepted() throws {
        let limit = TransportLimits.default.maximumFrameSize
        #expect(try WireFrame.payloadLength(header: WireFrame.header(forPayloadSize: limit), maximum: limit) == limit)
    }

    @Test("a zero or oversize length ends the session with the right code", arguments: [
        ([0, 0, 0, 0], ProtocolError.Code.malformed),
        (WireFrame.header(forPayloadSize: TransportLimits.default.maximumFrameSize + 1), .tooLarge),
        ([0xFF, 0xFF, 0xFF, 0xFF], .tooLarge),
        ([0x80, 0, 0, 0], .tooLarge),
    ] as [([UInt8], ProtocolError.Code)])
    func refusedLengths(header: [UInt8], code: ProtocolError.Code) {
        expectWireError(code, "header \(header)") {
            try WireFrame.payloadLength(header: header, maximum: TransportLimits.default.maximumFrameSize)
        }
    }

    // MARK: FrameDecoder

    /// Payloads of assorted sizes, each filled with a different byte so a mix-up shows.
    static let payloads: [[UInt8]] = [1, 2, 5, 300, 4_096, 17].enumerated().map { i, size in
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
    }
    static var stream: [UInt8] { payloads.flatMap(WireFrame.encode) }

    /// Feeds `bytes` in pieces of the given sizes (cycling), draining frames after each piece.
    static func feed(_ bytes: [UInt8], chunks: [Int], maximum: Int = TransportLimits.default.maximumFrameSize) throws
        -> (frames: [[UInt8]], decoder: FrameDecoder) {
        var decoder = FrameDecoder(maximumFrameSize: maximum)
        var frames: [[UInt8]] = []
        var offset = 0, index = 0
        while offset < bytes.count {
            let size = min(chunks[index % chunks.count], bytes.count - offset)
            decoder.append(bytes[offset..<offset + size])
            offset += size
            index += 1
            while let frame = try decoder.next() { frames.append(frame) }
        }
        return (frames, decoder)
    }

    @Test("any cut of the stream yields the same frames", arguments: [
        [Int.max], [1], [2], [3], [4], [5], [7], [1, 3, 1000], [4_099], [13, 1],
    ])
    func chunkingDoesNotMatter(chunks: [Int]) throws {
        let (frames, decoder) = try Self.feed(Self.stream, chunks: chunks)
        #expect(frames == Self.payloads)
        #expect(decoder.pendingByteCount == 0)
    }

    @Test func nothingIsReturnedBeforeAFrameIsWhole() throws {
        var decoder = FrameDecoder()
        #expect(try decoder.next() == nil)
        decoder.append([0, 0, 0])
        #expect(try decoder.next() == nil)
        decoder.append([2, 0xAA])
        #expect(try decoder.next() == nil)
        decoder.append([0xBB])
        #expect(try decoder.next() == [0xAA, 0xBB])
        #expect(try decoder.next() == nil)
    }

    @Test("pendingByteCount tells a stream cut inside a frame", arguments: [1, 3, 4, 5, 150, 303])
    func pendingAfterACut(cut: Int) throws {
        // Two whole frames, then the first `cut` bytes of a 300-byte frame (304 with its header).
        let whole = WireFrame.encode([1]) + WireFrame.encode([2, 3])
        let partial = Array(WireFrame.encode([UInt8](repeating: 0x5A, count: 300)).prefix(cut))
        let (frames, decoder) = try Self.feed(whole + partial, chunks: [2])
        #expect(frames == [[1], [2, 3]])
        #expect(decoder.pendingByteCount == cut)
    }

    @Test func anOversizeHeaderIsRefusedBeforeItsPayloadArrives() {
        var decoder = FrameDecoder(maximumFrameSize: 100)
        decoder.append(WireFrame.header(forPayloadSize: 101))
        expectWireError(.tooLarge, "101-byte frame, limit 100") { try decoder.next() }
    }

    @Test func aZeroLengthFrameInTheStreamIsMalformed() throws {
        var decoder = FrameDecoder()
        decoder.append(WireFrame.encode([7]) + [0, 0, 0, 0] + WireFrame.encode([8]))
        #expect(try decoder.next() == [7])
        expectWireError(.malformed, "zero-length frame") { try decoder.next() }
    }

    @Test func theDecoderUsesItsOwnLimit() throws {
        let (frames, _) = try Self.feed(WireFrame.encode([UInt8](repeating: 1, count: 100)), chunks: [Int.max], maximum: 100)
        #expect(frames.count == 1)
        expectWireError(.tooLarge, "limit 99") {
            try Self.feed(WireFrame.encode([UInt8](repeating: 1, count: 100)), chunks: [Int.max], maximum: 99)
        }
    }
}
