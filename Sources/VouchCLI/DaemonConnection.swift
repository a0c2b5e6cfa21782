import Foundation
import VouchAdmin
import VouchStore

/// Calls the running daemon's admin API for a command. Every command that needs the daemon goes
/// through here, so "not running" is reported the same way (exit status 69) everywhere.
enum DaemonConnection {
    static func call<Method: AdminMethod>(_ home: NodeHome, _ request: Method) async throws -> Method.Response {
        let client = try await connect(home)
        defer { client.close() }
        return try await client.call(request)
    }

    /// Connects as the home's owner. A home this user cannot look into is `permission-denied`
    /// (77), not "no node here": it is someone else's node.
    static func connect(_ home: NodeHome) async throws -> AdminClient {
        guard try home.contains(home.keyFile) else {
            throw StoreError(.notInitialized, "no Vouch node at \(home.path): run `\(CommandHint.vouch("init", home: home))` (or pass --home)")
        }
        do {
            return try await AdminClient.connect(socketPath: home.adminSocket.path, cookiePath: home.adminCookie.path)
        } catch let error as AdminError where error.reason == .daemonNotRunning {
            // The hint names this home, so that following it starts the node the user meant.
            throw AdminError(.daemonNotRunning, error.message.replacingOccurrences(
                of: "start it with `vouch run`", with: "start it with `\(CommandHint.vouch("run", home: home))`"))
        }
    }
}
