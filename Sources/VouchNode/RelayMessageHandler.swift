package import NIOCore
package import VouchProtocol

/// Bytes from a relay's protocol mode to `RelayMessage`s and back (Protocol/relay.md §6). The
/// pure `RelayMessageReader` holds at most one message; anything it refuses ends the connection.
package final class RelayMessageHandler: ChannelDuplexHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = RelayMessage
    package typealias OutboundIn = RelayMessage
    package typealias OutboundOut = ByteBuffer

    private var reader = RelayMessageReader()

    package init() {}

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for message in try reader.append(buffer.readableBytesView) {
                context.fireChannelRead(wrapInboundOut(message))
            }
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        do {
            context.write(wrapOutboundOut(ByteBuffer(bytes: try unwrapOutboundIn(data).encoded())), promise: promise)
        } catch {
            promise?.fail(error)
        }
    }
}

/// Monotonic time for the relay machines: NIO's uptime clock as a `Duration`.
enum RelayClock {
    static func now() -> Duration { .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds)) }

    static func deadline(_ time: Duration) -> NIODeadline {
        let (seconds, attoseconds) = time.components
        return .uptimeNanoseconds(UInt64(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)))
    }
}
