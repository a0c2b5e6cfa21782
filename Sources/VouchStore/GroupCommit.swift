package import GRDB
import Synchronization
import VouchCrypto

/// Group commit: many small writes, each waiting for its own durable commit, share one SQLite
/// transaction and so one fsync (`synchronous = FULL`). A peer's delivery is acknowledged only
/// once its effect is on disk; with one transaction per delivery the node acknowledges at most
/// one delivery per fsync, whatever the number of sessions. Here every delivery that arrives
/// while a commit is under way waits for the next one, which takes all of them at once.
///
/// - One writer: a single task drains the queue, one batch (one transaction) at a time, in
///   the order the writes were submitted.
/// - A batch is whatever is waiting, up to `maximumBatch`. Nothing waits on a timer: a lone
///   write starts its transaction at once; batches form only while a commit is in progress.
/// - Each write runs inside its own savepoint: one that throws is rolled back alone and fails
///   alone; the others in its batch still commit.
/// - A write's caller resumes only after its batch has committed. If the transaction as a whole
///   fails (the commit itself, or an error after which SQLite rolled the whole transaction back),
///   nothing of it counts and every write of the batch is run again in a transaction of its own,
///   so each one succeeds or fails on its own account. A crash before a commit leaves nothing
///   acknowledged: the peer sends the message again.
/// - Bounded: at most `capacity` writes wait; beyond that `perform` throws `busy` at once and the
///   caller answers its peer `busy` (the peer's outbox retries later).
///
/// Writes must be closures over the transaction only (no other side effects), since a write can
/// run twice: once in a batch that failed as a whole, once alone.
package final class GroupCommit: Sendable {
    package struct Limits: Sendable, Equatable {
        /// Writes waiting at once (queued and not yet in a transaction).
        package var capacity: Int
        /// Writes in one transaction at most.
        package var maximumBatch: Int

        /// Room for every session's deliveries in flight at the default transport limits' burst,
        /// and batches large enough that the fsync is a small part of each write's cost.
        package static let `default` = Limits(capacity: 4096, maximumBatch: 256)

        package init(capacity: Int, maximumBatch: Int) {
            precondition(capacity > 0 && maximumBatch > 0, "group commit limits must be positive")
            self.capacity = capacity
            self.maximumBatch = maximumBatch
        }
    }

    /// One submitted write, type-erased: `run` does the work in the open transaction and returns
    /// what resumes its caller once the transaction has committed; `fail` resumes it with an error.
    private struct Job: Sendable {
        let run: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    /// What became of one job inside a batch's transaction.
    private enum Outcome: Sendable {
        case committed(@Sendable () -> Void)
        case failed(any Error)
    }

    /// SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR…) while a job ran.
    private struct TransactionLost: Error {
        let cause: any Error
    }

    /// A savepoint statement failed: what a job wrote may be in the transaction still.
    fileprivate struct SavepointStuck: Error {
        let cause: any Error
    }

    private struct State {
        var waiting: [Job] = []
        var draining = false
        /// Transactions committed and writes in them, for tests and benchmarks.
        var transactions = 0
        var committedWrites = 0
    }

    package let limits: Limits
    private let writer: any DatabaseWriter
    private let state = PThreadLocked(State())

    package init(writer: any DatabaseWriter, limits: Limits = .default) {
        self.writer = writer
        self.limits = limits
    }

    /// Runs `work` in a transaction shared with the other writes waiting now, and returns its
    /// result once that transaction has committed. Throws what `work` threw (its savepoint rolled
    /// back), the transaction's error, or `StoreError.busy` when `capacity` writes are waiting.
    package func perform<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(run: { db in
                let value = try work(db)
                return { continuation.resume(returning: value) }
            }, fail: { error in continuation.resume(throwing: error) })
            enqueue(job)
        }
    }

    /// Transactions committed so far and the writes they held (batches that failed as a whole not counted).
    package var committed: (transactions: Int, writes: Int) {
        state.withLock { ($0.transactions, $0.committedWrites) }
    }

    /// Writes queued and not yet taken into a transaction.
    package var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Whether the writer is running (a transaction open or about to be).
    package var isWriting: Bool { state.withLock { $0.draining } }

    private func enqueue(_ job: Job) {
        enum Admission { case refused, queued, startWriter }
        let admission = state.withLock { s -> Admission in
            guard s.waiting.count < limits.capacity else { return .refused }
            s.waiting.append(job)
            if s.draining { return .queued }
            s.draining = true
            return .startWriter
        }
        switch admission {
        case .refused:
            job.fail(StoreError(.busy, "the database has \(limits.capacity) writes waiting; try again later"))
        case .queued:
            break
        case .startWriter:
            Task.detached { [self] in await drain() }
        }
    }

    /// The one writer: takes what is waiting, commits it, until nothing is left.
    private func drain() async {
        while let batch = nextBatch() {
            await commit(batch, alone: false)
        }
    }

    private func nextBatch() -> [Job]? {
        state.withLock { s -> [Job]? in
            guard !s.waiting.isEmpty else {
                s.draining = false
                return nil
            }
            let count = min(s.waiting.count, limits.maximumBatch)
            let batch = Array(s.waiting.prefix(count))
            s.waiting.removeFirst(count)
            return batch
        }
    }

    /// One transaction for `batch`, each job in a savepoint; callers resumed after the commit.
    private func commit(_ batch: [Job], alone: Bool) async {
        let outcomes: [Outcome]
        do {
            outcomes = try await writer.write { db -> [Outcome] in
                var outcomes: [Outcome] = []
                outcomes.reserveCapacity(batch.count)
                for job in batch {
                    do {
                        outcomes.append(.committed(try db.inReusedSavepoint { try job.run(db) }))
                    } catch {
                        // After some errors SQLite has rolled back the whole transaction: what
                        // ran before this job is gone too, so the batch cannot commit. Nor can
                        // it when a savepoint could not be closed: the job's writes may be in it.
                        guard db.isInsideTransaction else { throw TransactionLost(cause: error) }
                        if let stuck = error as? SavepointStuck { throw TransactionLost(cause: stuck.cause) }
                        outcomes.append(.failed(error))
                    }
                }
                return outcomes
            }
        } catch {
            if alone || batch.count == 1 {
                let cause = (error as? TransactionLost)?.cause ?? error
                for job in batch { job.fail(cause) }
            } else {
                // Nothing of the batch committed: each write again, on its own.
                for job in batch { await commit([job], alone: true) }
            }
            return
        }
        state.withLock { s in
            s.transactions += 1
            s.committedWrites += outcomes.count { if case .committed = $0 { true } else { false } }
        }
        for (job, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .committed(let resume): resume()
            case .failed(let error): job.fail(error)
            }
        }
    }
}

extension Database {
    /// `body` in a savepoint whose statements are prepared once per connection (GRDB's
    /// `inSavepoint` prepares its statements anew for every call, a noticeable part of a small
    /// delivery's cost). When a savepoint statement itself fails, `SavepointStuck` is thrown and
    /// the caller must not commit the transaction: what `body` wrote may still be in it.
    fileprivate func inReusedSavepoint<T>(_ body: () throws -> T) throws -> T {
        func run(_ sql: String) throws {
            do { try reusing(sql: sql) { try $0.execute() } } catch { throw GroupCommit.SavepointStuck(cause: error) }
        }
        try run("SAVEPOINT grouped_write")
        let result: T
        do {
            result = try body()
        } catch {
            if isInsideTransaction {
                try run("ROLLBACK TO SAVEPOINT grouped_write")
                try run("RELEASE SAVEPOINT grouped_write")
            }
            throw error
        }
        try run("RELEASE SAVEPOINT grouped_write")
        return result
    }
}
