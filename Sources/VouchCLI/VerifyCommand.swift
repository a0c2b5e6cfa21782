import ArgumentParser
import VouchStore
import VouchCrypto
import Foundation
import VouchProtocol

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a signed Vouch document offline and show who signed what.",
        discussion: """
            Reads an armored or binary document (FILE, or - for standard input), checks its \
            signature and its contents against the protocol rules, and prints the signer and the \
            content. Exits with status 65 and the reason if anything is wrong. Needs no node home.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The document to check, or - for standard input.", valueName: "file"))
    var file: String

    func run() throws {
        let output = global.output
        try reporting(output) {
            // Read no more than a document can be: a huge file is refused, not loaded.
            let handle: FileHandle
            if file == "-" {
                handle = .standardInput
            } else {
                guard let opened = FileHandle(forReadingAtPath: file) else {
                    throw CLIError(.notFound, code: "not-found", "cannot read \(file)")
                }
                handle = opened
            }
            let bytes = Array(try handle.read(upToCount: DocumentArmor.maximumInputSize) ?? Data())
            guard bytes.count < DocumentArmor.maximumInputSize else {
                throw ProtocolError(.tooLarge, "\(file == "-" ? "the input" : file) is larger than any Vouch document can be (\(DocumentArmor.maximumInputSize - 1) bytes)")
            }
            let name = file == "-" ? "the input" : file
            let envelope: SignedEnvelope
            do {
                envelope = try SignedEnvelope(verifying: try DocumentArmor.envelopeBytes(from: bytes))
            } catch let error as ProtocolError {
                guard let kind = InputKind.notADocument(bytes) else { throw error }
                throw ProtocolError(error.code, "\(name) is not a Vouch document: \(kind) (\(error.message))")
            }
            let type = try envelope.documentType()
            var json: [String: Any] = ["valid": true, "type": envelope.type, "format": envelope.formatVersion,
                                       "signer": envelope.signer.description, "signer_short": envelope.signer.shortForm]
            var text = "Valid \(envelope.type) document signed by \(output.bold(envelope.signer.description))"
            switch type {
            case .profile:
                let document = try ProfileDocument(envelope: envelope)
                json["document"] = ProfileRendering.json(document)
                text += "\n" + ProfileRendering.text(document, output: output)
            case .acceptance:
                // The connection record: the invitee's signature over the inviter's signed terms.
                // Both signatures are checked; both signers are named.
                // An introduced one carries the introducer's signed note: a third signature, checked too.
                let connection = try Connection(verifying: envelope.encoded)
                json["signers"] = [connection.inviter.description, connection.invitee.description]
                    + (connection.introducedBy.map { [$0.description] } ?? [])
                let introducedBy: Any = connection.introducedBy.map { $0.description as Any } ?? NSNull()
                let introducerNote: Any = connection.introduction.map { $0.note as Any } ?? NSNull()
                json["document"] = ["connection": Hex.encode(connection.id), "inviter": connection.inviter.description,
                                    "invitee": connection.invitee.description, "relationship": connection.relationship.rawValue,
                                    "context": connection.context.map { $0 as Any } ?? NSNull(), "since": connection.since, "introduced_by": introducedBy,
                                    "introducer_note": introducerNote,
                                    "invitation": connection.invitation.terms.id.description,
                                    "invitation_expires": connection.invitation.terms.expires] as [String: Any]
                text = "Valid connection record (\(envelope.type)), signed by both sides:\n"
                    + "  invited by  \(output.bold(connection.inviter.description))\n"
                    + "  accepted by \(output.bold(connection.invitee.description))\n"
                    + (connection.introduction.map {
                        "  introduced by \(output.bold($0.introducer.description)), who signed: \(UntrustedText.escaped($0.note))\n"
                    } ?? "")
                    + "  the invitee is the inviter's \(connection.relationship.rawValue)"
                    + (connection.context.map { ": \(UntrustedText.escaped($0))" } ?? "") + "\n"
                    + "  since \(Self.isoTime(connection.since)) (Unix ms \(connection.since))\n"
                    + "  connection id \(Hex.encode(connection.id))"
            default:
                throw ProtocolError(.unknownDocumentType, "no reader for \(envelope.type)")
            }
            output.emit(text: text, json: json)
        }
    }

    static func isoTime(_ milliseconds: UInt64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }
}
