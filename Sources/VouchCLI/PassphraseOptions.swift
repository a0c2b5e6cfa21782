import ArgumentParser
import VouchStore
import VouchProtocol
import VouchCrypto
import Foundation

/// Where the identity key's passphrase comes from. Never from a command-line argument, which
/// other users can read in the process list and which lands in shell history.
struct PassphraseOptions: ParsableArguments {
    static let environmentVariable = "VOUCH_PASSPHRASE"

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp(
        "Read the key passphrase from this file (its first line).", valueName: "file"))
    var passphraseFile: String?

    @Flag(name: .customLong("passphrase-stdin"), help: "Read the key passphrase from standard input (its first line).")
    var passphraseStdin = false

    func validate() throws {
        if passphraseFile != nil && passphraseStdin {
            throw ValidationError("give the passphrase one way: --passphrase-file or --passphrase-stdin")
        }
    }

    /// The passphrase from the file, stdin, or $VOUCH_PASSPHRASE (in that order), or nil.
    /// The passphrase's bytes; the caller cleanses them after use (`cleanse()`), as this does
    /// with the copies it read them from.
    func passphrase() throws -> [UInt8]? {
        try Self.read(file: passphraseFile, stdin: passphraseStdin, environmentVariable: Self.environmentVariable)
    }

    /// The first line of `file`, of standard input, or the value of `environmentVariable`.
    static func read(file passphraseFile: String?, stdin passphraseStdin: Bool, environmentVariable: String) throws -> [UInt8]? {
        var raw: [UInt8]
        let source: String
        if let passphraseFile {
            guard var data = FileManager.default.contents(atPath: passphraseFile) else {
                throw CLIError(.notFound, code: "not-found", "cannot read the passphrase file \(passphraseFile)")
            }
            raw = Array(data)
            data.resetBytes(in: data.indices)
            source = passphraseFile
        } else if passphraseStdin {
            var data = FileHandle.standardInput.readDataToEndOfFile()
            raw = Array(data)
            data.resetBytes(in: data.indices)
            source = "standard input"
        } else if let env = ProcessInfo.processInfo.environment[environmentVariable] {
            raw = Array(env.utf8)
            source = "$\(environmentVariable)"
        } else {
            return nil
        }
        defer { raw.cleanse() }
        // The first line: `echo secret > file` and a typed line both end with a newline.
        var line = Array(raw.prefix { $0 != 0x0A })
        if line.last == 0x0D { line.removeLast() }
        guard !line.isEmpty else { throw CLIError(.invalidInput, code: "empty-passphrase", "the passphrase from \(source) is empty") }
        return line
    }
}

/// The passphrase a backup is sealed with (not the key's: the key file goes into the backup as it
/// is). Required: a backup holds the identity key, so it is never written in the clear.
struct BackupPassphraseOptions: ParsableArguments {
    static let environmentVariable = "VOUCH_BACKUP_PASSPHRASE"

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp(
        "Read the backup's passphrase from this file (its first line).", valueName: "file"))
    var passphraseFile: String?

    @Flag(name: .customLong("passphrase-stdin"), help: "Read the backup's passphrase from standard input (its first line).")
    var passphraseStdin = false

    func validate() throws {
        if passphraseFile != nil && passphraseStdin {
            throw ValidationError("give the passphrase one way: --passphrase-file or --passphrase-stdin")
        }
    }

    /// The passphrase's bytes (the caller cleanses them); an error when none was given.
    func passphrase() throws -> [UInt8] {
        guard let passphrase = try PassphraseOptions.read(file: passphraseFile, stdin: passphraseStdin,
                                                         environmentVariable: Self.environmentVariable) else {
            throw CLIError(.usage, code: "passphrase-required",
                           "a backup is always encrypted: give its passphrase with --passphrase-file, --passphrase-stdin or $\(Self.environmentVariable)")
        }
        return passphrase
    }
}
