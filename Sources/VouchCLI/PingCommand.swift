import ArgumentParser
import Foundation
import VouchAdmin

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Connect to a node, prove its identity, and measure the round trip.",
        discussion: """
            The running node dials ADDRESS (or uses its session with that node), and the TLS \
            handshake must prove the node holds the key of the ID in the address; any other key \
            aborts it (status 76). Prints the peer's ID, the TLS version and cipher, and the \
            round-trip time of a ping over the session. Unreachable: status 75.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to ping, as NODE-ID@host:port.", valueName: "address"))
    var address: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let result = try await DaemonConnection.call(global.nodeHome, "ping", ["address": .string(address)])
            let rtt = result["rtt_ms"]?.doubleValue ?? 0
            output.emit(
                text: """
                    \(output.bold(result["peer"]?.stringValue ?? "?")) answered
                      TLS       \(result["tls_version"]?.stringValue ?? "?") \(result["cipher"]?.stringValue ?? "?") (ALPN \(result["alpn"]?.stringValue ?? "?"))
                      round trip \(String(format: "%.2f", rtt)) ms\((result["reused_session"]?.boolValue ?? false) ? " (existing session)" : "")
                    """,
                json: result.foundationObject)
        }
    }
}
