import Foundation
import Testing
import VouchTestKit

@Suite("daemon: backup while the node runs")
struct BackupWhileRunningTests {
    @Test("a backup taken while the node delivers restores into a node with the same ID that delivers what was still queued")
    func backupWhileDelivering() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            let daemonA = try await net.start(a)
            _ = try await net.setProfile(a, name: "Ada Lovelace")
            let pass = net.root.appendingPathComponent("pass")
            try Data("backup passphrase\n".utf8).write(to: pass)

            // b is offline: a's cards wait in its outbox; a is busy queueing while it is backed up.
            for _ in 0..<5 { _ = try await net.vouchJSON(["card", "send", b.address], on: a) }
            let file = net.root.appendingPathComponent("a.vbk")
            // More cards are queued while the backup is made: the snapshot holds a committed state
            // somewhere between 5 and 8 queued messages.
            async let queueing: Void = {
                for _ in 0..<3 { _ = try await net.vouchJSON(["card", "send", b.address], on: a) }
            }()
            let backup = try await net.vouchJSON(["backup", "-o", file.path, "--passphrase-file", pass.path], on: a)
            try await queueing
            #expect(backup["id"] as? String == a.id, "\(describe(backup))")
            #expect(try await net.outbox(a).count == 8)

            // The machine is lost: a stops for good, and its backup comes back in a new home.
            try await daemonA.stop()
            let home = net.root.appendingPathComponent("a-restored")
            let copy = Node(name: "a-restored", home: home, id: a.id, port: a.port)
            let restored = try await net.vouch(["restore", file.path, "--passphrase-file", pass.path, "--json"], on: copy)
            #expect(restored.succeeded, "\(restored)")
            try copy.setPort(try Ports.free())
            _ = try await net.start(copy)
            #expect(try await net.vouchJSON(["status"], on: copy)["id"] as? String == a.id, "the restored node has the same ID")
            let queued = try await net.outbox(copy).count
            #expect((5...8).contains(queued), "what was queued when the backup was made is queued again: \(queued)")

            // When b comes, the restored node delivers what it holds.
            _ = try await net.start(b)
            try await eventually("the restored node's outbox drains to b", timeout: .seconds(60), interval: .milliseconds(200)) {
                try await net.outbox(copy).isEmpty
            }
            let cards = try await net.cards(b)
            #expect(cards.count == 1 && cards.first?["signer"] as? String == a.id, "\(cards)")
        }
    }
}
