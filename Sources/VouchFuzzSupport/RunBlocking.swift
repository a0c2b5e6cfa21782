import Foundation
import Synchronization

/// Runs async work to completion from libFuzzer's synchronous callback, on libFuzzer's own
/// thread (never on the cooperative pool, so blocking it cannot starve the work it waits for).
///
/// `Task.immediate` runs the work on this thread up to its first suspension, so work that does
/// not suspend finishes, and frees what it allocated, before this returns: libFuzzer's leak
/// check after each input then sees no allocation still in flight on another thread. The result
/// is moved out of the shared box for the same reason.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<T?>(nil)
    Task.immediate {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0.take()! }
}
