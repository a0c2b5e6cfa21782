import ArgumentParser
import Foundation
import VouchCrypto
import VouchProtocol
import VouchStore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write the whole node (identity key, config, database) to one encrypted file.",
        discussion: """
            The file holds the identity key file as it is, config.json and a consistent snapshot \
            of the database (SQLite's online backup: it can be made while the node runs), sealed \
            with a passphrase (PBKDF2-HMAC-SHA256, AES-256-GCM). The passphrase comes from \
            --passphrase-file, --passphrase-stdin or $VOUCH_BACKUP_PASSPHRASE, never from the \
            command line. `vouch restore` brings the node back on any machine, with the same ID.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var passphrase: BackupPassphraseOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the backup (a new file).", valueName: "file"))
    var output: String

    func run() throws {
        let out = global.output
        try reporting(out) {
            var secret = try passphrase.passphrase()
            defer { secret.cleanse() }
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
            let backup = try NodeBackup.capture(home: node.home, nowMilliseconds: now)
            let bytes = try backup.sealed(passphrase: secret)
            try SecureFile.createExclusively(URL(fileURLWithPath: output), contents: bytes, mode: 0o600)
            out.emit(text: "Backed up node \(backup.node.shortForm) to \(output) (\(bytes.count) bytes, encrypted)",
                     json: ["file": output, "id": backup.node.description, "bytes": bytes.count])
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring a node back from a `vouch backup` file into a new home.",
        discussion: """
            Checks everything before writing anything: the passphrase, that the file is whole, \
            that its database is intact and belongs to the identity it names. Refuses a home that \
            holds anything (never overwrites an identity). The restored node runs with the same ID \
            and everything it had when the backup was made.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var passphrase: BackupPassphraseOptions

    @Argument(help: ArgumentHelp("The backup file.", valueName: "file"))
    var file: String

    func run() throws {
        let out = global.output
        try reporting(out) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError(.notFound, code: "not-found", "cannot read \(file)")
            }
            var secret = try passphrase.passphrase()
            defer { secret.cleanse() }
            var backup = try NodeBackup(opening: Array(data), passphrase: secret)
            defer { backup.keyFile.cleanse() }
            let home = global.nodeHome
            try backup.restore(into: home)
            out.emit(text: "Restored node \(backup.node.description) into \(home.path)\nNext: \(CommandHint.vouch("run", home: home))",
                     json: ["home": home.path, "id": backup.node.description])
        }
    }
}
