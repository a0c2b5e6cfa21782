import Foundation
import Testing
import VouchTestKit

@Suite("daemon: vouch stop")
struct StopTests {
    @Test("vouch stop ends the node gracefully and returns once the process has exited; nothing queued is lost")
    func stop() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a"), b = try await net.makeNode("b")
            let daemon = try await net.start(a)
            _ = try await net.setProfile(a, name: "Ada Lovelace")
            // A card for b, which is not running: it must survive the stop in the outbox.
            let queued = try await net.vouchJSON(["card", "send", b.address], on: a)
            #expect(queued["message"] is String, "\(describe(queued))")

            let stopped = try await net.vouchJSON(["stop"], on: a)
            #expect(stopped["stopped"] as? Bool == true, "\(describe(stopped))")
            #expect(!daemon.isRunning, "vouch stop returned while the node was still running")
            #expect(daemon.stderr.contains("stop requested through the admin API"), "\(daemon.stderr)")

            let status = try await net.vouch(["status"], on: a)
            #expect(status.status == 69, "\(status)")
            let again = try await net.vouch(["stop"], on: a)
            #expect(again.status == 69, "stopping a node that is not running: \(again)")

            _ = try await net.start(a)
            #expect(try await net.outbox(a).count == 1, "the queued card survived the stop")
        }
    }
}
