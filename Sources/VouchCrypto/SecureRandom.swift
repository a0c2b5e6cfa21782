internal import COpenSSL

/// Bytes from OpenSSL's CSPRNG (seeded from the kernel). One source of randomness for the project.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        OpenSSLErrorQueue.clear()
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        // Running without a working CSPRNG would make every key and nonce guessable: stop.
        precondition(ok == 1, "RAND_bytes failed: \(OpenSSLErrorQueue.drain())")
        return out
    }
}
