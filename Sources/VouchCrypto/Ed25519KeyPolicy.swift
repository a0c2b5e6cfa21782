/// Which Ed25519 public key encodings Vouch refuses, and why (see `Ed25519`).
enum Ed25519KeyPolicy {
    /// p = 2^255 - 19, little-endian, the field prime of Curve25519.
    private static let fieldPrime: [UInt8] = [0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]

    /// The y-coordinates (little-endian, sign bit cleared) of the points of order 1, 2, 4 and 8.
    /// With either sign bit they are the only encodings of small-order points with y < p.
    private static let smallOrderY: [[UInt8]] = [
        [0x01] + [UInt8](repeating: 0, count: 31),                       // identity (order 1)
        [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],           // y = -1 (order 2)
        [UInt8](repeating: 0, count: 32),                                // y = 0 (order 4)
        Hex.decode("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")!, // order 8
        Hex.decode("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")!, // order 8
    ]

    /// Why `raw` (32 bytes) is refused, or nil if it is acceptable.
    ///
    /// Reads `raw` in place (no copy: it runs once per document from an unknown signer).
    static func rejection(_ raw: [UInt8]) -> String? {
        precondition(raw.count == 32, "an Ed25519 public key is 32 bytes")
        /// Byte `i` of y, the encoding with the sign bit (bit 255) cleared.
        func y(_ i: Int) -> UInt8 { i == 31 ? raw[31] & 0x7F : raw[i] }
        if !yIsBelow(fieldPrime, y) { return "non-canonical encoding (y ≥ 2^255-19)" }
        if smallOrderY.contains(where: { point in (0..<32).allSatisfy { point[$0] == y($0) } }) {
            return "point of small order"
        }
        return nil
    }

    /// True when y (little-endian, byte `i` from `y(i)`) is less than `bound`.
    private static func yIsBelow(_ bound: [UInt8], _ y: (Int) -> UInt8) -> Bool {
        for i in stride(from: 31, through: 0, by: -1) where y(i) != bound[i] {
            return y(i) < bound[i]
        }
        return false
    }
}
