import Foundation
import VouchAdmin
import VouchStore

/// Calls the running daemon's admin API for a command. Every command that needs the daemon goes
/// through here, so "not running" is reported the same way (exit status 69) everywhere.
enum DaemonConnection {
    static func call(_ home: NodeHome, _ method: String, _ params: JSONValue = [:]) async throws -> JSONValue {
        let client = try await connect(home)
        defer { client.close() }
        return try await client.call(method, params: params)
    }

    static func connect(_ home: NodeHome) async throws -> AdminClient {
        guard FileManager.default.fileExists(atPath: home.keyFile.path) else {
            throw StoreError(.notInitialized, "no Vouch node at \(home.path): run `vouch init` (or pass --home)")
        }
        return try await AdminClient.connect(socketPath: home.adminSocket.path, cookiePath: home.adminCookie.path)
    }
}
