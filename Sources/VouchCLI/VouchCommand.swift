public import ArgumentParser
import VouchStore
import VouchProtocol
import VouchCrypto
import Foundation

/// `vouch`: the node and the admin tool that scripts it.
public struct VouchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vouch",
        abstract: "A Vouch node: your identity and signed profile, shared peer to peer.",
        discussion: """
            Every person runs their own node. It holds their Ed25519 identity and signed \
            profile, proves who answers at an address over mutually authenticated TLS 1.3, and \
            delivers their profile card to other people's nodes. People connect by invitation: \
            a personal note and how they know each other, accepted into a record both sign.

            Start with `vouch init`, then `vouch profile set`. Every command takes --home, \
            --json (for scripts) and --no-color, before or after the command's name; exit \
            statuses are listed in Docs/cli.md and `man vouch`.
            """,
        version: VouchVersion.string,
        subcommands: [
            InitCommand.self, IdCommand.self, ProfileCommand.self, VerifyCommand.self,
            RunCommand.self, StopCommand.self, StatusCommand.self, AddressCommand.self, PingCommand.self,
            CardCommand.self, OutboxCommand.self, EventsCommand.self, BackupCommand.self, RestoreCommand.self,
            InviteCommand.self, InboxCommand.self, AcceptCommand.self, DeclineCommand.self, AskContextCommand.self,
            ReportSpamCommand.self, InvitationsCommand.self, WithdrawCommand.self, ReplyCommand.self, IntroduceCommand.self,
            ConnectionsCommand.self, ConnectionCommand.self, DisconnectCommand.self,
            ConnectionsOfCommand.self, MutualCommand.self, WhoCanIntroduceCommand.self,
            BlockCommand.self, UnblockCommand.self, BlockedCommand.self, PolicyCommand.self, RelayCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs a command. Errors are reported by the commands themselves in one line
    /// (or a JSON object with --json); usage errors get the parser's message with status 64.
    public static func run(arguments: [String]) async -> Int32 {
        let json = arguments.contains("--json")
        let normalized: [String]
        do {
            normalized = try CommandLineArguments.normalize(arguments, root: Self.self)
        } catch {
            return usageError(error.message, json: json)
        }
        do {
            var command = try parseAsRoot(normalized)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {  // --help or --version
                print(fullMessage(for: error))
                return 0
            }
            return usageError(json ? message(for: error) : fullMessage(for: error), json: json)
        }
    }

    /// Reports a command line that is wrong (status 64), one line with --json.
    static func usageError(_ message: String, json: Bool) -> Int32 {
        if json {
            Output.writeLine(Output.jsonLine(["error": ["code": "usage", "message": message,
                                                       "exit_status": Int(ExitStatus.usage.rawValue)]]), to: .standardError)
        } else {
            Output.writeLine(message.hasPrefix("Error:") || message.hasPrefix("Usage:") ? message : "vouch: error: \(message)",
                             to: .standardError)
        }
        return ExitStatus.usage.rawValue
    }
}

public enum VouchVersion {
    public static let string = "0.1.0"
}
