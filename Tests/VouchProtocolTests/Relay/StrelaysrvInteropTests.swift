import Foundation
import Testing
import VouchCrypto
import VouchTestKit
@testable import VouchProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The relay protocol pieces against the real relay: a `strelaysrv` on loopback (no pool), with
/// `openssl s_client` as the TLS client of protocol mode (ALPN `bep-relay`) and plain sockets for
/// session mode. Shows that strelaysrv accepts the node's deterministic relay certificate, knows
/// it by the device ID `RelayCertificate` computes (which is what a dialer asks for), that our
/// messages are what it reads and what it writes is what we read, and that the bytes of a
/// session pass through (Protocol/relay.md §3, §4, §6).
@Suite("strelaysrv interoperability", .serialized)
struct StrelaysrvInteropTests {
    @Test("join, connect by the deterministic device ID, both invitations, session mode carries bytes both ways")
    func joinConnectAndRelay() async throws {
        let relay = try await LocalRelay.start()
        defer { relay.stop() }
        let directory = try TemporaryDirectory(prefix: "vouch-relay-interop")

        // The node: joins with the certificate made from its identity key.
        let (node, nodeCertificate) = try await OpenSSLRelayClient.joined(relay, directory: directory, name: "node")

        // The dialer: a throwaway key and certificate, asking for the node's device ID.
        let (dialer, dialerCertificate) = try OpenSSLRelayClient.dialing(relay, device: nodeCertificate.deviceID.bytes, directory: directory)
        guard case .sessionInvitation(let dialerInvitation) = try await dialer.messages(count: 1).first else {
            Issue.record("the dialer got no invitation: \(dialer.output)")
            return
        }
        #expect(dialerInvitation.from == nodeCertificate.deviceID.bytes)
        #expect(dialerInvitation.serverSocket == false)

        let nodeMessages = try await node.messages(count: 2)
        guard case .sessionInvitation(let nodeInvitation) = nodeMessages.last else {
            Issue.record("the node got no invitation: \(nodeMessages)")
            return
        }
        #expect(nodeInvitation.from == dialerCertificate.deviceID.bytes, "strelaysrv knows the dialer by the SHA-256 of its certificate")
        #expect(nodeInvitation.serverSocket == true)
        #expect(nodeInvitation.key != dialerInvitation.key)

        // Session mode: plain TCP, one JoinSessionRequest each, then raw bytes. The joins are kept
        // apart: strelaysrv refuses one that arrives while its session goroutine is still taking
        // the other (relay.md §4; the node's dialer handles that with its join delay and retries,
        // tested in the node's relay tests), and here that would be a collision, not a failure.
        // Each socket is opened just before its join is sent: strelaysrv's accept loop reads the
        // first byte of every new connection (TLS or not) before it accepts the next, and ignores
        // one that stays silent for a second (without closing it).
        let success = RelayMessage.response(RelayResponse(code: RelayResponse.success, message: "success"))
        var nodeReader = RelayMessageReader(), dialerReader = RelayMessageReader()
        let nodeSession = try PlainSocket(port: nodeInvitation.port)
        try nodeSession.send(try RelayMessage.joinSessionRequest(key: nodeInvitation.key).encoded())
        #expect(try nodeSession.readMessage(&nodeReader) == success)
        try await Task.sleep(for: .milliseconds(20))
        let dialerSession = try PlainSocket(port: dialerInvitation.port)
        try dialerSession.send(try RelayMessage.joinSessionRequest(key: dialerInvitation.key).encoded())
        #expect(try dialerSession.readMessage(&dialerReader) == success)
        try dialerSession.send(Array("ClientHello would go here".utf8))
        #expect(try nodeSession.read(count: 25, after: nodeReader.takeRemainder()) == Array("ClientHello would go here".utf8))
        try nodeSession.send([0x16, 0x03, 0x03, 0x00])
        #expect(try dialerSession.read(count: 4, after: dialerReader.takeRemainder()) == [0x16, 0x03, 0x03, 0x00])
    }

    @Test("a session key is spent when the relay looks it up: a second join with it is not found, so a refused party cannot join again")
    func sessionKeyIsSpent() async throws {
        let relay = try await LocalRelay.start()
        defer { relay.stop() }
        let directory = try TemporaryDirectory(prefix: "vouch-relay-interop")
        let (node, nodeCertificate) = try await OpenSSLRelayClient.joined(relay, directory: directory, name: "node")
        defer { withExtendedLifetime(node) {} }  // joined until the end: its client process stops with it
        let (dialer, _) = try OpenSSLRelayClient.dialing(relay, device: nodeCertificate.deviceID.bytes, directory: directory)
        guard case .sessionInvitation(let invitation) = try await dialer.messages(count: 1).first else {
            Issue.record("the dialer got no invitation: \(dialer.output)")
            return
        }
        let first = try PlainSocket(port: invitation.port)
        try first.send(try RelayMessage.joinSessionRequest(key: invitation.key).encoded())
        var reader = RelayMessageReader()
        #expect(try first.readMessage(&reader) == .response(RelayResponse(code: RelayResponse.success, message: "success")))
        let again = try PlainSocket(port: invitation.port)
        try again.send(try RelayMessage.joinSessionRequest(key: invitation.key).encoded())
        var againReader = RelayMessageReader()
        #expect(try again.readMessage(&againReader) == .response(RelayResponse(code: RelayResponse.notFound, message: "not found")))
    }

    @Test("a second join with the same certificate is refused as already connected; an unknown device is not found")
    func refusals() async throws {
        let relay = try await LocalRelay.start()
        defer { relay.stop() }
        let directory = try TemporaryDirectory(prefix: "vouch-relay-interop")
        let key = try Ed25519PrivateKey()
        let (first, certificate) = try await OpenSSLRelayClient.joined(relay, key: key, directory: directory, name: "first")
        defer { withExtendedLifetime(first) {} }  // joined until the end: its client process stops with it
        let second = try OpenSSLRelayClient(relay: relay, key: key, certificateDER: certificate.der, directory: directory, name: "second")
        second.send(try RelayMessage.joinRelayRequest.encoded())
        #expect(try await second.messages(count: 1) == [.response(RelayResponse(code: RelayResponse.alreadyConnected, message: "already connected"))])

        let (dialer, _) = try OpenSSLRelayClient.dialing(relay, device: [UInt8](repeating: 7, count: 32), directory: directory)
        #expect(try await dialer.messages(count: 1) == [.response(RelayResponse(code: RelayResponse.notFound, message: "not found"))])
    }
}

/// A strelaysrv (VouchTestKit) whose URI `RelayURI` reads, and whose device ID is checked
/// against the SHA-256 of the certificate it wrote.
struct LocalRelay {
    let relay: Strelaysrv
    let uri: RelayURI

    static func start() async throws -> LocalRelay {
        let relay = try await Strelaysrv.start()
        let uri = try RelayURI(parsing: relay.uri)
        #expect(RelayDeviceID(certificateDER: Array(try relay.certificateDER())) == uri.id, "strelaysrv's ID is the SHA-256 of its certificate")
        return LocalRelay(relay: relay, uri: uri)
    }

    func stop() { relay.stop() }
}

/// `openssl s_client` in protocol mode: TLS 1.3, ALPN bep-relay, the given certificate and key.
/// Bytes written to its stdin go to the relay; what the relay sends lands in its stdout file.
final class OpenSSLRelayClient {
    let process: ChildProcess

    init(relay: LocalRelay, key: Ed25519PrivateKey, certificateDER: [UInt8], directory: TemporaryDirectory, name: String) throws {
        try key.pkcs8PEM().write(toFile: directory.path("\(name).key"), atomically: true, encoding: .utf8)
        try SelfSignedCertificate(der: certificateDER).pem.write(toFile: directory.path("\(name).pem"), atomically: true, encoding: .utf8)
        process = try ChildProcess(
            executable: try ChildProcess.find("openssl"),
            arguments: ["s_client", "-connect", "127.0.0.1:\(relay.uri.endpoint.port)", "-tls1_3", "-alpn", "bep-relay",
                        "-cert", directory.path("\(name).pem"), "-key", directory.path("\(name).key"), "-quiet", "-no_ign_eof"],
            keepStdinOpen: true)
    }

    deinit {
        process.closeStdin()
        process.signal(SIGTERM)
    }

    func send(_ bytes: [UInt8]) { process.write(stdin: Data(bytes)) }

    /// A client with `key`'s relay certificate that joined the relay, which said success.
    static func joined(_ relay: LocalRelay, key: Ed25519PrivateKey? = nil, directory: TemporaryDirectory,
                       name: String) async throws -> (OpenSSLRelayClient, RelayCertificate) {
        let key = try key ?? Ed25519PrivateKey()
        let certificate = try RelayCertificate(key: key)
        let client = try OpenSSLRelayClient(relay: relay, key: key, certificateDER: certificate.der, directory: directory, name: name)
        client.send(try RelayMessage.joinRelayRequest.encoded())
        #expect(try await client.messages(count: 1) == [.response(RelayResponse(code: RelayResponse.success, message: "success"))])
        return (client, certificate)
    }

    /// A dialer with a throwaway key and certificate that asked the relay for `device`.
    static func dialing(_ relay: LocalRelay, device: [UInt8], directory: TemporaryDirectory) throws -> (OpenSSLRelayClient, RelayCertificate) {
        let key = try Ed25519PrivateKey()
        let certificate = try RelayCertificate(key: key)
        let client = try OpenSSLRelayClient(relay: relay, key: key, certificateDER: certificate.der, directory: directory, name: "dialer")
        client.send(try RelayMessage.connectRequest(device: device).encoded())
        return (client, certificate)
    }

    var output: String { process.stdout + process.stderr }

    /// Waits until the relay has sent `count` whole messages, and returns them.
    func messages(count: Int) async throws -> [RelayMessage] {
        try await eventually("\(count) relay message(s)", timeout: .seconds(30), interval: .milliseconds(50)) { seen in
            let bytes = Array((try? Data(contentsOf: process.stdoutURL)) ?? Data())
            seen = Hex.encode(bytes) + " " + process.stderr
            var reader = RelayMessageReader()
            let messages = try reader.append(bytes)
            return messages.count >= count ? messages : nil
        }
    }
}

/// A blocking TCP socket to 127.0.0.1 with a receive timeout, for session mode.
final class PlainSocket {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure("socket: \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = Self.loopback(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw ProcessFailure("connect to 127.0.0.1:\(port): errno \(errno)") }
    }

    deinit { close(fd) }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ProcessFailure("send: errno \(errno)") }
            offset += n
        }
    }

    func readMessage(_ reader: inout RelayMessageReader) throws -> RelayMessage {
        while true {
            if let message = try reader.append([], limit: 1).first { return message }
            let chunk = try receive()
            if let message = try reader.append(chunk, limit: 1).first { return message }
        }
    }

    func read(count: Int, after already: [UInt8]) throws -> [UInt8] {
        var bytes = already
        while bytes.count < count { bytes += try receive() }
        return bytes
    }

    private func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw ProcessFailure("the relay closed the session or sent nothing (recv \(n), errno \(errno))") }
        return Array(buffer[..<n])
    }
}
