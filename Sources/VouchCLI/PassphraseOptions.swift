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
        } else if let env = ProcessInfo.processInfo.environment[Self.environmentVariable] {
            raw = Array(env.utf8)
            source = "$\(Self.environmentVariable)"
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
