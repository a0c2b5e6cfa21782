internal import COpenSSL

/// HMAC-SHA256 (RFC 2104), for keys derived from a node's own secret (the blinding key of a
/// private set intersection, Protocol/disclosure.md): one secret, a different key per input.
public enum HMACSHA256 {
    public static let byteCount = 32

    public static func authenticationCode(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        var length = 0
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, k.baseAddress, k.count, d.baseAddress, d.count, &out, out.count, &length)
            }
        }
        // Only an allocation failure makes a one-shot HMAC fail; nothing sensible can go on then.
        precondition(ok != nil && length == byteCount, "HMAC-SHA256 failed: \(OpenSSLErrorQueue.drain())")
        return out
    }
}
