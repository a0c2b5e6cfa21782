import ArgumentParser
import Foundation
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchAdmin
import VouchNode

/// The exit statuses of `vouch` (Docs/cli.md §Exit status), after BSD sysexits where one fits,
/// so scripts can tell "fix your input" from "nothing is there" from "try again later".
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// Something failed that is not described below (a bug or an unexpected system error).
    case failure = 1
    /// The command line is wrong: unknown option, missing argument.
    case usage = 64
    /// The input is invalid: a document that does not verify, a field too long, a bad node ID.
    case invalidInput = 65
    /// Something named does not exist: no node home, no such file.
    case notFound = 66
    /// The node daemon is not running (commands that talk to it).
    case unavailable = 69
    /// The thing to create exists already (`init` on an initialized home).
    case alreadyExists = 73
    /// Reading or writing a file or the database failed.
    case ioError = 74
    /// The peer could not be reached now (connection refused, timeout); trying later may work.
    case tempFailure = 75
    /// The peer was reached but failed the protocol: wrong key, TLS refused, an error reply.
    case protocolError = 76
    /// Refused for safety: a key file others can read, a wrong or missing passphrase.
    case permission = 77
    /// The node home's configuration is wrong (config file, key not matching the database).
    case config = 78

    /// The status for an error: one mapping for every command.
    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case is ProtocolError:
            return .invalidInput
        case let e as CryptoError:
            switch e.code {
            case .passphraseRequired, .wrongPassphrase: return .permission
            case .keyFileCorrupt: return .config
            case .openssl: return .failure
            default: return .invalidInput
            }
        case let e as StoreError:
            switch e.code {
            case .notInitialized: return .notFound
            case .alreadyInitialized: return .alreadyExists
            case .insecurePermissions, .permissionDenied: return .permission
            case .io, .database: return .ioError
            case .invalidConfig, .keyMismatch, .incomplete: return .config
            case .staleVersion: return .tempFailure
            default: return .failure
            }
        case let e as CLIError:
            return e.status
        case is ListenError:
            return .config
        case let e as AdminError:
            return of(e.reason)
        default:
            return .failure
        }
    }

    /// The status for each admin error code. No `default`: a code added to the admin API does
    /// not compile until it has its status here (and its row in Docs/cli.md).
    static func of(_ reason: AdminError.Reason) -> ExitStatus {
        switch reason {
        case .invalidParams, .invalidAddress, .ownAddress: return .invalidInput
        case .emptyProfile, .notFound, .noEndpoint: return .notFound
        case .ambiguous, .questionOpen, .noOpenQuestion, .threadFull, .invitationExpired, .invitationWithdrawn, .notForwarded,
             .notConnectedToTarget: return .invalidInput
        case .invitationPending, .alreadyInvited, .alreadyAnswered, .alreadyConnected, .alreadyForwarded: return .alreadyExists
        case .daemonNotRunning, .connectionClosed: return .unavailable
        case .alreadyRunning: return .alreadyExists
        case .io: return .ioError
        case .unreachable, .eventsDropped: return .tempFailure
        case .peerKeyMismatch, .tlsFailed, .peerError: return .protocolError
        case .permissionDenied, .insecurePermissions, .authFailed: return .permission
        // The CLI and the daemon disagree (another version) or one of them has a bug.
        case .unauthenticated, .malformed, .tooLarge, .unknownMethod, .internal: return .failure
        }
    }

    /// The stable error code string for `--json` error objects.
    static func code(of error: any Error) -> String {
        switch error {
        case let e as any CodedError: e.codeString
        case let e as CLIError: e.code
        case is ListenError: "listen-failed"
        default: "internal"
        }
    }
}

/// An error the CLI itself raises (bad option combinations, missing files).
struct CLIError: Error, CustomStringConvertible {
    let status: ExitStatus
    let code: String
    let message: String

    init(_ status: ExitStatus, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var description: String { message }
}
