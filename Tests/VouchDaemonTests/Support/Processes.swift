import Foundation
import Testing
import VouchTestKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `vouch` executable (`VOUCH_TEST_BINARY` overrides it).
enum VouchBinary {
    static let url = ChildProcess.builtProduct("vouch", override: "VOUCH_TEST_BINARY")
}

/// A failure of the test machinery itself (a deadline passed, a process did not start), with
/// everything needed to see why.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ProcessResult {
    /// stdout as the one line of JSON `--json` promises.
    func json() throws -> [String: Any] {
        try JSON.object(line: stdoutData, what: "stdout of \(self)")
    }

    /// The `error` object `--json` writes on stderr.
    func jsonError() throws -> [String: Any] {
        let top = try JSON.object(line: stderrData, what: "stderr of \(self)")
        guard let error = top["error"] as? [String: Any] else { throw TestFailure("no error object in \(self)") }
        return error
    }

    var errorCode: String? { (try? jsonError())?["code"] as? String }
}

enum JSON {
    /// One JSON object on exactly one line.
    static func object(line data: Data, what: String) throws -> [String: Any] {
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasSuffix("\n"), !text.dropLast().contains("\n") else { throw TestFailure("\(what) is not one line") }
        return try object(text, what: what)
    }

    static func object(_ text: String, what: String) throws -> [String: Any] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw TestFailure("\(what) is not JSON: \(error)")
        }
        guard let object = value as? [String: Any] else { throw TestFailure("\(what) is not a JSON object") }
        return object
    }
}

/// TCP ports for test nodes: random in 20000–31999, below Linux's ephemeral range (32768–60999)
/// so an outgoing connection's local port never takes a node's port, checked free by binding
/// 127.0.0.1, and never handed out twice in this process.
enum Ports {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var given: Set<UInt16> = []

    static func free() throws -> UInt16 {
        for _ in 0..<200 {
            let port = UInt16.random(in: 20000..<32000)
            let fresh = lock.withLock { given.insert(port).inserted }
            if fresh, canBind(port) { return port }
        }
        throw TestFailure("no free TCP port found on 127.0.0.1")
    }

    static func canBind(_ port: UInt16) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A TCP listener on 127.0.0.1 that accepts connections and never says anything: a peer that
/// hangs in the TLS handshake. Its accepted connections stay open until it is deinitialized.
final class SilentListener: @unchecked Sendable {  // used by one test at a time
    let port: UInt16
    private let fd: Int32
    private var accepted: [Int32] = []

    /// With `full`, its accept queue is kept full by connections of its own (listen backlog 0),
    /// so the SYN of anyone else is dropped: a peer whose firewall drops packets.
    init(full: Bool = false) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        self.fd = fd
        var lastError = ""
        for _ in 0..<20 {
            let candidate = try Ports.free()
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = candidate.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound, listen(fd, full ? 0 : 16) == 0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 {
                port = candidate
                if full { try fillAcceptQueue() }
                return
            }
            lastError = String(cString: strerror(errno))
        }
        close(fd)
        throw TestFailure("cannot open a silent listener: \(lastError)")
    }

    /// Waits until someone has connected.
    func waitForConnection(timeout: Duration = .seconds(20)) async throws {
        try await eventually("a connection to the silent listener on port \(port)", timeout: timeout) {
            (_: inout String) async throws -> Bool? in
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return nil }
            accepted.append(connection)
            return true
        }
    }

    /// Sockets on this machine in SYN_SENT towards the port (Linux: /proc/net/tcp).
    var connectsInProgress: Int {
        // Read to the end: /proc files report size 0, and a one-shot read stops at a page.
        let table = String(decoding: FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        let remote = String(format: "0100007F:%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let columns = line.split(separator: " ")
            return columns.count > 3 && columns[2] == remote && columns[3] == "02"
        }.count
    }

    /// Connects until a connection of its own hangs in SYN_SENT: the accept queue is full then.
    private func fillAcceptQueue() throws {
        for _ in 0..<16 {
            let connection = Self.connectWithoutWaiting(port: port)
            accepted.append(connection)
            var poller = pollfd(fd: connection, events: Int16(POLLOUT), revents: 0)
            if poll(&poller, 1, 500) == 0 { return }  // not connected within 500 ms: its SYN was dropped
        }
        throw TestFailure("cannot fill the accept queue of the listener on port \(port)")
    }

    private static func connectWithoutWaiting(port: UInt16) -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }

    deinit {
        for connection in accepted { close(connection) }
        close(fd)
    }
}
