import Foundation
import Testing

/// Protocol/tools/check_vectors.py is a second implementation written from Protocol/*.md alone.
/// It must agree with every committed vector. It needs `python3` and the `cryptography`
/// package; when either is missing this test fails (it never skips), naming what is missing.
@Suite("Independent check from the spec")
struct IndependentCheckTests {
    @Test("python3 Protocol/tools/check_vectors.py agrees with every vector")
    func pythonCheckerAgrees() throws {
        let root = VectorTests.repositoryRoot
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-check-vectors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Output goes to files, so a chatty run cannot block on a full pipe.
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Protocol/tools/check_vectors.py"]
        process.currentDirectoryURL = root
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()

        let stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        let hint = switch process.terminationStatus {
        case 127: "python3 is not installed (or not on PATH). "
        case 2: "the cryptography package is missing: python3 -m pip install cryptography. "
        default: ""
        }
        #expect(process.terminationStatus == 0,
                "check_vectors.py exited \(process.terminationStatus). \(hint)\n\(stdout)\(stderr)")
        #expect(stdout.contains("checks agree with the specification"), "\(stdout)")
    }
}
