import ArgumentParser
import Foundation
import VouchCrypto
import VouchProtocol
import VouchStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a node home with a new Ed25519 identity.",
        discussion: """
            Makes the node home (mode 0700) with identity.key (PKCS#8 PEM, mode 0600), the \
            database and config.json. Never overwrites an existing key: on a home that has one it \
            fails with status 73 and changes nothing. If an earlier init was interrupted after \
            the key was written, running init again finishes the job with that key.

            To encrypt the key give a passphrase with --passphrase-file, --passphrase-stdin or \
            $VOUCH_PASSPHRASE; every command that signs will then need it.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: ArgumentHelp("The address `vouch run` listens on, or `none` for a node without a listener, reached through its relays (`vouch relay add`).", valueName: "host:port|none"))
    var listen: String?

    func run() throws {
        let output = global.output
        try reporting(output) {
            let home = global.nodeHome
            let keyFile = IdentityKeyFile(home: home)
            var secret = try passphrase.passphrase()
            defer { secret?.cleanse() }
            var config = NodeConfig.default
            if let listen { config.listen = try NodeConfig.listenSetting(listen) }

            let key: Ed25519PrivateKey
            if try home.contains(keyFile.url) {
                // Either a complete node (refuse) or an init interrupted before the database. A
                // database that cannot be read is reported as such (`database`), never written over.
                if try home.contains(home.databaseFile),
                   try NodeDatabase(home: home, access: .readOnly).identity() != nil {
                    throw StoreError(.alreadyInitialized,
                                     "\(home.path) already has a node identity; nothing was changed (use another --home for a second node)")
                }
                key = try keyFile.load(passphrase: secret)
            } else {
                // A database without its key: the key was lost or moved. A new key would not
                // match the identity recorded there, so refuse and point at the backup.
                if try home.contains(home.databaseFile),
                   let recorded = try NodeDatabase(home: home, access: .readOnly).identity() {
                    throw StoreError(.alreadyInitialized,
                                     "\(home.path) holds node \(recorded.shortForm) but its identity.key is missing: restore the key file from a backup; nothing was changed (use another --home for a new node)")
                }
                try home.createDirectory()
                key = try Ed25519PrivateKey()
                try keyFile.create(key, passphrase: secret)
            }
            let id = NodeID(publicKey: key.publicKey)
            let database = try NodeDatabase(home: home)
            if try database.identity() == nil {
                try database.recordIdentity(id, createdAt: UInt64(Date().timeIntervalSince1970))
            }
            if try !home.contains(home.configFile) {
                try config.save(to: home)
            }
            output.emit(
                text: """
                    Created a Vouch node in \(home.path)
                    Node ID: \(output.bold(id.description))
                    Key: \(keyFile.url.path)\(secret == nil ? " (not encrypted)" : " (encrypted)")
                    Next: \(CommandHint.vouch(#"profile set --name "Your Name" --headline "What you do""#, home: home))
                    """,
                json: ["home": home.path, "id": id.description, "short_id": id.shortForm,
                       "key_file": keyFile.url.path, "encrypted": secret != nil])
        }
    }
}
