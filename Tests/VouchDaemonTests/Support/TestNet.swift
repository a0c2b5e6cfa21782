import Foundation
import Testing
import VouchTestKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One node home made with `vouch init`, listening on 127.0.0.1:`port`.
final class Node: @unchecked Sendable {  // used by one test at a time
    let name: String
    let home: URL
    let id: String
    private(set) var port: UInt16

    init(name: String, home: URL, id: String, port: UInt16) {
        self.name = name
        self.home = home
        self.id = id
        self.port = port
    }

    /// Whether it has a listener (`vouch init --listen none` makes one without; its port is then 0).
    var listens: Bool { port != 0 }

    /// The address others use for it, as `vouch address` would print it.
    var address: String { "\(id)@127.0.0.1:\(port)" }

    var adminSocket: URL { home.appendingPathComponent("admin.sock") }
    var adminCookie: URL { home.appendingPathComponent("admin.cookie") }
    var configFile: URL { home.appendingPathComponent("config.json") }

    /// Moves it to another port (when the chosen one turned out to be taken).
    func setPort(_ port: UInt16) throws {
        var config = try JSON.object(String(decoding: try Data(contentsOf: configFile), as: UTF8.self), what: "config.json")
        config["listen"] = "127.0.0.1:\(port)"
        try writeConfig(config)
        self.port = port
    }

    /// Adds `limits` to config.json.
    func setLimits(_ limits: [String: Int]) throws {
        var config = try JSON.object(String(decoding: try Data(contentsOf: configFile), as: UTF8.self), what: "config.json")
        config["limits"] = limits
        try writeConfig(config)
    }

    private func writeConfig(_ config: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: configFile)
        chmod(configFile.path, 0o600)
    }
}

/// A running `vouch run --json`.
final class Daemon: @unchecked Sendable {
    let node: Node
    let child: ChildProcess
    /// Its ready line.
    let ready: [String: Any]

    init(node: Node, child: ChildProcess, ready: [String: Any]) {
        self.node = node
        self.child = child
        self.ready = ready
    }

    var isRunning: Bool { child.isRunning }
    var stderr: String { child.stderr }

    /// SIGTERM, then waits for it to end; fails if it is still running at the deadline.
    @discardableResult
    func stop(timeout: Duration = .seconds(20)) async throws -> ProcessResult {
        child.signal(SIGTERM)
        guard let result = await child.waitForExit(timeout: timeout) else {
            throw TestFailure("vouch run on \(node.name) did not stop within \(timeout) of SIGTERM\n  stderr: \(child.stderr)")
        }
        return result
    }

    /// SIGKILL: a crash.
    func crash() {
        child.kill9()
    }
}

/// The machinery of one test: a scratch directory with node homes, and every process the test
/// started, which it ends whatever happens (`TestNet.run` ends them after the body, thrown error
/// or not; `deinit` kills anything left as a last resort).
final class TestNet: @unchecked Sendable {  // used by one test at a time
    let root: URL
    /// `$HOME` of every child: not the user's, so nothing can touch a real node.
    let userHome: URL
    private(set) var nodes: [Node] = []
    private(set) var children: [ChildProcess] = []
    private var daemons: [Daemon] = []

    init() throws {
        // Short: admin.sock's path must fit in sockaddr_un (108 bytes).
        root = URL(fileURLWithPath: "/tmp/vd-\(UUID().uuidString.prefix(8).lowercased())", isDirectory: true)
        userHome = root.appendingPathComponent("user", isDirectory: true)
        try FileManager.default.createDirectory(at: userHome, withIntermediateDirectories: true)
    }

    /// Runs `body` with a fresh net, then stops every process it started (SIGTERM, then SIGKILL)
    /// and removes the directory. If the body failed, the daemons' logs are recorded with the failure.
    static func run(_ body: (TestNet) async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let net = try TestNet()
        do {
            try await body(net)
        } catch {
            // A failed #require has recorded its issue already; only the logs are added then.
            if String(describing: type(of: error)) == "ExpectationFailedError" {
                Issue.record("the daemons' logs:\n\(net.logs)", sourceLocation: sourceLocation)
            } else {
                Issue.record(error, "\(error)\n\n\(net.logs)", sourceLocation: sourceLocation)
            }
            await net.shutdown()
            return
        }
        await net.shutdown()
    }

    /// The stderr of every daemon the test started.
    var logs: String {
        daemons.map { "--- vouch run on \($0.node.name) (\($0.node.id)), pid \($0.child.pid), running: \($0.isRunning) ---\n\($0.stderr)" }
            .joined(separator: "\n")
    }

    func shutdown() async {
        for child in children where child.isRunning { child.signal(SIGTERM) }
        for child in children { _ = await child.waitForExit(timeout: .seconds(5)) }
        for child in children { child.kill9() }
        try? FileManager.default.removeItem(at: root)
    }

    deinit {
        for child in children { child.kill9() }
        try? FileManager.default.removeItem(at: root)
    }

    /// The environment of every child: only what we choose (no VOUCH_PASSPHRASE, no VOUCH_HOME).
    var environment: [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": userHome.path, "NO_COLOR": "1", "LANG": "C.UTF-8"]
    }

    /// Runs `vouch ARGS --home HOME` to its end.
    func vouch(_ arguments: [String], on node: Node, timeout: Duration = .seconds(30)) async throws -> ProcessResult {
        try checkBinary()
        return try await ChildProcess.run(VouchBinary.url, arguments + ["--home", node.home.path], environment: environment,
                                         directory: root, timeout: timeout)
    }

    /// Runs `vouch ARGS --json --home HOME`, which must succeed, and returns its JSON.
    func vouchJSON(_ arguments: [String], on node: Node, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let result = try await vouch(arguments + ["--json"], on: node)
        guard result.succeeded else { throw TestFailure("expected success: \(result)") }
        return try result.json()
    }

    /// Starts a long-running child (`vouch events`, `openssl s_client`); it is ended with the net.
    func spawn(_ executable: URL, _ arguments: [String], keepStdinOpen: Bool = false) throws -> ChildProcess {
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, directory: root,
                                     keepStdinOpen: keepStdinOpen)
        children.append(child)
        return child
    }

    func checkBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: VouchBinary.url.path) else {
            throw TestFailure("no vouch binary at \(VouchBinary.url.path): run the tests with `swift test`, which builds it")
        }
    }

    /// `vouch init --listen 127.0.0.1:PORT` in a new home; `limits` go into config.json.
    /// `listening: false`: `--listen none`, a node reached only through relays.
    func makeNode(_ name: String, limits: [String: Int]? = nil, listening: Bool = true) async throws -> Node {
        let home = root.appendingPathComponent(name, isDirectory: true)
        let port = listening ? try Ports.free() : 0
        let listen = listening ? "127.0.0.1:\(port)" : "none"
        let result = try await ChildProcess.run(VouchBinary.url, ["init", "--home", home.path, "--listen", listen, "--json"],
                                               environment: environment, directory: root)
        guard result.succeeded, let id = try result.json()["id"] as? String else { throw TestFailure("vouch init failed: \(result)") }
        let node = Node(name: name, home: home, id: id, port: port)
        if let limits { try node.setLimits(limits) }
        nodes.append(node)
        return node
    }

    /// Starts `vouch run --json` on `node` and waits for its ready line. If it cannot listen
    /// because someone took the port meanwhile, it moves the node to another port and tries again.
    func start(_ node: Node, timeout: Duration = .seconds(20)) async throws -> Daemon {
        try checkBinary()
        for _ in 0..<3 {
            let child = try spawn(VouchBinary.url, ["run", "--home", node.home.path, "--json"])
            let deadline = ContinuousClock.now + timeout
            while true {
                if let line = child.stdoutLines.first {
                    let ready = try JSON.object(line, what: "the ready line of vouch run on \(node.name)")
                    guard ready["ready"] as? Bool == true, ready["id"] as? String == node.id,
                          ready["listen"] as? String == (node.listens ? "127.0.0.1:\(node.port)" : "none") else {
                        child.kill9()
                        throw TestFailure("vouch run on \(node.name) printed an unexpected ready line: \(line)\n  stderr: \(child.stderr)")
                    }
                    let daemon = Daemon(node: node, child: child, ready: ready)
                    daemons.append(daemon)
                    return daemon
                }
                if !child.isRunning {
                    let result = child.result
                    if result.stderr.contains("in use") {
                        try node.setPort(try Ports.free())
                        break
                    }
                    throw TestFailure("vouch run on \(node.name) ended before it was ready: \(result)")
                }
                if ContinuousClock.now >= deadline {
                    child.kill9()
                    throw TestFailure("vouch run on \(node.name) printed no ready line within \(timeout)\n  stderr: \(child.stderr)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        throw TestFailure("vouch run on \(node.name) found no free port")
    }

    /// `vouch profile set --name NAME [--headline …]` (works whether or not the node runs).
    func setProfile(_ node: Node, name: String, headline: String? = nil) async throws -> Int {
        var arguments = ["profile", "set", "--name", name]
        if let headline { arguments += ["--headline", headline] }
        let result = try await vouchJSON(arguments, on: node)
        guard let version = result["version"] as? Int else { throw TestFailure("profile set printed no version: \(result)") }
        return version
    }

    /// `vouch status --json`.
    func status(_ node: Node) async throws -> [String: Any] {
        try await vouchJSON(["status"], on: node)
    }

    /// The messages of `vouch outbox --json`.
    func outbox(_ node: Node) async throws -> [[String: Any]] {
        let result = try await vouchJSON(["outbox"], on: node)
        guard let messages = result["messages"] as? [[String: Any]] else { throw TestFailure("outbox --json has no messages: \(result)") }
        return messages
    }

    /// The cards of `vouch card list --json`.
    func cards(_ node: Node) async throws -> [[String: Any]] {
        let result = try await vouchJSON(["card", "list"], on: node)
        guard let cards = result["cards"] as? [[String: Any]] else { throw TestFailure("card list --json has no cards: \(result)") }
        return cards
    }

    /// `vouch address --json` of `node`.
    func address(_ node: Node) async throws -> String {
        let result = try await vouchJSON(["address"], on: node)
        guard let address = result["address"] as? String else { throw TestFailure("address --json has no address: \(result)") }
        return address
    }
}

/// Describes a JSON value compactly for failure messages.
func describe(_ value: Any) -> String {
    guard JSONSerialization.isValidJSONObject(value),
          let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
}
