import Logging
import NIOCore
import NIOPosix
import VouchCrypto
import VouchTLS

/// What one TCP connection saw at the application layer, reported when it closed.
struct ConnectionReport: Sendable {
    var handshake: TLSHandshakeCompleted?
    var relayHandshake: RelayTLSHandshakeCompleted?
    var received: [UInt8] = []
    var errors: [TLSError] = []
    var otherErrors: [String] = []

    var receivedText: String { String(decoding: received, as: UTF8.self) }
    var errorCodes: [TLSError.Code] { errors.map(\.code) }
}

/// The application end of a test connection: records what arrives, optionally echoes it, and
/// closes once it has received `closeAfterReceiving` bytes. Completes `report` when the
/// channel goes inactive.
final class ReportingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let echo: Bool
    private let closeAfterReceiving: Int?
    private let closeAfterHandshake: Bool
    private let report: EventLoopPromise<ConnectionReport>
    private var state = ConnectionReport()
    private var reported = false

    init(echo: Bool, closeAfterReceiving: Int?, closeAfterHandshake: Bool = false, report: EventLoopPromise<ConnectionReport>) {
        self.echo = echo
        self.closeAfterReceiving = closeAfterReceiving
        self.closeAfterHandshake = closeAfterHandshake
        self.report = report
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.received += buffer.readableBytesView
        if echo { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
        if let limit = closeAfterReceiving, state.received.count >= limit {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSHandshakeCompleted {
            state.handshake = event
            if closeAfterHandshake { context.close(promise: nil) }
        }
        if let event = event as? RelayTLSHandshakeCompleted { state.relayHandshake = event }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { state.errors.append(error) } else { state.otherErrors.append("\(error)") }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finishReport()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finishReport()
    }

    private func finishReport() {
        guard !reported else { return }
        reported = true
        report.succeed(state)
    }
}

/// A TLS server on 127.0.0.1, port chosen by the kernel, for one test connection.
struct TestServer {
    let channel: any Channel
    let port: Int
    /// The report of the first connection accepted.
    let firstConnectionFuture: EventLoopFuture<ConnectionReport>

    /// The report of the first connection accepted, once it closed. A connection still open
    /// after `limit` fails the test instead of hanging it (a safety net, not a measurement).
    var firstConnection: ConnectionReport {
        get async throws {
            let promise = firstConnectionFuture.eventLoop.makePromise(of: ConnectionReport.self)
            firstConnectionFuture.cascade(to: promise)
            let timer = promise.futureResult.eventLoop.scheduleTask(in: safetyLimit) {
                promise.fail(ConnectionStillOpen())
            }
            defer { timer.cancel() }
            return try await promise.futureResult.get()
        }
    }

    static func start(
        configuration: TLSConfiguration, echo: Bool = true, closeAfterReceiving: Int? = nil
    ) async throws -> TestServer {
        let group = MultiThreadedEventLoopGroup.singleton
        let report = group.next().makePromise(of: ConnectionReport.self)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandlers(
                        VouchTLSHandler(role: .server, configuration: configuration, logger: .test),
                        ReportingHandler(echo: echo, closeAfterReceiving: closeAfterReceiving, report: report)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try requireLocalPort(channel)
        return TestServer(channel: channel, port: port, firstConnectionFuture: report.futureResult)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Connects a TLS client to 127.0.0.1:`port`, sends `message` (queued until the handshake
/// completes), and returns the report once the connection closes. The client closes after it
/// has received `closeAfterReceiving` bytes, if given.
func runTestClient(
    port: Int, configuration: TLSConfiguration, expectedPeerKey: Ed25519PublicKey?,
    message: String? = nil, closeAfterReceiving: Int? = nil, closeAfterHandshake: Bool = false
) async throws -> ConnectionReport {
    try await runTestClient(port: port, configuration: configuration, role: .client(expectedPeerKey: expectedPeerKey),
                            message: message.map { Array($0.utf8) }, closeAfterReceiving: closeAfterReceiving,
                            closeAfterHandshake: closeAfterHandshake)
}

func runTestClient(
    port: Int, configuration: TLSConfiguration, role: VouchTLSHandler.Role,
    message: [UInt8]? = nil, closeAfterReceiving: Int? = nil, closeAfterHandshake: Bool = false
) async throws -> ConnectionReport {
    let group = MultiThreadedEventLoopGroup.singleton
    let report = group.next().makePromise(of: ConnectionReport.self)
    let channel = try await ClientBootstrap(group: group)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    VouchTLSHandler(role: role, configuration: configuration, logger: .test),
                    ReportingHandler(
                        echo: false, closeAfterReceiving: closeAfterReceiving, closeAfterHandshake: closeAfterHandshake,
                        report: report
                    )
                )
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    if let message {
        channel.writeAndFlush(ByteBuffer(bytes: message), promise: nil)
    }
    // A connection that never ends would hang the test: close it after the safety limit, so
    // the report comes back and the test's expectations fail instead.
    let timer = channel.eventLoop.scheduleTask(in: safetyLimit) { channel.close(promise: nil) }
    defer { timer.cancel() }
    return try await report.futureResult.get()
}

struct MissingLocalAddress: Error {}
struct ConnectionStillOpen: Error {}

/// How long a socket test waits for a connection to end before giving up on it. Generous:
/// every connection in these tests ends within milliseconds unless something is broken.
let safetyLimit: TimeAmount = .seconds(20)

/// The port a bound channel listens on.
func requireLocalPort(_ channel: any Channel) throws -> Int {
    guard let port = channel.localAddress?.port else { throw MissingLocalAddress() }
    return port
}
