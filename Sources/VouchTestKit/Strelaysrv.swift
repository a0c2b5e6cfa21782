import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A Syncthing relay (`strelaysrv`, Debian's syncthing-relaysrv) on a free loopback port, with its
/// keys in a temporary directory, no pool and no status server: what the relay tests talk to
/// (Protocol/relay.md). Stopped (SIGTERM) by `stop()`, killed when the value goes.
public final class Strelaysrv: Sendable {
    public let process: ChildProcess
    public let port: UInt16
    /// The URI it printed: `relay://127.0.0.1:PORT/?id=…&pingInterval=…`.
    public let uri: String
    /// Where it keeps cert.pem and key.pem.
    public let directory: TemporaryDirectory

    /// Starts a relay; `port` reuses a port (to restart a relay where nodes expect it), and
    /// `keys` a key directory (so it keeps its device ID).
    public static func start(port: UInt16? = nil, keys: TemporaryDirectory? = nil) async throws -> Strelaysrv {
        let executable: URL
        do {
            executable = try ChildProcess.find("strelaysrv")
        } catch {
            throw ProcessFailure("strelaysrv is not installed: apt-get install syncthing-relaysrv (.ci/install-deps does)")
        }
        let directory = try keys ?? TemporaryDirectory(prefix: "vouch-strelaysrv")
        let port = try port ?? freeLoopbackPort()
        let process = try ChildProcess(executable: executable,
                                       arguments: ["-listen", "127.0.0.1:\(port)", "-pools", "", "-keys", directory.path, "-status-srv", ""],
                                       mergeOutput: true)
        let uri = try await eventually("strelaysrv to print its URI", timeout: .seconds(60), interval: .milliseconds(100)) { seen in
            seen = process.stdout
            guard let line = process.stdout.split(separator: "\n").first(where: { $0.contains("URI: relay://") }),
                  let start = line.range(of: "relay://") else { return nil as String? }
            return String(line[start.lowerBound...])
        }
        return Strelaysrv(process: process, port: port, uri: uri, directory: directory)
    }

    private init(process: ChildProcess, port: UInt16, uri: String, directory: TemporaryDirectory) {
        self.process = process
        self.port = port
        self.uri = uri
        self.directory = directory
    }

    /// The DER bytes of the certificate it presents.
    public func certificateDER() throws -> [UInt8] {
        let pem = try String(contentsOfFile: directory.path("cert.pem"), encoding: .utf8)
        let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: base64) else { throw ProcessFailure("strelaysrv's cert.pem is not PEM") }
        return Array(der)
    }

    public func stop() {
        process.signal(SIGTERM)
        _ = process.waitForExitBlocking(timeout: .seconds(10))
    }
}

/// A TCP port the kernel just handed out on 127.0.0.1 (and took back).
public func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw ProcessFailure("cannot find a free port") }
    return UInt16(bigEndian: address.sin_port)
}
