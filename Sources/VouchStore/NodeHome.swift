public import Foundation

/// The directory that holds everything a node owns (Docs/running.md):
///
///     identity.key    the Ed25519 identity, PKCS#8 PEM, mode 0600
///     node.sqlite     the database (WAL: node.sqlite-wal, node.sqlite-shm)
///     config.json     settings such as the listen address
///     admin.sock      the admin API socket, while `vouch run` runs
///     admin.cookie    the admin API credential, while `vouch run` runs
///
/// The directory itself is created with mode 0700.
public struct NodeHome: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url.standardizedFileURL
    }

    /// `--home` if given, else `$VOUCH_HOME`, else `$XDG_DATA_HOME/vouch`, else `~/.local/share/vouch`.
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> NodeHome {
        if let explicit, !explicit.isEmpty { return NodeHome(url: URL(fileURLWithPath: explicit)) }
        if let home = environment["VOUCH_HOME"], !home.isEmpty { return NodeHome(url: URL(fileURLWithPath: home)) }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return NodeHome(url: URL(fileURLWithPath: xdg).appendingPathComponent("vouch"))
        }
        let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return NodeHome(url: URL(fileURLWithPath: user).appendingPathComponent(".local/share/vouch"))
    }

    public var path: String { url.path }
    public var keyFile: URL { url.appendingPathComponent("identity.key") }
    public var databaseFile: URL { url.appendingPathComponent("node.sqlite") }
    public var configFile: URL { url.appendingPathComponent("config.json") }
    /// The admin API's Unix socket (mode 0600) while the daemon runs.
    public var adminSocket: URL { url.appendingPathComponent("admin.sock") }
    /// The admin API's credential (mode 0600) while the daemon runs.
    public var adminCookie: URL { url.appendingPathComponent("admin.cookie") }

    /// Creates the directory (and parents) if missing and makes it owner-only.
    public func createDirectory() throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.io, "cannot create the node home \(path): \(error.localizedDescription)")
        }
        guard chmod(path, 0o700) == 0 else {
            throw StoreError(.io, "cannot make \(path) owner-only: \(String(cString: strerror(errno)))")
        }
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Whether `file` (in this home) exists: false only when it is really absent. When this user
    /// cannot look (another user's private home), that is `permission-denied`, not "absent": a
    /// command must not tell someone to `vouch init` over a node that is there.
    public func contains(_ file: URL) throws -> Bool {
        var info = stat()
        if stat(file.path, &info) == 0 { return true }
        let code = errno
        switch code {
        case ENOENT, ENOTDIR:
            return false
        case EACCES, EPERM:
            var owner = stat()
            let whose = stat(path, &owner) == 0 ? " (it belongs to uid \(owner.st_uid); you are uid \(geteuid()))" : ""
            throw StoreError(.permissionDenied,
                             "cannot read \(file.path): permission denied\(whose); run this as the user who owns the node home")
        default:
            throw StoreError(.io, "cannot read \(file.path): \(String(cString: strerror(code)))")
        }
    }
}
