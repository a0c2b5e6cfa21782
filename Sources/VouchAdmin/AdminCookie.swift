import VouchCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The admin credential, as bitcoind does it: a fresh random secret in an owner-only file, made
/// at each daemon start and removed at a clean stop.
///
/// Whoever can read the file can drive the node, and only the owner can read it, so the file
/// system's permissions are the access control and there is no password to set up. A new value
/// per start means a cookie copied out of the home stops working at the next restart.
struct AdminCookie: Sendable {
    /// 32 random bytes in lowercase hex (64 characters).
    let value: String

    static func generate() -> AdminCookie {
        AdminCookie(value: Hex.encode(SecureRandom.bytes(32)))
    }

    /// True if `candidate` is this cookie. Constant time, so a local process cannot learn the
    /// cookie a byte at a time from how long refusals take.
    func matches(_ candidate: String) -> Bool {
        ConstantTime.equals(Array(value.utf8), Array(candidate.utf8))
    }

    /// Writes the cookie to `path` with mode 0600, atomically (a temporary file in the same
    /// directory, synced, then renamed), so a client never reads half a cookie.
    func write(to path: String) throws -> FileIdentity {
        let temporary = Self.temporaryPath(for: path)
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw AdminError(.io, "cannot create \(temporary): \(errnoDescription(errno))") }
        do {
            // The umask may have removed bits, never added them; set exactly 0600 anyway.
            guard fchmod(fd, 0o600) == 0 else { throw AdminError(.io, "cannot set the mode of \(temporary)") }
            let bytes = Array(value.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, $0.count - done) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw AdminError(.io, "cannot write \(temporary): \(errnoDescription(errno))") }
                done += n
            }
            guard fsync(fd) == 0 else { throw AdminError(.io, "cannot sync \(temporary): \(errnoDescription(errno))") }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AdminError(.io, "cannot write \(path): \(errnoDescription(code))")
        }
        guard let identity = FileIdentity.of(path) else { throw AdminError(.io, "\(path) vanished after it was written") }
        return identity
    }

    /// Reads the cookie a running daemon wrote. A missing file means no daemon (it removes the
    /// cookie when it stops); an unreadable one means another user runs it.
    static func read(from path: String) throws -> AdminCookie {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR:
                throw AdminError(.daemonNotRunning, "the vouch daemon is not running (no cookie at \(path)); start it with `vouch run`")
            case EACCES, EPERM:
                throw AdminError(.permissionDenied, "cannot read \(path): run this as the user who runs `vouch run`")
            default:
                throw AdminError(.io, "cannot open \(path): \(errnoDescription(code))")
            }
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw AdminError(.io, "cannot read \(path): \(errnoDescription(errno))") }
            if n == 0 { break }
            count += n
        }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingWhitespace()
        guard text.utf8.count == 64, Hex.decode(text) != nil else {
            throw AdminError(.io, "\(path) does not hold an admin cookie; restart the daemon to write a new one")
        }
        return AdminCookie(value: text)
    }

    static func temporaryPath(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return ".\(path).tmp" }
        return "\(path[...slash]).\(path[path.index(after: slash)...]).tmp"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
