internal import COpenSSL

/// SHA-256 through OpenSSL's EVP interface.
public enum SHA256 {
    public static let byteCount = 32

    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        let input = Array(data)
        var out = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        OpenSSLErrorQueue.clear()
        let ok = input.withUnsafeBytes { inBuf in
            out.withUnsafeMutableBytes { outBuf in
                EVP_Digest(inBuf.baseAddress, inBuf.count, outBuf.baseAddress?.assumingMemoryBound(to: UInt8.self),
                           &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "SHA-256 failed: \(OpenSSLErrorQueue.drain())")
        return out
    }
}
