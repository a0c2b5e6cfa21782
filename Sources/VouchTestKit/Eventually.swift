public import Testing

/// A condition a test waited for did not hold in time.
public struct ConditionNotMet: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Polls `check` every `interval` until it returns a value, and returns that value. At the
/// deadline it records an issue at the caller and throws, saying what it waited for and the last
/// thing it saw (`check` may set `seen`). The timeout is a failure boundary, never a measurement.
///
/// Poll in-process state often (the 20 ms default); poll less often when `check` runs a process.
@discardableResult
public func eventually<T>(_ what: String, timeout: Duration = .seconds(30),
                          interval: Duration = .milliseconds(20), sourceLocation: SourceLocation = #_sourceLocation,
                          _ check: (_ seen: inout String) async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var seen = ""
    while true {
        if let value = try await check(&seen) { return value }
        if ContinuousClock.now >= deadline {
            let text = "waited \(timeout) for \(what)" + (seen.isEmpty ? "" : "; last seen: \(seen)")
            Issue.record(Comment(rawValue: text), sourceLocation: sourceLocation)
            throw ConditionNotMet(description: text)
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` every `interval` until it holds; see the other `eventually`.
public func eventually(_ what: String, timeout: Duration = .seconds(30),
                       interval: Duration = .milliseconds(20), sourceLocation: SourceLocation = #_sourceLocation,
                       _ condition: () async throws -> Bool) async throws {
    try await eventually(what, timeout: timeout, interval: interval, sourceLocation: sourceLocation) {
        (_: inout String) async throws -> Bool? in try await condition() ? true : nil
    }
}
