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

    init(parsing arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--seconds":
                guard let value = rest.popFirst(), let seconds = Int(value), seconds > 0 else {
                    throw UsageError(description: "--seconds needs a positive whole number")
                }
                self.seconds = seconds
            case "--rounds":
                guard let value = rest.popFirst(), let rounds = Int(value), rounds > 0 else {
                    throw UsageError(description: "--rounds needs a positive whole number")
                }
                self.rounds = rounds
            default:
                throw UsageError(description: "unknown option '\(argument)'")
            }
        }
    }
}
