/// The range of every integer a Vouch document or message carries (Protocol/encoding.md
/// §Integer ranges): 0 … 2^53 − 1 unless a field's own rule is narrower.
///
/// Canonical CBOR can hold 2^64 − 1, but no field needs more than 2^53 − 1 (Unix milliseconds reach
/// it in the year 287 396), and every value in that range fits SQLite's signed 64-bit INTEGER, a
/// JSON number read as a double, and a JavaScript number exactly. A reader that refuses larger
/// values at decoding can then store and print every accepted value without a conversion that
/// might trap: the remote crash this rule closes was a profile version of 2^63 reaching `Int64(_:)`.
public enum ProtocolInteger {
    /// 2^53 − 1 = 9 007 199 254 740 991.
    public static let maximum: UInt64 = (1 << 53) - 1
    /// What a field accepts when its rule names no narrower range.
    public static let range: ClosedRange<UInt64> = 0...maximum

    /// Refuses `value` outside `range` with `out-of-range`, naming the field.
    public static func check(_ value: UInt64, in range: ClosedRange<UInt64> = Self.range, field: String) throws(ProtocolError) {
        guard range.contains(value) else {
            throw ProtocolError(.outOfRange, "\(field) is \(value), outside \(range.lowerBound) … \(range.upperBound)")
        }
    }
}
