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
    static func rejection(_ raw: [UInt8]) -> String? {
        var y = raw
        y[31] &= 0x7F
        if !lessThanLittleEndian(y, fieldPrime) { return "non-canonical encoding (y ≥ 2^255-19)" }
        if smallOrderY.contains(y) { return "point of small order" }
        return nil
    }

    private static func lessThanLittleEndian(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
            return a[i] < b[i]
        }
        return false
    }

}
