import Foundation
import Synchronization

/// Runs async work to completion from libFuzzer's synchronous callback (on libFuzzer's own
/// thread, never on the cooperative pool, so blocking it cannot starve the work it waits for).
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<T?>(nil)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}
