import Foundation
import VouchProtocol

/// What a file given to `vouch verify` is, when it is not a Vouch document: said first, so that
/// "this is your config.json" is not buried under "a string of 729618471853847412 bytes at byte 9".
enum InputKind {
    /// Nil when `bytes` could be a Vouch document (armored, or a binary envelope: a CBOR array of
    /// five items, first byte 0x85); otherwise what it looks like instead.
    static func notADocument(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix(DocumentArmor.headerLine) || bytes.first == 0x85 { return nil }
        if bytes.isEmpty { return "it is empty" }
        if trimmed.isEmpty { return "it holds only white space" }
        if trimmed.hasPrefix("-----BEGIN ") {
            let label = trimmed.dropFirst("-----BEGIN ".count).prefix { $0 != "-" && $0 != "\n" }
            return "it is a PEM \(UntrustedText.escaped(String(label)).lowercased()), not a VOUCH SIGNED DOCUMENT"
        }
        if let first = trimmed.first, first == "{" || first == "[",
           (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil {
            return "it looks like JSON"
        }
        if String(validating: bytes, as: UTF8.self) != nil { return "it is text without the \(DocumentArmor.headerLine) line" }
        return "it is binary data that is not a signed envelope"
    }
}
