import Foundation

/// How often an operation ran per second, by two clocks.
struct Rate {
    /// Operations per second of this thread's CPU time. `openssl speed` divides by CPU (user)
    /// time unless given `-elapsed`, so this is the figure to set beside its output: on a shared
    /// machine it leaves out the time the thread spent waiting for a core.
    let perCPUSecond: Double
    /// Operations per second of wall-clock time.
    let perWallSecond: Double
}

/// Runs `operation` on the calling thread, over and over for `seconds` of wall-clock time (as
/// `openssl speed` does, with an alarm), and returns its rate. The clocks are read once every
/// `batch` operations so that reading them costs nothing measurable next to an operation of a
/// few microseconds.
func measureRate(for seconds: Int, batch: Int = 32, _ operation: () throws -> Void) rethrows -> Rate {
    let wallStart = wallClock(), cpuStart = threadCPUClock()
    let deadline = wallStart + Double(seconds)
    var count = 0
    var wallNow = wallStart
    repeat {
        for _ in 0..<batch { try operation() }
        count += batch
        wallNow = wallClock()
    } while wallNow < deadline
    let cpu = threadCPUClock() - cpuStart
    return Rate(perCPUSecond: Double(count) / cpu, perWallSecond: Double(count) / (wallNow - wallStart))
}

private func wallClock() -> Double { read(CLOCK_MONOTONIC) }
private func threadCPUClock() -> Double { read(CLOCK_THREAD_CPUTIME_ID) }

private func read(_ clock: clockid_t) -> Double {
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// A rate with thousands separators and one decimal, for tables.
func formatRate(_ value: Double) -> String {
    let whole = Int(value)
    let tenth = Int((value - Double(whole)) * 10)
    var digits = String(whole)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits.removeLast(3)
    }
    return digits + grouped + ".\(tenth)"
}

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
