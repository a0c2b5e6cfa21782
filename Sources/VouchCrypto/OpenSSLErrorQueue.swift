internal import COpenSSL

/// OpenSSL reports failures on a thread-local queue. Every call whose failure we report with
/// OpenSSL's message is preceded by `clear()` so a stale entry from an earlier call is never
/// blamed on this one. (Signature verification, whose answer is a Bool, clears after a failure
/// instead: see `EVPKey.verify`.)
/// `package` so the TLS layer drains the queue the same way instead of keeping a second copy.
package enum OpenSSLErrorQueue {
    package static func clear() { ERR_clear_error() }

    /// Drains the queue into one line, oldest first (the root cause comes first).
    package static func drain() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no OpenSSL error recorded" : parts.joined(separator: "; ")
    }

    /// A `CryptoError` for an OpenSSL call that should not have failed.
    static func failure(_ what: String) -> CryptoError {
        CryptoError(.openssl, "\(what) failed: \(drain())")
    }
}
