import Foundation
import Testing
import VouchTestKit

/// The built `vouch` executable, run the way a person or a script would: a separate process with
/// a controlled environment, its output captured, its exit status returned. `VOUCH_TEST_BINARY`
/// overrides where it is.
enum VouchBinary {
    static let url = ChildProcess.builtProduct("vouch", override: "VOUCH_TEST_BINARY")
}

/// What one run of `vouch` did.
struct VouchResult: CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stdoutData: Data
    let stderrData: Data

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }

    /// stdout as the one JSON object `--json` promises.
    func json() throws -> [String: Any] {
        try Self.object(stdoutData, what: "stdout of \(arguments)")
    }

    /// The `error` object `--json` writes on stderr.
    func jsonError() throws -> [String: Any] {
        let top = try Self.object(stderrData, what: "stderr of \(arguments)")
        return try #require(top["error"] as? [String: Any], "no error object in \(stderr)")
    }

    /// The `message` of the `--json` error object, or "" if stderr is not one.
    var errorMessage: String {
        (try? jsonError())?["message"] as? String ?? ""
    }

    /// The `code` of the `--json` error object, or nil if stderr is not one.
    var errorCode: String? {
        (try? jsonError())?["code"] as? String
    }

    static func object(_ data: Data, what: String) throws -> [String: Any] {
        let text = String(decoding: data, as: UTF8.self)
        // One object on one line: scripts read it with a line-oriented tool.
        #expect(text.hasSuffix("\n") && text.dropLast().contains("\n") == false, "\(what) is not one line: \(text)")
        let value = try JSONSerialization.jsonObject(with: data)
        return try #require(value as? [String: Any], "\(what) is not a JSON object: \(text)")
    }

    var description: String {
        "vouch \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// A scratch directory for one test: a node home inside it, and a `$HOME` that is not the
/// user's, so a test that forgets `--home` can never touch a real node. Removed at the end
/// (it is a `TemporaryDirectory`).
final class Sandbox: @unchecked Sendable {  // used by one test at a time
    let root: URL
    /// The default node home of `vouch(…)` calls (passed as --home).
    let home: URL
    /// `$HOME` of every run.
    let userHome: URL

    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "vouch-cli-tests")
        root = directory.url
        userHome = root.appendingPathComponent("user", isDirectory: true)
        home = root.appendingPathComponent("node", isDirectory: true)
        try FileManager.default.createDirectory(at: userHome, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> URL { root.appendingPathComponent(name) }

    var keyFile: URL { home.appendingPathComponent("identity.key") }
    var databaseFile: URL { home.appendingPathComponent("node.sqlite") }
    var configFile: URL { home.appendingPathComponent("config.json") }

    /// The environment every run gets: nothing from the developer's shell that `vouch` reads.
    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": userHome.path, "NO_COLOR": "1", "LANG": "C.UTF-8"]
        env.merge(extra) { $1 }
        return env
    }

    /// Runs `vouch ARGS --home HOME` (no --home when `home` is nil).
    @discardableResult
    func vouch(_ arguments: [String], home: URL? = nil, useHome: Bool = true, environment extra: [String: String] = [:],
               stdin: Data? = nil) throws -> VouchResult {
        var args = arguments
        if useHome { args += ["--home", (home ?? self.home).path] }
        return try run(executable: VouchBinary.url, arguments: args, environment: environment(extra), stdin: stdin)
    }

    /// Runs any executable (used for `/bin/sh` when an argument must be raw bytes).
    func run(executable: URL, arguments: [String], environment: [String: String], stdin: Data?) throws -> VouchResult {
        try #require(FileManager.default.isExecutableFile(atPath: VouchBinary.url.path),
                     "no vouch binary at \(VouchBinary.url.path): run the tests with `swift test`, which builds it")
        // stdin is a pipe, closed after `stdin` (if any) is written.
        let result = try ChildProcess.run(executable, arguments, environment: environment, directory: root, stdin: stdin ?? Data())
        return VouchResult(arguments: arguments, status: result.status, stdoutData: result.stdoutData, stderrData: result.stderrData)
    }

    /// `vouch init` that must succeed; returns the node ID.
    @discardableResult
    func initNode(home: URL? = nil, environment: [String: String] = [:]) throws -> String {
        let result = try vouch(["init", "--json"], home: home, environment: environment)
        try #require(result.status == 0, "\(result)")
        return try #require(try result.json()["id"] as? String)
    }

    func contents(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o7777
    }
}

extension VouchResult {
    /// Expects a failure with `status`; with `--json` among the arguments, also the error `code`.
    func expectFailure(_ status: Int32, code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "\(self)", sourceLocation: sourceLocation)
        #expect(stdoutData.isEmpty, "a failed command printed to stdout: \(self)", sourceLocation: sourceLocation)
        if let code {
            #expect(errorCode == code, "\(self)", sourceLocation: sourceLocation)
            #expect((try? jsonError())?["exit_status"] as? Int == Int(status), "\(self)", sourceLocation: sourceLocation)
        }
    }
}
