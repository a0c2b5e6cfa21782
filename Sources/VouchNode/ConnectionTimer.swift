import Logging

/// The clock of invitations and connections, every 2 seconds:
/// - invitations past their expiry are recorded as expired (Protocol/invitations.md §7: the
///   machines' `tick`), so `vouch events` tells scripts when it happens, not only when the next
///   message about the invitation arrives;
/// - a new profile version is queued to every connection (`vouch profile set` writes the
///   database directly, whether the node runs or not, so the node notices it here).
package struct ConnectionTimer: Sendable {
    static let interval: Duration = .seconds(2)

    let runtime: NodeRuntime

    package init(runtime: NodeRuntime) { self.runtime = runtime }

    package func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                runtime.logger.error("invitation and connection upkeep failed", metadata: ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: Self.interval)
        }
    }

    /// One tick.
    package func runOnce() async throws {
        try await runtime.invitations.expireDue()
        try await runtime.connections.shareProfile()
        try await runtime.disclosure.shareVisibility()
    }
}
