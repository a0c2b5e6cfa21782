import GRDB
import VouchProtocol

/// Conversions between protocol integers (`UInt64`) and SQLite's signed 64-bit INTEGER, in both
/// directions without a trap: a value from a peer or from a damaged database file becomes an
/// error, never a crash.
///
/// Every integer a peer can send is at most 2^53 − 1 (`ProtocolInteger`), so storing one never
/// fails in practice; the check stays here so a value that slipped past a decoder is refused at
/// the store instead of ending the process.
enum SQLInteger {
    /// `value` as SQLite stores it; `out-of-range` when it does not fit.
    static func storing(_ value: UInt64, _ what: String) throws -> Int64 {
        guard let stored = Int64(exactly: value) else {
            throw ProtocolError(.outOfRange, "\(what) is \(value), more than the store holds (\(Int64.max))")
        }
        return stored
    }
}

extension Row {
    /// The value in `column` as `T`; a NULL or a value of another kind there means the database was
    /// damaged or edited by hand, reported as `database` (GRDB's subscript would trap instead).
    func required<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T {
        do {
            return try decode(T.self, forColumn: column)
        } catch {
            throw StoreError(.database, "the database is damaged: column \(column) does not hold a \(T.self)")
        }
    }

    /// The unsigned integer in `column`; a NULL, a text or a negative number there means the
    /// database was damaged or edited by hand, reported as `database` instead of a trap.
    func unsigned(_ column: String) throws -> UInt64 {
        let stored: Int64 = try required(column)
        guard let value = UInt64(exactly: stored) else {
            throw StoreError(.database, "the database is damaged: column \(column) holds the negative value \(stored)")
        }
        return value
    }
}
