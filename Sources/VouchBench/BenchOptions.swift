/// Options every benchmark accepts. Benchmarks with options of their own parse those first and
/// hand the rest here.
struct BenchOptions {
    static let defaultSeconds = 3

    /// How long each measurement runs, in whole seconds (all `openssl speed -seconds` takes).
    var seconds = defaultSeconds
    /// How many times the measurements are repeated, alternating ours and the reference; the
    /// best of each is reported. On a shared machine the best run is the one least disturbed.
    var rounds = 1

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// The positive whole number that follows `option` in `iterator` (every benchmark's counts).
    static func positiveNumber(after option: String, in iterator: inout IndexingIterator<[String]>) throws -> Int {
        guard let value = iterator.next(), let number = Int(value), number > 0 else {
            throw UsageError(description: "\(option) needs a positive whole number")
        }
        return number
    }

    init(parsing arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--seconds":
                seconds = try Self.positiveNumber(after: argument, in: &iterator)
            case "--rounds":
                rounds = try Self.positiveNumber(after: argument, in: &iterator)
            default:
                throw UsageError(description: "unknown option '\(argument)'")
            }
        }
    }
}
