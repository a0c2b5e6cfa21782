import Foundation

/// A directory for one test, removed when the test is done with it.
final class TemporaryDirectory: @unchecked Sendable {  // used by one test at a time
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    func mode(_ url: URL) throws -> Int {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return Int(info.st_mode & 0o7777)
    }
}
