import ArgumentParser
import Foundation
import VouchAdmin

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the running node and wait until it has exited.",
        discussion: """
            Asks the daemon through the admin socket to shut down as it does on SIGTERM: sessions \
            are closed with close_notify and nothing queued is lost. Returns once the process has \
            exited; exits with status 69 if no node is running, 75 if it is still running after \
            --timeout seconds.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("How long to wait for the node to exit.", valueName: "seconds"))
    var timeout: Int = 60

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let home = global.nodeHome
            let client = try await DaemonConnection.connect(home)
            defer { client.close() }
            let status = try await client.call(StatusRequest())
            let answer = try await client.call(StopRequest())
            let started = ContinuousClock.now
            while Self.isRunning(answer.pid) {
                guard ContinuousClock.now - started < .seconds(timeout) else {
                    throw CLIError(.tempFailure, code: "still-running",
                                   "the node (process \(answer.pid)) is still running after \(timeout) s; it may be finishing a shutdown")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            output.emit(text: "Stopped the node \(status.shortID) (process \(answer.pid))\(CommandHint.which(home))",
                        json: ["stopped": true, "id": .string(status.id), "pid": .int(Int64(answer.pid))] as JSONValue)
        }
    }

    /// Whether process `pid` exists (a zombie counts as gone: it has exited).
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        // /proc/PID/stat's third field is the state; Z is a zombie that only waits to be reaped.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
        }
        return true
    }
}
