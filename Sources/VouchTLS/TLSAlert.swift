/// A TLS alert description (RFC 8446 §6). OpenSSL reports alerts as numbers through its info
/// callback; naming them here lets errors and logs say "certificate_required" instead of "116",
/// and lets the handler tell "the peer refused our certificate" apart from other failures.
struct TLSAlert: Sendable, Hashable, CustomStringConvertible {
    let value: UInt8

    static let closeNotify = TLSAlert(value: 0)
    static let handshakeFailure = TLSAlert(value: 40)
    static let badCertificate = TLSAlert(value: 42)
    static let unsupportedCertificate = TLSAlert(value: 43)
    static let certificateRevoked = TLSAlert(value: 44)
    static let certificateExpired = TLSAlert(value: 45)
    static let certificateUnknown = TLSAlert(value: 46)
    static let unknownCA = TLSAlert(value: 48)
    static let accessDenied = TLSAlert(value: 49)
    static let certificateRequired = TLSAlert(value: 116)
    static let noApplicationProtocol = TLSAlert(value: 120)

    /// Alerts by which a peer says it will not accept our certificate or key.
    var meansCertificateRefused: Bool {
        [.badCertificate, .unsupportedCertificate, .certificateRevoked, .certificateExpired,
         .certificateUnknown, .unknownCA, .accessDenied, .certificateRequired].contains(self)
    }

    var description: String {
        switch value {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 22: "record_overflow"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 49: "access_denied"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 90: "user_canceled"
        case 109: "missing_extension"
        case 110: "unsupported_extension"
        case 112: "unrecognized_name"
        case 115: "unknown_psk_identity"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        default: "alert \(value)"
        }
    }
}
