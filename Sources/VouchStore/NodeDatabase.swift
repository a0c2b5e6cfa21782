import Foundation
import GRDB
import VouchCrypto
public import VouchProtocol

/// The node's SQLite database (GRDB, WAL). `synchronous = FULL`: a transaction is on disk when
/// its commit returns, so anything the node acknowledges to a peer survives a crash or power cut.
public final class NodeDatabase: Sendable {
    let pool: DatabasePool
    /// The writes of peers' deliveries (and of the removal of what peers acked), committed in
    /// groups (see `GroupCommit`): a delivery is acknowledged after its commit, and one fsync
    /// serves every delivery waiting for it.
    let deliveryWrites: GroupCommit

    /// How a command uses the database.
    public enum Access: Sendable {
        /// Opens (creating if needed) and migrates it: the daemon and commands that change it.
        case readWrite
        /// Opens the existing file read-only (SQLite `SQLITE_OPEN_READONLY`): commands that only
        /// look (`id`, `profile show`, `profile export`, `address`) write nothing, not even the
        /// header, so they work on a backup copy and do not touch the file's modification time.
        case readOnly
    }

    public init(home: NodeHome, access: Access = .readWrite) throws {
        let path = home.databaseFile.path
        var pool: DatabasePool
        do {
            switch access {
            case .readWrite:
                pool = try Self.openReadWrite(path)
            case .readOnly:
                pool = try DatabasePool(path: path, configuration: Self.configuration(readOnly: true))
                // A schema older than this version's: migrate it once (the only write a reading
                // command makes), then read.
                if try !pool.read({ try Migrations.migrator.hasCompletedMigrations($0) }) {
                    try pool.close()
                    try Self.openReadWrite(path).close()
                    pool = try DatabasePool(path: path, configuration: Self.configuration(readOnly: true))
                }
            }
        } catch let error as DatabaseError {
            throw StoreError(.database, "cannot open \(path): \(error.message ?? error.description)")
        }
        self.pool = pool
        deliveryWrites = GroupCommit(writer: pool)
    }

    private static func configuration(readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        if !readOnly {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        return configuration
    }

    private static func openReadWrite(_ path: String) throws -> DatabasePool {
        let isNew = !FileManager.default.fileExists(atPath: path)
        let pool = try DatabasePool(path: path, configuration: configuration(readOnly: false))
        // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after
        // `prepareDatabase` ran: set FULL again on the one connection that writes.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        if isNew { chmod(path, 0o600) }
        try Migrations.migrator.migrate(pool)
        return pool
    }

    // MARK: Identity

    /// The identity recorded at `init`, or nil if `init` did not get that far (no row). A row
    /// whose key cannot be read is a damaged file, not an unfinished `init`: that is `database`,
    /// so that `init` is not sent to write a second identity over it.
    public func identity() throws -> NodeID? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT public_key FROM identity WHERE id = 1") else { return nil }
            guard case .blob(let raw) = (row["public_key"] as DatabaseValue).storage,
                  let key = try? Ed25519PublicKey(rawRepresentation: Array(raw)) else {
                throw Self.damaged("the identity's public key is not a 32-byte Ed25519 key")
            }
            return NodeID(publicKey: key)
        }
    }

    /// Records the identity and an empty profile (version 0, nothing published yet).
    public func recordIdentity(_ id: NodeID, createdAt: UInt64) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO identity (id, public_key, created_at) VALUES (1, ?, ?)",
                           arguments: [Data(id.rawRepresentation), SQLInteger.storing(createdAt, "createdAt")])
            try db.execute(sql: "INSERT INTO profile (id, version, updated_at, links_audience) VALUES (1, 0, ?, 'everyone')",
                           arguments: [SQLInteger.storing(createdAt, "createdAt")])
        }
    }

    // MARK: Profile

    public func profile() throws -> Profile {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, updated_at, links_audience FROM profile WHERE id = 1") else {
                // `init` writes the identity and the profile in one transaction: one without the
                // other is damage, not an unfinished `init`.
                guard try Row.fetchOne(db, sql: "SELECT 1 FROM identity WHERE id = 1") == nil else {
                    throw Self.damaged("the identity has no profile row")
                }
                throw StoreError(.notInitialized, "the database has no profile: run `vouch init`")
            }
            var profile = Profile(version: try row.unsigned("version"), updatedAt: try row.unsigned("updated_at"),
                                  linksAudience: Audience(rawValue: try row.required("links_audience")) ?? .connections)
            for field in try Row.fetchAll(db, sql: "SELECT field, value, audience FROM profile_field") {
                // A row this version does not understand is skipped rather than shown wrongly.
                guard let name = ProfileField(rawValue: try field.required("field")),
                      let audience = Audience(rawValue: try field.required("audience")) else { continue }
                profile.fields[name] = .init(value: try field.required("value"), audience: audience)
            }
            profile.links = try String.fetchAll(db, sql: "SELECT url FROM profile_link ORDER BY position")
            profile.endpoints = try String.fetchAll(db, sql: "SELECT endpoint FROM profile_endpoint ORDER BY position")
                .compactMap { try? Endpoint(parsing: $0) }
            return profile
        }
    }

    /// Stores `profile` if its version is exactly one more than the stored one; a concurrent
    /// edit that lost the race gets `staleVersion` instead of silently overwriting the other.
    public func saveProfile(_ profile: Profile) throws {
        try profile.validate()
        try write { db in
            let current = try Int64.fetchOne(db, sql: "SELECT version FROM profile WHERE id = 1") ?? 0
            guard try SQLInteger.storing(profile.version, "version") == current + 1 else {
                throw StoreError(.staleVersion, "the profile changed meanwhile (now version \(current)); try again")
            }
            try db.execute(sql: "UPDATE profile SET version = ?, updated_at = ?, links_audience = ? WHERE id = 1",
                           arguments: [SQLInteger.storing(profile.version, "version"), SQLInteger.storing(profile.updatedAt, "updatedAt"), profile.linksAudience.rawValue])
            try db.execute(sql: "DELETE FROM profile_field")
            for (field, entry) in profile.fields {
                try db.execute(sql: "INSERT INTO profile_field (field, value, audience) VALUES (?, ?, ?)",
                               arguments: [field.rawValue, entry.value, entry.audience.rawValue])
            }
            try db.execute(sql: "DELETE FROM profile_link")
            for (i, link) in profile.links.enumerated() {
                try db.execute(sql: "INSERT INTO profile_link (position, url) VALUES (?, ?)", arguments: [i, link])
            }
            try db.execute(sql: "DELETE FROM profile_endpoint")
            for (i, endpoint) in profile.endpoints.enumerated() {
                try db.execute(sql: "INSERT INTO profile_endpoint (position, endpoint) VALUES (?, ?)", arguments: [i, endpoint.description])
            }
        }
    }

    // MARK: For tests

    /// `PRAGMA name` as the writer connection and a reader connection see it: the durability
    /// settings must hold on every connection, not only the first.
    package func pragma(_ name: String) throws -> (writer: String?, reader: String?) {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "not a pragma name: \(name)")
        let sql = "PRAGMA \(name)"
        return (try write { try String.fetchOne($0, sql: sql) }, try read { try String.fetchOne($0, sql: sql) })
    }

    /// The identifiers of the migrations applied to this database, in order.
    package func appliedMigrations() throws -> [String] {
        try read { try Migrations.migrator.appliedMigrations($0) }
    }

    // MARK: Helpers

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError {
            throw StoreError(.database, "database read failed: \(error.message ?? error.description)")
        } catch let error as RowDecodingError {
            throw Self.damaged(Self.describe(error))
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as DatabaseError {
            throw StoreError(.database, "database write failed: \(error.message ?? error.description)")
        } catch let error as RowDecodingError {
            throw Self.damaged(Self.describe(error))
        }
    }

    /// A cell that holds what the schema forbids (the tables are STRICT, NOT NULL and CHECKed):
    /// only a damaged file does that.
    static func damaged(_ what: String) -> StoreError {
        StoreError(.database, "node.sqlite is damaged (\(what)); restore it from a backup")
    }

    private static func describe(_ error: RowDecodingError) -> String {
        // The first line names the column and the value found; the rest is GRDB's row dump.
        String(String(describing: error).prefix { $0 != "\n" })
    }

    /// A write transaction run on GRDB's writer queue, so a caller on the cooperative thread pool
    /// (a session's delivery) waits without blocking one of its few threads on disk I/O.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch let error as DatabaseError {
            throw StoreError(.database, "database write failed: \(error.message ?? error.description)")
        } catch let error as RowDecodingError {
            throw Self.damaged(Self.describe(error))
        }
    }

    /// A write of a peer's delivery: the same as `write`, but in a transaction shared with the
    /// other deliveries waiting (`deliveryWrites`); returns after that transaction committed.
    func groupedWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await deliveryWrites.perform(body) } catch let error as DatabaseError {
            throw StoreError(.database, "database write failed: \(error.message ?? error.description)")
        } catch let error as RowDecodingError {
            throw Self.damaged(Self.describe(error))
        }
    }
}
