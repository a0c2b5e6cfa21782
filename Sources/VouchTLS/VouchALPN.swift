internal import COpenSSL

/// Application-Layer Protocol Negotiation (RFC 7301) for Vouch: both sides must agree on
/// exactly `vouch/1`. The protocol name is the version handshake of the Vouch wire protocol, so
/// a peer that speaks something else is refused during the TLS handshake, not after it.
enum VouchALPN {
    static let protocolName = "vouch/1"

    /// The ALPN wire format: each name prefixed by its one-byte length.
    static let wireFormat: [UInt8] = [UInt8(protocolName.utf8.count)] + Array(protocolName.utf8)

    /// The protocol selected on `ssl`, or nil if none was.
    static func selectedProtocol(_ ssl: OpaquePointer) -> String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The names in an ALPN list (wire format), for error messages; nil if malformed.
    static func names(in list: UnsafeBufferPointer<UInt8>) -> [String]? {
        var names: [String] = []
        var index = 0
        while index < list.count {
            let length = Int(list[index])
            guard length > 0, index + 1 + length <= list.count else { return nil }
            names.append(String(decoding: list[(index + 1)..<(index + 1 + length)], as: UTF8.self))
            index += 1 + length
        }
        return names
    }
}

/// Server: refuses a ClientHello that carries no ALPN extension at all, with the
/// `no_application_protocol` alert. (OpenSSL calls the select callback below only when the
/// extension is present, and would otherwise finish the handshake with no protocol.)
let requireALPNClientHelloCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?) -> Int32 = { ssl, alert, _ in
    var data: UnsafePointer<UInt8>?
    var length = 0
    if SSL_client_hello_get0_ext(ssl, UInt32(TLSEXT_TYPE_application_layer_protocol_negotiation), &data, &length) == 1 {
        return SSL_CLIENT_HELLO_SUCCESS
    }
    HandshakeRecord.of(ssl: ssl)?.refuse(.alpnMismatch, "the client offered no application protocol; Vouch requires \(VouchALPN.protocolName)")
    alert?.pointee = Int32(TLSAlert.noApplicationProtocol.value)
    return SSL_CLIENT_HELLO_ERROR
}

/// Server: selects `vouch/1` from the client's list or fails the handshake, which OpenSSL turns
/// into the `no_application_protocol` alert.
let selectVouchALPNCallback: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
    UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
) -> Int32 = { ssl, out, outLength, offered, offeredLength, _ in
    let list = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
    let wanted = VouchALPN.wireFormat
    var index = 0
    while index < list.count {
        let length = Int(list[index])
        guard length > 0, index + 1 + length <= list.count else { break }
        if length + 1 == wanted.count && list[index..<(index + 1 + length)].elementsEqual(wanted) {
            // Points into the client's list, which OpenSSL keeps alive for the handshake.
            out?.pointee = offered.map { $0 + index + 1 }
            outLength?.pointee = UInt8(length)
            return SSL_TLSEXT_ERR_OK
        }
        index += 1 + length
    }
    let offeredNames = VouchALPN.names(in: list).map { $0.joined(separator: ", ") } ?? "a malformed list"
    HandshakeRecord.of(ssl: ssl)?.refuse(
        .alpnMismatch, "the client offered \(offeredNames) but not \(VouchALPN.protocolName)"
    )
    return SSL_TLSEXT_ERR_ALERT_FATAL
}
