import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import VouchAdmin
import VouchTestKit

/// The admin API end to end, through real Unix sockets in private temporary directories.
@Suite(.timeLimit(.minutes(1)))
struct AdminServerTests {
    // MARK: Requests

    @Test func requestAndResponseRoundTrip() async throws {
        let server = try await startServer()
        let client = try await server.client()
        let params: JSONValue = ["note": "met at the 2023 conference", "n": 3, "tags": ["a", "b"], "x": 1.5]
        #expect(try await client.call("echo", params: params) == params)
        #expect(try await client.call("echo") == [:])

        // Concurrent calls on one connection are matched to their answers by id.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    let answer = try await client.call("echo", params: ["i": .int(Int64(i))])
                    #expect(answer == ["i": .int(Int64(i))])
                }
            }
            try await group.waitForAll()
        }
        client.close()
        try await server.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let server = try await startServer()
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            var lines = ""
            for id in 1...5 { lines += "{\"id\":\(id),\"method\":\"echo\",\"params\":{\"n\":\(id)}}\n" }
            await raw.send(lines)
            for id in Int64(1)...5 {
                #expect(try await raw.readJSON() == ["id": .int(id), "result": ["n": .int(id)]])
            }
        }
        try await server.stop()
    }

    @Test func halfClosedClientStillGetsItsAnswers() async throws {
        let server = try await startServer()
        // What `printf '…' | socat - UNIX-CONNECT:…` does: send everything, shut the write side
        // (here: no newline after the last line, then EOF), and read.
        try await server.withRaw { raw in
            await raw.send("{\"id\":0,\"method\":\"auth\",\"params\":{\"cookie\":\"\(try server.cookie)\"}}\n{\"id\":1,\"method\":\"echo\",\"params\":{\"k\":true}}")
            try await raw.shutdownOutput()
            #expect(try await raw.readJSON() == ["id": 0, "result": ["authenticated": true]])
            #expect(try await raw.readJSON() == ["id": 1, "result": ["k": true]])
            #expect(try await raw.readJSON() == nil)
        }
        try await server.stop()
    }

    @Test func unknownMethodIsAnErrorAndTheConnectionStaysUsable() async throws {
        let server = try await startServer()
        let client = try await server.client()
        #expect(await adminErrorCode { _ = try await client.call("no.such.method") } == "unknown-method")
        #expect(try await client.call("echo", params: ["still": "here"]) == ["still": "here"])
        client.close()
        try await server.stop()
    }

    @Test func handlerErrorsBecomeErrorObjects() async throws {
        struct SecretFailure: Error { let detail = "/home/someone/private/path" }
        var router = AdminRouter()
        router.register("find") { _ in throw AdminError(.invalidAddress, "no connection with that ID") }
        router.register("crash") { _ in throw SecretFailure() }
        router.register("bad") { _ in throw AdminError.invalidParams("\"id\" is required") }
        let server = try await startServer(handler: router.handler)
        let client = try await server.client()
        do {
            _ = try await client.call("find")
            Issue.record("find succeeded")
        } catch let error as AdminError {
            #expect(error == AdminError(.invalidAddress, "no connection with that ID"))
        }
        do {
            _ = try await client.call("crash")
            Issue.record("crash succeeded")
        } catch let error as AdminError {
            #expect(error.reason == .internal)
            #expect(!error.message.contains("private"))
        }
        #expect(await adminErrorCode { _ = try await client.call("bad") } == "invalid-params")
        client.close()
        try await server.stop()
    }

    // MARK: Authentication and framing

    @Test func wrongCookieIsRefusedAndClosed() async throws {
        let server = try await startServer()
        try await server.withRaw { raw in
            let wrong = String(repeating: "0", count: 64)
            await raw.send(["id": 0, "method": "auth", "params": ["cookie": .string(wrong)]])
            let answer = try await raw.readJSON()
            #expect(code(of: answer) == "auth-failed")
            #expect(answer?["id"] == 0)
            #expect(try await raw.readJSON() == nil)
        }
        // The client reports it the same way, and a missing cookie param is the same failure.
        try String(repeating: "a", count: 64).write(toFile: server.directory.path + "/other.cookie", atomically: true, encoding: .utf8)
        #expect(await adminErrorCode {
            _ = try await AdminClient.connect(socketPath: server.directory.socketPath, cookiePath: server.directory.path + "/other.cookie")
        } == "auth-failed")
        try await server.withRaw { raw in
            await raw.send(["id": 0, "method": "auth"])
            let answer = try await raw.readJSON()
            #expect(code(of: answer) == "auth-failed")
            let end = try await raw.readJSON()
            #expect(end == nil)
        }
        try await server.stop()
    }

    @Test func connectionThatNeverAuthenticatesIsClosed() async throws {
        let directory = try TemporaryDirectory()
        // Long enough that authenticating in time succeeds on a loaded machine (CI runs under a sanitizer).
        let server = try await start(makeServer(in: directory, authenticationTimeout: .seconds(2)), in: directory)
        // Silent: the server closes it at the deadline (readJSON returns nil at EOF).
        try await server.withRaw { raw in
            let end = try await raw.readJSON()
            #expect(end == nil)
        }
        // Authenticated in time: the deadline no longer applies, requests keep working after it.
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            try await Task.sleep(for: .milliseconds(2_500))
            await raw.send(["id": 1, "method": "echo", "params": ["still": true]])
            let answer = try await raw.readJSON()
            #expect(answer?["result"]?["still"] == true)
        }
        try await server.stop()
    }

    @Test func requestBeforeAuthIsUnauthenticatedAndClosed() async throws {
        let server = try await startServer()
        try await server.withRaw { raw in
            await raw.send(["id": 1, "method": "echo", "params": [:]])
            let answer = try await raw.readJSON()
            #expect(code(of: answer) == "unauthenticated")
            #expect(answer?["id"] == 1)
            #expect(try await raw.readJSON() == nil)
        }
        try await server.stop()
    }

    @Test(arguments: ["this is not json", "{\"id\":1,\"method\":", "[1,2,3]", "{\"id\":\"one\",\"method\":\"echo\"}"])
    func malformedLineIsAnErrorAndClosed(line: String) async throws {
        let server = try await startServer()
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            await raw.send(line + "\n")
            let answer = try await raw.readJSON()
            #expect(code(of: answer) == "malformed")
            #expect(answer?["id"] == .null)
            #expect(try await raw.readJSON() == nil)
        }
        try await server.stop()
    }

    @Test func lineAtTheLimitIsReadAndOneByteMoreIsTooLarge() async throws {
        let server = try await startServer()
        let limit = AdminLineCodec.maximumRequestLength
        let prefix = "{\"id\":1,\"method\":\"echo\",\"params\":{\"s\":\""
        let suffix = "\"}}"
        let filler = String(repeating: "x", count: limit - prefix.utf8.count - suffix.utf8.count)
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            await raw.send(prefix + filler + suffix + "\n")
            #expect(try await raw.readJSON()?["result"]?["s"]?.stringValue?.utf8.count == filler.utf8.count)
            await raw.send(prefix + filler + "x" + suffix + "\n")
            let answer = try await raw.readJSON()
            #expect(code(of: answer) == "too-large")
            #expect(try await raw.readJSON() == nil)
        }
        // A line that never ends is cut at the limit too.
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            await raw.send(String(repeating: "y", count: limit + 1))
            #expect(code(of: try await raw.readJSON()) == "too-large")
            #expect(try await raw.readJSON() == nil)
        }
        try await server.stop()
    }

    // MARK: Events

    @Test func followerReceivesPublishedEventsInOrderFilteredByType() async throws {
        let bus = AdminEventBus()
        let server = try await startServer(events: bus)
        let client = try await server.client()
        let events = try await client.follow(types: ["invitation.received", "vouch.created"])
        #expect(bus.subscriberCount == 1)
        bus.publish(type: "invitation.received", data: ["n": 1])
        bus.publish(type: "profile.updated", data: ["n": 2])
        bus.publish(type: "vouch.created", data: ["n": 3])
        bus.publish(type: "invitation.received", data: ["n": 4])
        var received: [AdminEvent] = []
        for try await event in events {
            received.append(event)
            if received.count == 3 { break }
        }
        #expect(received.map(\.type) == ["invitation.received", "vouch.created", "invitation.received"])
        #expect(received.map(\.data) == [["n": 1], ["n": 3], ["n": 4]])
        // A follower without a filter gets everything.
        let everything = try await server.client()
        var all = try await everything.follow().makeAsyncIterator()
        bus.publish(type: "profile.updated")
        #expect(try await all.next()?.type == "profile.updated")
        everything.close()
        client.close()
        try await server.stop()
    }

    @Test func eventTimeIsISO8601() async throws {
        let bus = AdminEventBus()
        let server = try await startServer(events: bus)
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            await raw.send(["id": 1, "method": "events.follow", "params": ["types": ["t"]]])
            #expect(try await raw.readJSON() == ["id": 1, "result": ["following": true]])
            bus.publish(type: "t", data: ["k": "v"], time: Date(timeIntervalSince1970: 1_700_000_000.25))
            #expect(try await raw.readJSON() == ["event": ["type": "t", "time": "2023-11-14T22:13:20.250Z", "data": ["k": "v"]]])
        }
        try await server.stop()
    }

    @Test func followWithInvalidTypesIsInvalidParams() async throws {
        let server = try await startServer()
        let client = try await server.client()
        #expect(await adminErrorCode { _ = try await client.call("events.follow", params: ["types": "all"]) } == "invalid-params")
        client.close()
        try await server.stop()
    }

    @Test func slowFollowerIsDroppedWithAFinalEvent() async throws {
        let bus = AdminEventBus(bufferLimit: 8)
        let server = try await startServer(events: bus)
        try await server.withRaw { raw in
            try await raw.authenticate(cookie: try server.cookie)
            await raw.send(["id": 1, "method": "events.follow"])
            #expect(try await raw.readJSON() == ["id": 1, "result": ["following": true]])
            // Not reading while 6.4 MB of events are published: far more than the socket
            // buffers, the server's one write in flight and the 8-event buffer can hold.
            let payload = JSONValue.string(String(repeating: "z", count: 64 << 10))
            for i in 0..<100 { bus.publish(type: "big", data: ["seq": .int(Int64(i)), "payload": payload]) }
            var sequence: [Int64] = []
            var last: JSONValue?
            while let line = try await raw.readJSON() {
                if let previous = last { sequence.append(previous["event"]?["data"]?["seq"]?.intValue ?? -1) }
                last = line
            }
            #expect(last?["event"]?["type"] == "events.dropped")
            #expect(last?["event"]?["data"]?["bufferLimit"] == 8)
            // What arrived before the cut is a gap-free prefix.
            #expect(sequence == Array(0..<Int64(sequence.count)))
            #expect(sequence.count < 100)
        }
        #expect(bus.subscriberCount == 0)
        try await server.stop()
    }

    @Test func followStreamEndsWhenTheDaemonStops() async throws {
        let server = try await startServer()
        let client = try await server.client()
        let events = try await client.follow()
        try await server.stop()
        #expect(await adminErrorCode { for try await _ in events {} } == "connection-closed")
    }

    @Test func eventBusDropsOnlyTheOverflowingSubscriber() async {
        let bus = AdminEventBus(bufferLimit: 2)
        let slow = bus.subscribe(types: nil)
        let filtered = bus.subscribe(types: ["keep"])
        for i in 0..<3 { bus.publish(type: "other", data: ["i": .int(Int64(i))]) }
        bus.publish(type: "keep")
        #expect(await slow.next() == .dropped)
        #expect(await slow.next() == nil)
        #expect(await filtered.next().map { if case .event(let e) = $0 { e.type } else { "dropped" } } == "keep")
        #expect(bus.subscriberCount == 1)
        filtered.cancel()
        #expect(bus.subscriberCount == 0)
    }

    // MARK: Client errors

    @Test func clientOnAMissingSocketSaysTheDaemonIsNotRunning() async throws {
        let directory = try TemporaryDirectory()
        var message = ""
        #expect(await adminErrorCode {
            do {
                _ = try await AdminClient.connect(socketPath: directory.socketPath, cookiePath: directory.cookiePath)
            } catch let error as AdminError {
                message = error.message
                throw error
            }
        } == "daemon-not-running")
        #expect(message.contains("vouch run"))
        #expect(!message.contains("\n"))
    }

    @Test func clientOnADeadSocketSaysTheDaemonIsNotRunning() async throws {
        let directory = try TemporaryDirectory()
        try await makeStaleSocket(at: directory.socketPath)
        #expect(await adminErrorCode {
            _ = try await AdminClient.connect(socketPath: directory.socketPath, cookiePath: directory.cookiePath)
        } == "daemon-not-running")
    }

    @Test func clientWithoutTheCookieSaysTheDaemonIsNotRunning() async throws {
        let server = try await startServer()
        #expect(await adminErrorCode {
            _ = try await AdminClient.connect(socketPath: server.directory.socketPath, cookiePath: server.directory.path + "/missing")
        } == "daemon-not-running")
        try await server.stop()
    }

    // MARK: Files and permissions

    @Test func refusesADirectoryOthersCanEnter() async throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        #expect(await adminErrorCode { try await makeServer(in: directory).run() } == "insecure-permissions")
        #expect(!FileManager.default.fileExists(atPath: directory.socketPath))
        #expect(!FileManager.default.fileExists(atPath: directory.cookiePath))
    }

    @Test func socketAndCookieAreOwnerOnly() async throws {
        let server = try await startServer()
        #expect(try mode(of: server.directory.socketPath) == 0o600)
        #expect(try mode(of: server.directory.cookiePath) == 0o600)
        let cookie = try server.cookie
        #expect(cookie.utf8.count == 64 && cookie.allSatisfy(\.isHexDigit))
        try await server.stop()
    }

    @Test func staleSocketOfADeadServerIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        try await makeStaleSocket(at: directory.socketPath)
        let server = try await start(makeServer(in: directory), in: directory)
        let client = try await server.client()
        #expect(try await client.call("echo", params: ["ok": true]) == ["ok": true])
        client.close()
        try await server.stop()
    }

    @Test func secondServerOnALiveSocketRefuses() async throws {
        let first = try await startServer()
        let cookie = try first.cookie
        #expect(await adminErrorCode { try await makeServer(in: first.directory).run() } == "already-running")
        // The first daemon's cookie and socket are untouched.
        #expect(try first.cookie == cookie)
        let client = try await first.client()
        #expect(try await client.call("echo") == [:])
        client.close()
        try await first.stop()
    }

    @Test func refusesAPathThatIsNotASocket() async throws {
        let directory = try TemporaryDirectory()
        try "keep me".write(toFile: directory.socketPath, atomically: true, encoding: .utf8)
        #expect(await adminErrorCode { try await makeServer(in: directory).run() } == "io")
        #expect(try String(contentsOfFile: directory.socketPath, encoding: .utf8) == "keep me")
    }

    @Test func gracefulShutdownFinishesTheRequestInFlightAndRemovesTheFiles() async throws {
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let (gate, gateSignal) = AsyncStream.makeStream(of: Void.self)
        var router = AdminRouter()
        router.register("slow") { _ in
            enteredSignal.yield()
            for await _ in gate { break }
            return ["done": true]
        }
        let server = try await startServer(handler: router.handler)
        let client = try await server.client()
        let call = Task { try await client.call("slow") }
        for await _ in entered { break }
        server.task.cancel()
        gateSignal.yield()
        #expect(try await call.value == ["done": true])
        try await server.task.value
        #expect(!FileManager.default.fileExists(atPath: server.directory.socketPath))
        #expect(!FileManager.default.fileExists(atPath: server.directory.cookiePath))
        // And nothing answers any more.
        #expect(await adminErrorCode { _ = try await server.client() } == "daemon-not-running")
    }
}

/// Leaves a socket file nobody listens on, as a daemon killed with SIGKILL does (NIO removes
/// the file when it closes a listener, so this binds with plain POSIX calls).
func makeStaleSocket(at path: String) async throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestFailure("path too long") }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 1) == 0 else { throw TestFailure("bind/listen failed") }
    #expect(FileManager.default.fileExists(atPath: path))
}

func mode(of path: String) throws -> mode_t {
    var info = stat()
    guard lstat(path, &info) == 0 else { throw TestFailure("no file at \(path)") }
    return info.st_mode & 0o777
}
