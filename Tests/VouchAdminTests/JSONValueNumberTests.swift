import Foundation
import Testing
import VouchAdmin

/// A number has one form in `JSONValue`, so that encoding a decoded value and reading it again
/// gives the same value (FuzzAdminJSON found `-9223372036854775808.08`, read as a double -2^63 that
/// came back as an integer; Tests/FuzzRegressions/FuzzAdminJSON/double-that-is-int64-min).
@Suite struct JSONValueNumberTests {
    static func roundTrip(_ text: String) throws -> (JSONValue, JSONValue) {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let again = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        return (value, again)
    }

    @Test("whole numbers written with a fraction or an exponent read as integers; others stay doubles; all survive a round trip",
          arguments: ["-9223372036854775808.08", "1e3", "18446744073709551615.0", "2.5", "-0.125", "1e300"])
    func oneForm(text: String) throws {
        let (value, again) = try Self.roundTrip(text)
        #expect(value == again, "\(text): \(value) came back as \(again)")
    }

    @Test func wholeNumbersAreIntegers() throws {
        #expect(try Self.roundTrip("-9223372036854775808.08").0 == .int(Int64.min))
        #expect(try Self.roundTrip("1e3").0 == .int(1000))
        #expect(try Self.roundTrip("2.5").0 == .double(2.5))
    }
}
