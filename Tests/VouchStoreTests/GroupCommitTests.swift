import Foundation
import GRDB
import Synchronization
import Testing
import VouchStore
import VouchTestKit

/// `GroupCommit`: writes share transactions, keep their order, fail alone, and return only once
/// committed. Each test uses a database of its own with a small table.
@Suite("GroupCommit")
struct GroupCommitTests {
    struct Refused: Error, Equatable {}

    /// A WAL database with `item(position INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT UNIQUE)`
    /// and `child(parent)` whose foreign key is checked only at COMMIT.
    private static func database(_ dir: TemporaryDirectory) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let pool = try DatabasePool(path: dir.path("test.sqlite"), configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE item (position INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT NOT NULL UNIQUE);
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (parent INTEGER NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                """)
        }
        return pool
    }

    private static func insert(_ value: String) -> @Sendable (Database) throws -> Int64 {
        { db in
            try db.execute(sql: "INSERT INTO item (value) VALUES (?)", arguments: [value])
            return db.lastInsertedRowID
        }
    }

    private static func childCount(_ pool: DatabasePool) throws -> Int {
        try pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM child") ?? -1 }
    }

    private static func values(_ pool: DatabasePool) throws -> [String] {
        try pool.read { try String.fetchAll($0, sql: "SELECT value FROM item ORDER BY position") }
    }

    @Test func aLoneWriteCommitsAndIsVisibleWhenItReturns() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool)
        let position = try await commit.perform(Self.insert("a"))
        #expect(position == 1)
        // Returned means committed: another connection sees it.
        #expect(try Self.values(pool) == ["a"])
        #expect(commit.committed == (1, 1))
    }

    @Test func concurrentWritesShareTransactionsAndAllCommit() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<400 {
                group.addTask { _ = try await commit.perform(Self.insert("v\(i)")) }
            }
            try await group.waitForAll()
        }
        #expect(Set(try Self.values(pool)) == Set((0..<400).map { "v\($0)" }))
        let (transactions, writes) = commit.committed
        #expect(writes == 400)
        // While one commit is under way the next writes wait and go together.
        #expect(transactions < 400)
    }

    @Test func writesCommitInTheOrderTheyWereSubmitted() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool, limits: .init(capacity: 1000, maximumBatch: 7))
        let release = Atomic<Bool>(false)
        let first = Task {
            try await commit.perform { db -> Int64 in
                while !release.load(ordering: .acquiring) { usleep(1_000) }
                return try Self.insert("w-first")(db)
            }
        }
        await Self.waitUntilWriting(commit)
        // Queued one at a time (each is in the queue before the next is started), in a known order.
        var tasks: [Task<Int64, any Error>] = []
        for i in 0..<100 {
            tasks.append(Task { try await commit.perform(Self.insert("w\(i)")) })
            while commit.waitingCount < i + 1 { await Task.yield() }
        }
        release.store(true, ordering: .releasing)
        _ = try await first.value
        for task in tasks { _ = try await task.value }
        #expect(try Self.values(pool) == ["w-first"] + (0..<100).map { "w\($0)" })
        // One transaction for the first, then batches of at most seven: ⌈100 / 7⌉ = 15.
        #expect(commit.committed == (16, 101))
    }

    @Test func aWriteThatThrowsFailsAloneAndLeavesNothing() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool)
        // The failing write inserts first, then throws: its savepoint is rolled back.
        let results = await withTaskGroup(of: (Int, Bool).self) { group -> [Int: Bool] in
            for i in 0..<50 {
                group.addTask {
                    do {
                        _ = try await commit.perform { db -> Int64 in
                            let position = try Self.insert("x\(i)")(db)
                            if i % 10 == 3 { throw Refused() }
                            return position
                        }
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            var results: [Int: Bool] = [:]
            for await (i, ok) in group { results[i] = ok }
            return results
        }
        for i in 0..<50 { #expect(results[i] == (i % 10 != 3)) }
        let expected = (0..<50).filter { $0 % 10 != 3 }.map { "x\($0)" }
        #expect(Set(try Self.values(pool)) == Set(expected))
    }

    @Test func theErrorAWriteThrowsIsTheOneItsCallerGets() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool)
        _ = try await commit.perform(Self.insert("same"))
        // A constraint failure (the unique value) is the database's error, for this write only.
        await #expect(throws: DatabaseError.self) { _ = try await commit.perform(Self.insert("same")) }
        await #expect(throws: Refused.self) { _ = try await commit.perform { _ -> Int in throw Refused() } }
        #expect(try Self.values(pool) == ["same"])
    }

    /// Waits until the writer has taken every queued write and is running them.
    private static func waitUntilWriting(_ commit: GroupCommit) async {
        while !(commit.waitingCount == 0 && commit.isWriting) { await Task.yield() }
    }

    /// A foreign key deferred to COMMIT makes the batch's commit itself fail: nothing of that
    /// transaction counts, so each write is run again alone and only the bad one fails.
    @Test func aBatchWhoseCommitFailsIsRetriedWriteByWrite() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool)
        // The first write holds the writer until the twenty others are queued, so that those
        // form one batch.
        let holding = Task {
            try await commit.perform { db -> Int64 in
                while commit.waitingCount < 20 { usleep(1_000) }
                return try Self.insert("first")(db)
            }
        }
        await Self.waitUntilWriting(commit)
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group -> [Int: Bool] in
            for i in 0..<20 {
                group.addTask {
                    do {
                        _ = try await commit.perform { db -> Int64 in
                            // Valid until COMMIT checks the deferred key.
                            if i == 7 { try db.execute(sql: "INSERT INTO child (parent) VALUES (999)") }
                            return try Self.insert("b\(i)")(db)
                        }
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for await (i, ok) in group { outcomes[i] = ok }
            return outcomes
        }
        _ = try await holding.value
        for i in 0..<20 { #expect(outcomes[i] == (i != 7), "write \(i)") }
        #expect(Set(try Self.values(pool)) == Set(["first"] + (0..<20).filter { $0 != 7 }.map { "b\($0)" }))
        #expect(try Self.childCount(pool) == 0)
        // "first" alone, then the failed batch of twenty (not counted), then nineteen alone.
        #expect(commit.committed == (20, 20))
    }

    @Test func aFullQueueRefusesAtOnceWithBusy() async throws {
        let dir = try TemporaryDirectory()
        let pool = try Self.database(dir)
        let commit = GroupCommit(writer: pool, limits: .init(capacity: 4, maximumBatch: 2))
        let release = Atomic<Bool>(false)
        // The first write holds the writer; four more fill the queue; the sixth is refused.
        let first = Task {
            try await commit.perform { db -> Int64 in
                while !release.load(ordering: .acquiring) { usleep(1_000) }
                return try Self.insert("hold")(db)
            }
        }
        await Self.waitUntilWriting(commit)
        let queued = (0..<4).map { i in Task { try await commit.perform(Self.insert("q\(i)")) } }
        while commit.waitingCount < 4 { await Task.yield() }
        await #expect(throws: StoreError(.busy, "the database has 4 writes waiting; try again later")) {
            _ = try await commit.perform(Self.insert("refused"))
        }
        release.store(true, ordering: .releasing)
        _ = try await first.value
        for task in queued { _ = try await task.value }
        #expect(Set(try Self.values(pool)) == ["hold", "q0", "q1", "q2", "q3"])
        // Batches of at most two: the hold, then q0–q3 in two transactions.
        #expect(commit.committed == (3, 5))
        // With room again, a write is taken.
        _ = try await commit.perform(Self.insert("later"))
        #expect(try Self.values(pool).contains("later"))
    }
}
