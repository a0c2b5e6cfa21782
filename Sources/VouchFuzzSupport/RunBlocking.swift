import Foundation
import Synchronization
import VouchCrypto

/// Runs async work to completion from libFuzzer's synchronous callback, on libFuzzer's own
/// thread (never on the cooperative pool, so blocking it cannot starve the work it waits for).
///
/// The task prefers an executor that this thread drains itself (`CallerThreadExecutor`): every
/// part of the work that is not isolated to an actor runs here, including what resumes after a
/// database write finished on another thread, and so does the task's own release when it ends.
/// libFuzzer counts allocations and frees around each input and, when they differ, runs the
/// input again under LeakSanitizer (a full heap scan): with the task released on another thread
/// after the result was handed over, that happened for most node inputs and made them about
/// seven times slower. The result is moved out of the shared box for the same reason.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let executor = CallerThreadExecutor()
    let result = PThreadLocked<T?>(nil)
    // The handle is dropped at once: the task's last reference is its own, released here.
    _ = Task(executorPreference: executor) {
        let value = await body()
        result.withLock { $0 = value }
    }
    executor.drain { result.withLock { $0 != nil } }
    return result.withLock { $0.take()! }
}

/// A task executor whose jobs the calling thread runs (`drain`), in order.
final class CallerThreadExecutor: TaskExecutor, Sendable {
    private let jobs = PThreadLocked<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        ready.signal()
    }

    /// Runs jobs as they come until `finished` holds after one of them.
    func drain(until finished: () -> Bool) {
        while !finished() {
            ready.wait()
            let next = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            next?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
