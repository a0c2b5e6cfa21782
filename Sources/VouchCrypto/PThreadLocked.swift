#if canImport(Glibc)
import Glibc
#endif

/// A value behind a `pthread_mutex_t`. Used instead of `Synchronization.Mutex` where the value is
/// shared by every thread of the process (the key-context pool): ThreadSanitizer sees a pthread
/// mutex, while the Linux `Mutex` locks with futexes it cannot see, and so reports the accesses it
/// orders as races (seen on the key-context pool and the admin client's state).
package final class PThreadLocked<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ value: consuming Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<T: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
