public import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// A whole node in one file, sealed under a passphrase (Docs/running.md §Backup and restore): the
/// identity key file as it is (encrypted or not), config.json, and a consistent snapshot of the
/// database taken with SQLite's online backup, so it can be made while the node runs.
///
/// The file: `VOUCH-BACKUP\n`, a format byte (1), the PBKDF2 iteration count (4 bytes, big
/// endian), a 16-byte salt and a 12-byte nonce (all of it authenticated), then the AES-256-GCM
/// ciphertext and tag (`PassphraseSealedBox`) of a canonical CBOR map:
/// `{config: bytes, created: uint (Unix ms), database: bytes, format: 1, key: bytes, node: bytes 32}`.
public struct NodeBackup: Sendable, Equatable {
    public static let magic = Array("VOUCH-BACKUP\n".utf8)
    public static let formatVersion: UInt8 = 1
    static let headerSize = magic.count + 1 + 4 + PassphraseSealedBox.saltSize + PassphraseSealedBox.nonceSize

    public var node: NodeID
    public var created: UInt64
    public var keyFile: [UInt8]
    public var config: [UInt8]
    public var database: [UInt8]

    /// Reads a home into memory: key file, config and a snapshot of the database. The database is
    /// read through SQLite's online backup from a read transaction, which sees one committed state
    /// however busy the running node is.
    public static func capture(home: NodeHome, nowMilliseconds now: UInt64) throws -> NodeBackup {
        let database = try NodeDatabase(home: home, access: .readOnly)
        guard let node = try database.identity() else {
            throw StoreError(.incomplete, "\(home.path) has no identity to back up")
        }
        let snapshot = home.url.appendingPathComponent(".backup-\(Hex.encode(SecureRandom.bytes(8))).sqlite")
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(snapshot.path + suffix) } }
        do {
            let copy = try DatabaseQueue(path: snapshot.path)
            try database.pool.backup(to: copy)
            try copy.close()
        } catch let error as DatabaseError {
            throw StoreError(.database, "cannot snapshot the database: \(error.message ?? error.description)")
        }
        let bytes = try Data(contentsOf: snapshot)
        let config = (try? home.contains(home.configFile)) == true ? try SecureFile.readPrivate(home.configFile) : []
        return NodeBackup(node: node, created: now, keyFile: try SecureFile.readPrivate(home.keyFile, maximumSize: 1 << 16),
                          config: config, database: Array(bytes))
    }

    public init(node: NodeID, created: UInt64, keyFile: [UInt8], config: [UInt8], database: [UInt8]) {
        self.node = node
        self.created = created
        self.keyFile = keyFile
        self.config = config
        self.database = database
    }

    // MARK: The file

    public func sealed(passphrase: [UInt8], iterations: UInt32 = PassphraseSealedBox.defaultIterations) throws -> [UInt8] {
        var header = Self.magic + [Self.formatVersion]
        header += withUnsafeBytes(of: iterations.bigEndian, Array.init)
        header += SecureRandom.bytes(PassphraseSealedBox.saltSize) + SecureRandom.bytes(PassphraseSealedBox.nonceSize)
        var plaintext = CBORValue.map([
            "config": .bytes(config), "created": .unsigned(created), "database": .bytes(database),
            "format": .unsigned(UInt64(Self.formatVersion)), "key": .bytes(keyFile), "node": .bytes(node.rawRepresentation),
        ]).encoded
        defer { plaintext.cleanse() }
        return header + (try PassphraseSealedBox.seal(plaintext, passphrase: passphrase, salt: salt(of: header), nonce: nonce(of: header),
                                                      iterations: iterations, associatedData: header))
    }

    /// Opens a backup file: `invalid-value` when it is not one, `wrong-passphrase` when the
    /// passphrase is wrong or any byte was changed.
    public init(opening file: [UInt8], passphrase: [UInt8]) throws {
        guard file.count > Self.headerSize, Array(file.prefix(Self.magic.count)) == Self.magic else {
            throw ProtocolError(.invalidValue, "not a Vouch backup: it does not start with VOUCH-BACKUP")
        }
        guard file[Self.magic.count] == Self.formatVersion else {
            throw ProtocolError(.unsupportedVersion, "backup format \(file[Self.magic.count]) is not one this vouch reads (it reads 1)")
        }
        let header = Array(file.prefix(Self.headerSize))
        let iterations = header[(Self.magic.count + 1)..<(Self.magic.count + 5)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var plaintext: [UInt8]
        do {
            plaintext = try PassphraseSealedBox.open(Array(file.dropFirst(Self.headerSize)), passphrase: passphrase,
                                                     salt: Self.salt(of: header), nonce: Self.nonce(of: header),
                                                     iterations: iterations, associatedData: header)
        } catch let error as CryptoError where error.code == .wrongPassphrase {
            throw CryptoError(.wrongPassphrase, "the passphrase is wrong, or the backup was changed or damaged after it was made")
        }
        defer { plaintext.cleanse() }
        var fields = try CBORFields(try CBORValue(canonical: plaintext, maximumDepth: 2), context: "backup")
        guard try fields.unsigned("format") == UInt64(Self.formatVersion) else {
            throw ProtocolError(.unsupportedVersion, "the backup's contents are not format 1")
        }
        config = try fields.bytes("config")
        created = try fields.unsigned("created")
        database = try fields.bytes("database")
        keyFile = try fields.bytes("key")
        node = NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: try fields.bytes("node", count: 32)))
        try fields.finish()
    }

    private static func salt(of header: [UInt8]) -> [UInt8] {
        Array(header[(magic.count + 5)..<(magic.count + 5 + PassphraseSealedBox.saltSize)])
    }

    private static func nonce(of header: [UInt8]) -> [UInt8] { Array(header.suffix(PassphraseSealedBox.nonceSize)) }
    private func salt(of header: [UInt8]) -> [UInt8] { Self.salt(of: header) }
    private func nonce(of header: [UInt8]) -> [UInt8] { Self.nonce(of: header) }

    // MARK: Restoring

    /// Writes this node into `home`, which must not hold a node (it may not exist, or be an empty
    /// directory). Everything is checked first (the database is whole and is this node's, an
    /// unencrypted key is this node's key), and the files are written into a staging directory
    /// beside `home` that is renamed into place at the end, so an interrupted restore leaves no
    /// half-made home behind.
    public func restore(into home: NodeHome) throws {
        if home.exists {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: home.path)) ?? ["?"]
            guard entries.isEmpty else {
                throw StoreError(.alreadyInitialized, "\(home.path) is not empty: restore into a new directory (nothing was changed)")
            }
        }
        if let key = try? Ed25519PrivateKey(pkcs8PEM: keyFile, passphrase: nil), key.publicKey != node.publicKey {
            throw StoreError(.keyMismatch, "the backup's key file does not hold the identity of its database")
        }
        let parent = home.url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = NodeHome(url: parent.appendingPathComponent(".\(home.url.lastPathComponent).restoring-\(Hex.encode(SecureRandom.bytes(4)))"))
        try staging.createDirectory()
        do {
            try SecureFile.createExclusively(staging.databaseFile, contents: database, mode: 0o600)
            try Self.checkDatabase(at: staging, isOf: node)
            if !config.isEmpty { try SecureFile.createExclusively(staging.configFile, contents: config, mode: 0o600) }
            try SecureFile.createExclusively(staging.keyFile, contents: keyFile, mode: 0o600)
            if home.exists { try FileManager.default.removeItem(at: home.url) }  // the empty directory
            guard rename(staging.path, home.path) == 0 else {
                throw StoreError(.io, "cannot move the restored node into \(home.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: staging.url)
            throw error
        }
    }

    /// The snapshot is a whole SQLite database (integrity check) recording `node` as its identity.
    static func checkDatabase(at home: NodeHome, isOf node: NodeID) throws {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: home.databaseFile.path, configuration: configuration)
            defer { try? queue.close() }
            let (check, identity) = try queue.read { db in
                (try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                 try Data.fetchOne(db, sql: "SELECT public_key FROM identity WHERE id = 1"))
            }
            guard check == "ok" else { throw StoreError(.database, "the backup's database is damaged (\(check ?? "no answer"))") }
            guard let identity, Array(identity) == node.rawRepresentation else {
                throw StoreError(.keyMismatch, "the backup's database belongs to another node than the backup names")
            }
        } catch let error as DatabaseError {
            throw StoreError(.database, "the backup's database cannot be read: \(error.message ?? error.description)")
        }
    }
}
