public import NIOCore
import VouchAdmin

/// What the admin fuzz targets check of one line the admin server read: its JSON value
/// (`AdminLineCodec.decode`) and request shape (`AdminMessage.parseRequest`) do not trap, and a
/// value that decodes encodes to exactly one line that decodes to the same encoding again.
public enum AdminLineOracle {
    public static func check(_ line: ByteBuffer) {
        guard let value = try? AdminLineCodec.decode(line) else { return }
        _ = AdminMessage.parseRequest(value)
        let encoded = AdminLineCodec.encode(value)
        precondition(encoded.readableBytesView.last == UInt8(ascii: "\n")
                     && encoded.readableBytesView.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") },
                     "an encoded admin value is not exactly one line")
        let again = try? AdminLineCodec.decode(encoded.getSlice(at: encoded.readerIndex, length: encoded.readableBytes - 1)!)
        precondition(again.map { AdminLineCodec.encode($0) } == encoded, "an admin value does not survive encode and decode")
    }
}
