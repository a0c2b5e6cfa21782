import Foundation
import Testing

/// Runs the built `vouch` executable the way a person or a script would: a separate process with
/// a controlled environment, its output captured, its exit status returned.
///
/// `swift test` builds every product of the package before it runs the tests, so the binary is
/// next to the test runner: `.build…/<triple>/debug/vouch`. `VOUCH_TEST_BINARY` overrides that.
enum VouchBinary {
    static let url: URL = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["VOUCH_TEST_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Linux: the runner is the `…PackageTests.xctest` executable in the build directory.
        // macOS: it is a bundle in that directory, run by a helper that lives elsewhere.
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let binary = directory.appendingPathComponent("vouch")
            if fileManager.isExecutableFile(atPath: binary.path) { return binary }
        }
        // Tests then fail with this path in the message rather than run something else.
        return (candidates.first ?? URL(fileURLWithPath: ".")).appendingPathComponent("vouch")
    }()
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
/// user's, so a test that forgets `--home` can never touch a real node. Removed at the end.
final class Sandbox: @unchecked Sendable {  // used by one test at a time
    let root: URL
    /// The default node home of `vouch(…)` calls (passed as --home).
    let home: URL
    /// `$HOME` of every run.
    let userHome: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("vouch-cli-tests-\(UUID().uuidString)", isDirectory: true)
        userHome = root.appendingPathComponent("user", isDirectory: true)
        home = root.appendingPathComponent("node", isDirectory: true)
        try FileManager.default.createDirectory(at: userHome, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = root
        // Files rather than pipes: no deadlock whatever the output size, and no reader threads.
        let id = UUID().uuidString
        let outURL = root.appendingPathComponent(".out-\(id)"), errURL = root.appendingPathComponent(".err-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close(); try? errHandle.close()
            try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = outHandle
        process.standardError = errHandle
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return VouchResult(arguments: arguments, status: process.terminationStatus,
                           stdoutData: try Data(contentsOf: outURL), stderrData: try Data(contentsOf: errURL))
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
