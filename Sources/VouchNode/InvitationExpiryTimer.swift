import Logging

/// The lifecycle's clock (Protocol/invitations.md §7): every few seconds, invitations past their
/// expiry are recorded as expired, so `vouch events` tells scripts when it happens and not only
/// when the next message about the invitation arrives.
package struct InvitationExpiryTimer: Sendable {
    static let interval: Duration = .seconds(2)

    let runtime: NodeRuntime

    package init(runtime: NodeRuntime) { self.runtime = runtime }

    package func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                runtime.logger.error("cannot record expired invitations", metadata: ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: Self.interval)
        }
    }

    /// One tick.
    package func runOnce() async throws {
        try await runtime.invitations.expireDue()
    }
}
