import Foundation
import Testing
import VouchTestKit

@Suite("daemon: vouch address")
struct AddressTests {
    @Test("a running node is asked (its --listen override counts); a stopped one is read from config.json; loopback is warned about")
    func runningNodeFirst() async throws {
        try await TestNet.run { net in
            let a = try await net.makeNode("a")
            let override = try Ports.free()
            let child = try net.spawn(VouchBinary.url, ["run", "--home", a.home.path, "--listen", "127.0.0.1:\(override)", "--json"])
            try await eventually("vouch run --listen is ready", timeout: .seconds(20), interval: .milliseconds(50)) {
                !child.stdoutLines.isEmpty || !child.isRunning
            }
            #expect(child.isRunning, "\(child.stderr)")
            #expect(child.stderr.contains("may not reach this node: this address works only on this machine"), "vouch run warns: \(child.stderr)")

            let running = try await net.vouchJSON(["address"], on: a)
            #expect(running["address"] as? String == "\(a.id)@127.0.0.1:\(override)", "\(describe(running))")
            #expect(running["source"] as? String == "running-node")
            #expect(running["reach"] as? String == "this-machine")
            #expect((running["warning"] as? String)?.contains("advertise") == true)

            let text = try await net.vouch(["address"], on: a)
            #expect(text.stdout == "\(a.id)@127.0.0.1:\(override)\n", "only the address on stdout: \(text)")
            #expect(text.stderr.hasPrefix("vouch: warning: this address works only on this machine"), "\(text)")

            _ = try await net.vouchJSON(["stop"], on: a)
            let stopped = try await net.vouchJSON(["address"], on: a)
            #expect(stopped["address"] as? String == a.address, "the config's port once the node is gone: \(describe(stopped))")
            #expect(stopped["source"] as? String == "config.json")
        }
    }
}
