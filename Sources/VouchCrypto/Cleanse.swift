internal import COpenSSL

extension Array where Element == UInt8 {
    /// Overwrites every byte with zero through `OPENSSL_cleanse`, which the compiler cannot
    /// optimise away as a dead store (a plain loop before the array is released can be).
    ///
    /// For secrets held in Swift arrays (a passphrase, a key file's bytes, a seed, a DER private
    /// key, an X25519 shared secret): call it when the secret is no longer needed, typically in a
    /// `defer` right after the array is made. It clears this array's storage only: copies made
    /// before (an array passed on, a `String` made from the bytes) are the holder's to clear, so
    /// secrets are passed borrowed (`withUnsafeBytes`) rather than copied wherever possible.
    public mutating func cleanse() {
        withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            OPENSSL_cleanse(base, bytes.count)
        }
    }
}
