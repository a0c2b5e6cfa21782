import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import VouchAdmin
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTLS

struct RunCommand: AsyncParsableCommand {
    /// Every session is a socket: a shell's default soft limit of 1024 descriptors would cap the
    /// node near 1000 peers, so raise the soft limit to the hard one, as servers usually do.
    static func raiseOpenFileLimit(_ logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let previous = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.debug("raised the open file limit", metadata: ["from": .stringConvertible(previous), "to": .stringConvertible(limit.rlim_max)])
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the node in the foreground.",
        discussion: """
            Listens for other nodes on the address in config.json (or --listen), serves the \
            admin API on admin.sock in the node home, and delivers queued messages. Logs go to \
            standard error. SIGTERM or SIGINT stops it gracefully: sessions are closed with \
            close_notify and nothing queued is lost. Docs/running.md has a systemd unit.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: ArgumentHelp("Listen here instead of the config's address (`none`: no listener).", valueName: "host:port|none"))
    var listen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            guard let level = Logger.Level(rawValue: logLevel) else {
                let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError(.usage, code: "usage", "--log-level: \"\(logLevel)\" is not a log level (one of \(levels))")
            }
            LoggingSystem.bootstrap { label in
                var handler = NodeLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "vouch")
            Self.raiseOpenFileLimit(logger)
            let node = try NodeContext.open(global.nodeHome, access: .readWrite)
            // A second daemon on the same home would fight over the database and the socket.
            if let client = try? await AdminClient.connect(socketPath: node.home.adminSocket.path, cookiePath: node.home.adminCookie.path) {
                client.close()
                throw CLIError(.alreadyExists, code: "already-running", "a node is already running on \(node.home.path)")
            }
            var config = try NodeConfig.load(from: node.home)
            if let listen { config.listen = try NodeConfig.listenSetting(listen) }
            let key = try node.loadKey(passphrase)
            let tls = try TLSConfiguration(privateKey: key, certificate: SelfSignedCertificate(key: key, commonName: node.id.description))
            let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
            let events = AdminEventBus()
            let runtime = NodeRuntime(identityKey: key, tls: tls, database: node.database, config: config, limits: config.limits,
                                      group: group, logger: logger) { type, data in
                events.publish(type: type, data: .object(data))
            }
            let json = global.json
            let service = NodeService(runtime: runtime, events: events, home: node.home) { bound in
                // One line on stdout when ready, so scripts and tests can wait for it.
                let line = json ? Output.jsonLine(["ready": true, "id": node.id.description, "listen": bound])
                                : "Vouch node \(node.id.shortForm) listening on \(bound)"
                Output.writeLine(line, to: .standardOutput)
                if let address = try? runtime.shareableAddress(), let warning = EndpointReach(address.endpoint).warning {
                    logger.notice("the address to share, \(address.endpoint), may not reach this node: \(warning); set `advertise` in config.json if others should reach it")
                }
            }
            let serviceGroup = ServiceGroup(configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                                 failureTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            do {
                try await serviceGroup.run()
            } catch {
                try? await group.shutdownGracefully()
                throw error
            }
            try await group.shutdownGracefully()
        }
    }
}
