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
            throw StoreError(.notInitialized, "no Vouch node at \(home.path): run `vouch init` (or pass --home)")
        }
        return try await AdminClient.connect(socketPath: home.adminSocket.path, cookiePath: home.adminCookie.path)
    }
}
