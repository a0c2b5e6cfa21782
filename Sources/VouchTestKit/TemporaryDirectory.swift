public import Foundation

/// A fresh directory of mode 0700 directly under /tmp, removed when the value goes.
///
/// The path is short on purpose: a Unix socket path has at most 107 bytes, and a node home or an
/// admin socket often lives in here.
public final class TemporaryDirectory: Sendable {
    /// The directory, without a trailing slash.
    public let path: String

    /// The failure to create the directory.
    public struct CannotCreate: Error, CustomStringConvertible {
        public let description: String
    }

    /// Makes `/tmp/PREFIX-XXXXXX` with a random suffix.
    public init(prefix: String = "vouch-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CannotCreate(description: "mkdtemp /tmp/\(prefix)-XXXXXX: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        chmod(path, 0o700)
    }

    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { path + "/" + name }

    /// The URL of `name` inside the directory.
    public func url(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
