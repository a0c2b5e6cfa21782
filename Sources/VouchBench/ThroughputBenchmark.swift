import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchTLS

/// `vouch-bench throughput`: bulk payload throughput of 16 KiB frames over one TLS session on
/// loopback, next to `openssl speed -evp` for the negotiated cipher at 16 KiB.
///
/// Method. Two endpoints in this process, each on an event loop of its own (a one-thread group
/// each), connected over 127.0.0.1 with TCP_NODELAY as nodes set it. The pipelines are the real
/// ones minus the session logic: `VouchTLSHandler` (server with a client certificate required,
/// client pinning the server's key), then `WireFrameEncoder` on the sender and `WireFrameDecoder`
/// (the node's default 256 KiB maximum) on the receiver. `PeerSessionHandler` is left out
/// because it would parse every payload as a Vouch message; what is measured is the transport.
/// The sender writes 16 KiB payload frames while the channel is writable (NIO's default
/// watermarks are the flow control) and flushes after each batch; the receiver counts payload
/// bytes of complete frames. After a one-second warm-up, the rate is payload bytes received
/// over `--seconds` of wall-clock time, in MB/s (10^6 bytes).
///
/// Reference. `openssl speed -evp <cipher> -bytes 16384 -seconds N`: one thread encrypting
/// 16 KiB buffers, per second of CPU time. Our figure includes encryption and decryption, the
/// frame header, two TLS records per frame (a 16,388-byte frame does not fit one 16,384-byte
/// record), copies between NIO buffers and OpenSSL's memory BIOs, and the loopback TCP stack, on
/// two event loops that share the machine's two cores (with anything else running). So the goal
/// is a ratio of 0.3, not 1.
enum ThroughputBenchmark {
    static let benchmark = Benchmark(
        name: "throughput",
        summary: "MB/s of 16 KiB frames over one TLS session on loopback, vs openssl speed -evp",
        run: run
    )

    static let goal = 0.3
    static let payloadSize = 16 * 1024
    static let warmUpSeconds = 1.0

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try BenchOptions(parsing: arguments)
        print("Bulk throughput: \(payloadSize)-byte payload frames, one TLS 1.3 session over loopback, real TLS + frame pipeline")
        print("\(options.seconds) s per measurement after \(Int(warmUpSeconds)) s warm-up; \(options.rounds) round(s)")
        print(loadLine())
        print("")

        var ours: [Double] = [], oursPerCPU: [Double] = [], aes256: [Double] = [], aes128: [Double] = []
        var cipher = "?"
        for round in 1...options.rounds {
            let result = try runBlocking { try await measure(seconds: options.seconds) }
            cipher = result.cipher
            let rate = Double(result.bytes) / result.seconds / 1e6
            let perCPU = Double(result.bytes) / result.cpuSeconds / 1e6
            ours.append(rate)
            oursPerCPU.append(perCPU)
            let negotiated = opensslName(for: cipher)
            let reference = try OpenSSLSpeed.cipher(negotiated, bytes: payloadSize, seconds: options.seconds) / 1e6
            let reference128 = try OpenSSLSpeed.cipher("aes-128-gcm", bytes: payloadSize, seconds: options.seconds) / 1e6
            aes256.append(reference)
            aes128.append(reference128)
            print("round \(round): vouch \(String(format: "%8.1f", rate)) MB/s (\(String(format: "%.1f", perCPU)) MB per CPU-second of this process, \(String(format: "%.2f", result.cpuSeconds / result.seconds)) cores busy)")
            print("         openssl speed \(negotiated) \(String(format: "%8.1f", reference)) MB/s, aes-128-gcm \(String(format: "%8.1f", reference128)) MB/s")
        }

        let best = ours.max()!, bestReference = aes256.max()!, best128 = aes128.max()!
        let ratio = best / bestReference
        let negotiated = opensslName(for: cipher)
        print("")
        print("negotiated cipher: \(cipher) (openssl speed -evp \(negotiated))")
        print("                                   MB/s")
        print("vouch, payload over TLS      \(pad(String(format: "%.1f", best), 10))")
        print("openssl speed \(negotiated.padding(toLength: 14, withPad: " ", startingAt: 0)) \(pad(String(format: "%.1f", bestReference), 10))")
        print("ratio                        \(pad(formatRatio(ratio), 10))\(options.rounds > 1 ? "   (best round of each)" : "")")
        print("openssl speed aes-128-gcm    \(pad(String(format: "%.1f", best128), 10))   (reference only; ratio \(formatRatio(best / best128)))")
        print("")
        print("goal: ratio ≥ \(formatRatio(goal)): \(ratio >= goal ? "met" : "NOT met")")
        print("")
        print("method: sender and receiver in this process on one event loop each, loopback TCP, VouchTLSHandler +")
        print("        WireFrameEncoder/Decoder, sender writes while writable; MB/s = 10^6 payload bytes per wall second.")
        print("        openssl speed: one thread, 16 KiB buffers, per CPU second. Both endpoints (encrypt and decrypt)")
        print("        share the machine's \(ProcessInfo.processInfo.activeProcessorCount) cores with each other and with any other load.")
        return 0
    }

    /// `openssl speed -evp` name for an IANA TLS 1.3 cipher suite name.
    static func opensslName(for cipher: String) -> String {
        switch cipher {
        case "TLS_AES_128_GCM_SHA256": return "aes-128-gcm"
        case "TLS_CHACHA20_POLY1305_SHA256": return "chacha20-poly1305"
        default: return "aes-256-gcm"
        }
    }

    struct Result: Sendable {
        let bytes: Int
        let seconds: Double
        let cpuSeconds: Double
        let cipher: String
    }

    static func measure(seconds: Int) async throws -> Result {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let result = try await measure(seconds: seconds, serverGroup: serverGroup, clientGroup: clientGroup)
            try? await clientGroup.shutdownGracefully()
            try? await serverGroup.shutdownGracefully()
            return result
        } catch {
            try? await clientGroup.shutdownGracefully()
            try? await serverGroup.shutdownGracefully()
            throw error
        }
    }

    private static func measure(seconds: Int, serverGroup: any EventLoopGroup, clientGroup: any EventLoopGroup) async throws -> Result {
        let serverKey = try Ed25519PrivateKey(), clientKey = try Ed25519PrivateKey()
        let serverTLS = try TLSConfiguration(privateKey: serverKey)
        let clientTLS = try TLSConfiguration(privateKey: clientKey)
        let logger = Logger(label: "vouch-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let received = ByteCounter()
        let handshake = clientGroup.next().makePromise(of: String.self)

        let maximumFrameSize = TransportLimits.default.maximumFrameSize
        let server = try await ServerBootstrap(group: serverGroup)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .server, configuration: serverTLS, logger: logger))
                    try sync.addHandler(ByteToMessageHandler(WireFrameDecoder(maximumFrameSize: maximumFrameSize)))
                    try sync.addHandler(CountingReceiver(counter: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = server.localAddress!.port!

        let payload = ByteBuffer(bytes: SecureRandom.bytes(payloadSize))
        let sender = try await ClientBootstrap(group: clientGroup)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .client(expectedPeerKey: serverKey.publicKey),
                                                        configuration: clientTLS, logger: logger))
                    try sync.addHandler(MessageToByteHandler(WireFrameEncoder()))
                    try sync.addHandler(FloodingSender(payload: payload, handshake: handshake))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { sender.close(promise: nil) }

        let cipher = try await handshake.futureResult.get()
        try await Task.sleep(for: .seconds(warmUpSeconds))
        let startBytes = received.bytes.load(ordering: .relaxed)
        let startTime = monotonicSeconds(), startCPU = processCPUSeconds()
        try await Task.sleep(for: .seconds(seconds))
        let endBytes = received.bytes.load(ordering: .relaxed)
        let endTime = monotonicSeconds(), endCPU = processCPUSeconds()
        if let failure = received.failure.withLock({ $0 }) {
            throw BenchFailure("the receiver failed: \(failure)")
        }
        guard sender.isActive else { throw BenchFailure("the sender's connection closed during the measurement") }
        try? await sender.close()
        return Result(bytes: endBytes - startBytes, seconds: endTime - startTime, cpuSeconds: endCPU - startCPU, cipher: cipher)
    }
}

final class ByteCounter: Sendable {
    let bytes = Atomic<Int>(0)
    let failure = Mutex<String?>(nil)
}

/// Receiver: counts the payload bytes of each decoded frame.
final class CountingReceiver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let counter: ByteCounter

    init(counter: ByteCounter) { self.counter = counter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        counter.bytes.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        counter.failure.withLock { $0 = "\(error)" }
        context.close(promise: nil)
    }
}

/// Sender: once the handshake completes, writes `payload` frames while the channel is writable,
/// flushing after each batch, and resumes when it becomes writable again.
final class FloodingSender: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let payload: ByteBuffer
    private let handshake: EventLoopPromise<String>
    private var established = false
    private var settled = false
    private var stopped = false

    init(payload: ByteBuffer, handshake: EventLoopPromise<String>) {
        self.payload = payload
        self.handshake = handshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let done = event as? TLSHandshakeCompleted {
            established = true
            settle(.success(done.cipher))
            pump(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if established { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(.failure(BenchFailure("the connection closed")))
        context.fireChannelInactive()
    }

    private func settle(_ result: Swift.Result<String, any Error>) {
        guard !settled else { return }
        settled = true
        handshake.completeWith(result)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        stopped = true
        context.close(mode: mode, promise: promise)
    }

    /// Writes batches of four frames while the channel is writable, at most 64 frames per call:
    /// if it is still writable then, it continues in a new event loop task, so the loop also
    /// serves reads, timers and the close.
    private func pump(context: ChannelHandlerContext) {
        let channel = context.channel
        var written = 0
        while !stopped && channel.isActive && channel.isWritable {
            if written == 64 {
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute { loopBound.value.0.pump(context: loopBound.value.1) }
                return
            }
            for _ in 0..<4 { context.write(wrapOutboundOut(payload), promise: nil) }
            context.flush()
            written += 4
        }
    }
}
