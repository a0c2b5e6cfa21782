import Foundation
import VouchCrypto
import VouchProtocol
import VouchStore

/// An initialized node home opened for a command: its database and the identity recorded in it.
struct NodeContext {
    let home: NodeHome
    let database: NodeDatabase
    let id: NodeID

    /// Opens the home, refusing (without creating anything) when it is not initialized, and
    /// with `permission-denied` when it is another user's. Commands that only read pass
    /// `.readOnly`, so they write nothing to the database.
    static func open(_ home: NodeHome, access: NodeDatabase.Access) throws -> NodeContext {
        guard try home.contains(home.keyFile) else {
            if try home.contains(home.databaseFile) {
                throw StoreError(.keyMismatch, "\(home.path) has a database but no identity.key: restore the key file from a backup")
            }
            throw StoreError(.notInitialized, "no Vouch node at \(home.path): run `\(CommandHint.vouch("init", home: home))` (or pass --home)")
        }
        guard try home.contains(home.databaseFile) else {
            throw StoreError(.incomplete, "\(home.path) has a key but no database: run `\(CommandHint.vouch("init", home: home))` again to finish setting it up")
        }
        let database = try NodeDatabase(home: home, access: access)
        guard let id = try database.identity() else {
            throw StoreError(.incomplete, "\(home.path) was not fully set up: run `\(CommandHint.vouch("init", home: home))` again to finish")
        }
        return NodeContext(home: home, database: database, id: id)
    }

    /// Loads the private key and checks it is the identity the database was made for.
    func loadKey(_ passphrase: PassphraseOptions) throws -> Ed25519PrivateKey {
        let keyFile = IdentityKeyFile(home: home)
        let key: Ed25519PrivateKey
        do {
            var secret = try passphrase.passphrase()
            defer { secret?.cleanse() }
            key = try keyFile.load(passphrase: secret)
        } catch let error as CryptoError where error.code == .passphraseRequired {
            throw CryptoError(.passphraseRequired,
                              "\(keyFile.url.path) is encrypted: give its passphrase with --passphrase-file, --passphrase-stdin or $\(PassphraseOptions.environmentVariable)")
        }
        guard ConstantTime.equals(key.publicKey.rawRepresentation, id.rawRepresentation) else {
            throw StoreError(.keyMismatch, "\(keyFile.url.path) holds the key of \(NodeID(publicKey: key.publicKey).shortForm), but this node is \(id.shortForm)")
        }
        return key
    }
}
