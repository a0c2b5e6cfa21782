import Foundation
import Testing
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchTestKit

@Suite("NodeDatabase")
struct NodeDatabaseTests {
    private func newID() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }

    @Test func migrationsRunOnAFreshFileAndAgainIdempotently() throws {
        let dir = try TemporaryDirectory()
        let home = NodeHome(url: dir.url)
        let first = try NodeDatabase(home: home)
        let applied = try first.appliedMigrations()
        #expect(!applied.isEmpty)
        #expect(try dir.mode(home.databaseFile) == 0o600)
        #expect(try first.identity() == nil)
        let id = try newID()
        try first.recordIdentity(id, createdAt: 1_700_000_000)

        // Opening again (while the first is open, then after) migrates nothing and loses nothing.
        let second = try NodeDatabase(home: home)
        #expect(try second.appliedMigrations() == applied)
        #expect(try second.identity() == id)
        let third = try NodeDatabase(home: home)
        #expect(try third.appliedMigrations() == applied)
    }

    @Test func walAndFullSynchronousOnEveryConnection() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let journal = try database.pragma("journal_mode")
        #expect(journal.writer == "wal" && journal.reader == "wal")
        // 2 is FULL.
        let synchronous = try database.pragma("synchronous")
        #expect(synchronous.writer == "2" && synchronous.reader == "2")
        let foreignKeys = try database.pragma("foreign_keys")
        #expect(foreignKeys.writer == "1")
    }

    @Test func identityRoundTripAndRecordedOnce() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let id = try newID()
        try database.recordIdentity(id, createdAt: 42)
        #expect(try database.identity() == id)
        // A second identity is refused by the schema: one home, one identity.
        #expect(throws: StoreError.self) { try database.recordIdentity(try newID(), createdAt: 43) }
        #expect(try database.identity() == id)
        let profile = try database.profile()
        #expect(profile == Profile(version: 0, updatedAt: 42))
    }

    @Test func profileWithoutIdentityIsNotInitialized() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        do {
            _ = try database.profile()
            Issue.record("a profile without init")
        } catch let error as StoreError {
            #expect(error.code == .notInitialized)
        }
    }

    private func sampleProfile(version: UInt64) throws -> Profile {
        Profile(
            version: version, updatedAt: 1_700_000_000 + version,
            fields: [.name: .init(value: "Ada Lovelace", audience: .everyone),
                     .headline: .init(value: "Analyst ✓", audience: .everyone),
                     .location: .init(value: "London", audience: .connections),
                     .summary: .init(value: "Line one.\nLine two.", audience: .connections)],
            links: ["https://example.org/b", "https://example.org/a", "mailto:ada@example.org"],
            linksAudience: .connections,
            endpoints: [try Endpoint(parsing: "z.example.org:7868"), try Endpoint(parsing: "[2001:db8::1]:7000"),
                        try Endpoint(parsing: "192.0.2.1:1")])
    }

    @Test func profileRoundTripKeepsAudiencesAndOrder() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        try database.recordIdentity(try newID(), createdAt: 1)
        let profile = try sampleProfile(version: 1)
        try database.saveProfile(profile)
        #expect(try database.profile() == profile)

        // Fields, links and endpoints removed in the next version are gone.
        var smaller = profile
        smaller.version = 2
        smaller.fields[.summary] = nil
        smaller.links = []
        smaller.linksAudience = .everyone
        smaller.endpoints = [try Endpoint(parsing: "a.example:2")]
        try database.saveProfile(smaller)
        #expect(try database.profile() == smaller)
    }

    @Test func saveProfileNeedsExactlyTheNextVersion() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        try database.recordIdentity(try newID(), createdAt: 1)
        for version: UInt64 in [0, 2, 5] {
            do {
                try database.saveProfile(try sampleProfile(version: version))
                Issue.record("saved version \(version) over version 0")
            } catch let error as StoreError {
                #expect(error.code == .staleVersion, "\(error)")
            }
        }
        try database.saveProfile(try sampleProfile(version: 1))
        // A second writer that read version 0 and also made version 1 loses the race.
        var other = try sampleProfile(version: 1)
        other.fields[.name] = .init(value: "Someone Else", audience: .everyone)
        do {
            try database.saveProfile(other)
            Issue.record("a stale edit overwrote the profile")
        } catch let error as StoreError {
            #expect(error.code == .staleVersion)
        }
        #expect(try database.profile() == (try sampleProfile(version: 1)))
        #expect(try database.profile().version == 1)
    }

    @Test func saveProfileValidatesBeforeWriting() throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        try database.recordIdentity(try newID(), createdAt: 1)
        var bad = try sampleProfile(version: 1)
        bad.fields[.name] = .init(value: String(repeating: "x", count: 129), audience: .everyone)
        #expect(throws: ProtocolError.self) { try database.saveProfile(bad) }
        #expect(try database.profile().version == 0)
    }

    @Test func dataSurvivesClosingAndReopening() throws {
        let dir = try TemporaryDirectory()
        let home = NodeHome(url: dir.url)
        let id = try newID()
        let profile = try sampleProfile(version: 1)
        do {
            let database = try NodeDatabase(home: home)
            try database.recordIdentity(id, createdAt: 7)
            try database.saveProfile(profile)
        }
        // The pool is closed when the last reference goes: the WAL is checkpointed into the file.
        let reopened = try NodeDatabase(home: home)
        #expect(try reopened.identity() == id)
        #expect(try reopened.profile() == profile)
    }
}
