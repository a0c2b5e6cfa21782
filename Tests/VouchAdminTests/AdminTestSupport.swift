import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import VouchAdmin
import VouchTestKit

extension TemporaryDirectory {
    var socketPath: String { path("admin.sock") }
    var cookiePath: String { path("admin.cookie") }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An AdminServer running in a task, started and stopped by the test.
struct RunningServer {
    let task: Task<Void, any Error>
    let directory: TemporaryDirectory

    /// Cancels the server, as the service group does at SIGTERM, and waits until it has stopped.
    func stop() async throws {
        task.cancel()
        try await task.value
    }

    func client() async throws -> AdminClient {
        try await AdminClient.connect(socketPath: directory.socketPath, cookiePath: directory.cookiePath)
    }

    func withRaw(_ body: (RawConnection) async throws -> Void) async throws {
        try await RawConnection.with(directory.socketPath, body)
    }

    var cookie: String {
        get throws { try String(contentsOfFile: directory.cookiePath, encoding: .utf8) }
    }
}

/// A router with `echo` (answers its params) and nothing else.
let echoHandler: AdminHandler = {
    var router = AdminRouter()
    router.register("echo") { $0.params }
    return router.handler
}()

func makeServer(in directory: TemporaryDirectory, events: AdminEventBus = AdminEventBus(),
                authenticationTimeout: Duration = .seconds(10),
                handler: @escaping AdminHandler = echoHandler) -> AdminServer {
    var logger = Logger(label: "vouch.admin.test")
    logger.logLevel = .critical
    return AdminServer(socketPath: directory.socketPath, cookiePath: directory.cookiePath, events: events,
                       logger: logger, authenticationTimeout: authenticationTimeout, handler: handler)
}

/// Starts `server` and returns once it listens; throws what the server threw if it never did.
func start(_ server: AdminServer, in directory: TemporaryDirectory) async throws -> RunningServer {
    let (ready, signal) = AsyncStream.makeStream(of: Void.self)
    let task = Task {
        defer { signal.finish() }
        try await server.run(onListening: { signal.yield() })
    }
    for await _ in ready { return RunningServer(task: task, directory: directory) }
    try await task.value
    throw TestFailure("the server stopped without listening")
}

func startServer(events: AdminEventBus = AdminEventBus(),
                 handler: @escaping AdminHandler = echoHandler) async throws -> RunningServer {
    let directory = try TemporaryDirectory()
    return try await start(makeServer(in: directory, events: events, handler: handler), in: directory)
}

/// The code of the AdminError `body` throws; records an issue if it throws nothing or another error.
func adminErrorCode(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        Issue.record("expected an AdminError, got none")
        return nil
    } catch let error as AdminError {
        return error.reason.rawValue
    } catch {
        Issue.record("expected an AdminError, got \(error)")
        return nil
    }
}

/// A connection that speaks bytes, for what the AdminClient would never send.
final class RawConnection {
    private let channel: any Channel
    private var lines: NIOAsyncChannelInboundStream<AdminLine>.AsyncIterator

    private init(channel: any Channel, lines: NIOAsyncChannelInboundStream<AdminLine>.AsyncIterator) {
        self.channel = channel
        self.lines = lines
    }

    /// Connects to `path` and runs `body` with the connection, closing it afterwards.
    static func with(_ path: String, _ body: (RawConnection) async throws -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(AdminLineDecoder(maximumLength: 64 << 20)))
                    return try NIOAsyncChannel<AdminLine, Never>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound in
            try await body(RawConnection(channel: channel.channel, lines: inbound.makeAsyncIterator()))
        }
    }

    /// Sends `text` as is; a failed write (the server closed on us) is not an error here, since
    /// the server's last line is what the tests look at.
    func send(_ text: String) async {
        try? await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func send(_ value: JSONValue) async {
        try? await channel.writeAndFlush(AdminLineCodec.encode(value))
    }

    /// Shuts down the write side, as `socat` does at the end of its input.
    func shutdownOutput() async throws {
        try await channel.close(mode: .output)
    }

    func authenticate(cookie: String) async throws {
        await send(["id": 0, "method": "auth", "params": ["cookie": .string(cookie)]])
        #expect(try await readJSON() == ["id": 0, "result": ["authenticated": true]])
    }

    /// The next line as JSON; nil when the server has closed the connection.
    func readJSON() async throws -> JSONValue? {
        do {
            guard let line = try await lines.next() else { return nil }
            guard case .line(let bytes) = line else { throw TestFailure("a line too long") }
            return try AdminLineCodec.decode(bytes)
        } catch let error as IOError where error.errnoCode == ECONNRESET {
            return nil
        }
    }
}

/// The error code of an answer line.
func code(of answer: JSONValue?) -> String? { answer?["error"]?["code"]?.stringValue }
