import ArgumentParser
import Foundation
import VouchAdmin

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Prove which node answers for an ID and measure the round trip.",
        discussion: """
            The running node pings the node of ADDRESS over its session with that node, and \
            dials HOST:PORT for a new session only if it has none. A new session's TLS \
            handshake must prove that the node at HOST:PORT holds the key of NODE-ID; any other \
            key aborts it (status 76). Over an existing session HOST:PORT is not contacted, and \
            the output says so and names the endpoint the session goes to. Prints the peer's \
            ID, that endpoint, the TLS version and cipher, and the round-trip time of a ping. \
            Unreachable: status 75. This node's own address: status 65. Given a connection \
            (its node ID or a prefix of at least 4 characters) instead of an address, dials the \
            endpoints known for it, direct first and relays after, and names the one that answered.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to ping, as NODE-ID@host:port, or a connection's node ID or prefix.", valueName: "address"))
    var address: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let ping = try await DaemonConnection.call(global.nodeHome, PingRequest(address: address))
            output.emit(text: Self.text(ping, output: output), json: ping)
        }
    }

    static func text(_ ping: PingResponse, output: Output) -> String {
        let session: String
        if let connect = ping.connectMilliseconds {
            let through = ping.endpoint.hasPrefix("relay://") ? " through the relay" : ""
            session = "new \(ping.direction) session\(through), connected in \(String(format: "%.2f", connect)) ms"
        } else if ping.endpoint == ping.requestedEndpoint {
            session = "existing \(ping.direction) session"
        } else {
            session = "existing \(ping.direction) session; \(ping.requestedEndpoint) was not contacted"
        }
        return """
            \(output.bold(ping.peer)) answered
              endpoint   \(ping.endpoint) (\(session))
              TLS        \(ping.tlsVersion) \(ping.cipher) (ALPN \(ping.alpn))
              round trip \(String(format: "%.2f", ping.rttMilliseconds)) ms
            """
    }
}
