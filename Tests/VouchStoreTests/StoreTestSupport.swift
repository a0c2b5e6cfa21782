import Foundation
import VouchTestKit

extension TemporaryDirectory {
    /// The permission bits of `url` itself (a symbolic link is not followed).
    func mode(_ url: URL) throws -> Int {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return Int(info.st_mode & 0o7777)
    }
}
