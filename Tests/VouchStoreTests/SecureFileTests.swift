import Foundation
import Testing
import VouchStore
import VouchTestKit

@Suite("SecureFile")
struct SecureFileTests {
    @Test func createExclusivelyWritesTheContentsWithTheMode() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("key")
        try SecureFile.createExclusively(file, contents: Array("secret".utf8), mode: 0o600)
        #expect(try Data(contentsOf: file) == Data("secret".utf8))
        #expect(try dir.mode(file) == 0o600)
    }

    @Test func createExclusivelyRefusesAnExistingFileAndLeavesIt() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("key")
        try Data("original".utf8).write(to: file)
        #expect(throws: StoreError.self) { try SecureFile.createExclusively(file, contents: [1, 2, 3], mode: 0o600) }
        do {
            try SecureFile.createExclusively(file, contents: [1, 2, 3], mode: 0o600)
        } catch let error as StoreError {
            #expect(error.code == .alreadyInitialized)
        }
        #expect(try Data(contentsOf: file) == Data("original".utf8))

        // A dangling symlink is an existing name too: O_EXCL does not follow it.
        let link = dir.url("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: dir.url("target"))
        #expect(throws: StoreError.self) { try SecureFile.createExclusively(link, contents: [1], mode: 0o600) }
        #expect(!FileManager.default.fileExists(atPath: dir.url("target").path))
    }

    @Test func createExclusivelySetsTheModeDespiteTheUmask() throws {
        let dir = try TemporaryDirectory()
        // 027 keeps the owner's bits, so files other tests create meanwhile stay usable.
        let old = umask(0o027)
        defer { umask(old) }
        let file = dir.url("card")
        try SecureFile.createExclusively(file, contents: [1], mode: 0o644)
        #expect(try dir.mode(file) == 0o644)
        let replaced = dir.url("config")
        try SecureFile.replace(replaced, contents: [2], mode: 0o644)
        #expect(try dir.mode(replaced) == 0o644)
    }

    @Test func replaceSwapsTheContentsAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("config.json")
        try SecureFile.replace(file, contents: Array("one".utf8), mode: 0o600)
        try SecureFile.replace(file, contents: Array("two".utf8), mode: 0o600)
        #expect(try Data(contentsOf: file) == Data("two".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["config.json"])
        // A leftover temporary file from a crash does not block the next replace.
        try Data("stale".utf8).write(to: dir.url(".config.json.tmp"))
        try SecureFile.replace(file, contents: Array("three".utf8), mode: 0o600)
        #expect(try Data(contentsOf: file) == Data("three".utf8))
    }

    @Test func readPrivateReadsAnOwnerOnlyFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("key")
        try SecureFile.createExclusively(file, contents: Array(0...255), mode: 0o600)
        #expect(try SecureFile.readPrivate(file) == Array(0...255))
        #expect(chmod(file.path, 0o400) == 0)
        #expect(try SecureFile.readPrivate(file) == Array(0...255))
        try SecureFile.createExclusively(dir.url("empty"), contents: [], mode: 0o600)
        #expect(try SecureFile.readPrivate(dir.url("empty")) == [])
    }

    private func expectRefusal(_ url: URL, _ code: StoreError.Code, containing text: String? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let bytes = try SecureFile.readPrivate(url)
            Issue.record("read \(bytes.count) bytes from \(url.path)", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let text { #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o620, 0o602, 0o660, 0o666, 0o700 | 0o040])
    func readPrivateRefusesGroupOrOtherAccess(mode: Int) throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("key")
        try SecureFile.createExclusively(file, contents: [1], mode: mode_t(mode))
        expectRefusal(file, .insecurePermissions, containing: "chmod 600 \(file.path)")
    }

    @Test func readPrivateRefusesSymlinksDirectoriesAndMissingFiles() throws {
        let dir = try TemporaryDirectory()
        let target = dir.url("real")
        try SecureFile.createExclusively(target, contents: [1], mode: 0o600)
        let link = dir.url("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        expectRefusal(link, .insecurePermissions, containing: "symbolic link")

        let directory = dir.url("directory")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        expectRefusal(directory, .insecurePermissions, containing: "not a regular file")

        let fifo = dir.url("fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // O_RDONLY on a FIFO with no writer would block; readPrivate must refuse it without hanging.
        expectRefusal(fifo, .insecurePermissions, containing: "not a regular file")

        expectRefusal(dir.url("missing"), .notInitialized)
    }

    @Test func readPrivateRefusesAnOversizedFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url("big")
        try SecureFile.createExclusively(file, contents: Array(repeating: 7, count: 100), mode: 0o600)
        #expect(throws: StoreError.self) { try SecureFile.readPrivate(file, maximumSize: 99) }
        #expect(try SecureFile.readPrivate(file, maximumSize: 100).count == 100)
    }
}
