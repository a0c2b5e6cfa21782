#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path named when we made it (device and inode), so that shutdown removes the
/// socket and cookie only if they are still ours: if someone (an operator, a second daemon after
/// ours was declared dead) has put a new file there, we leave it alone.
struct FileIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    /// The identity of the file at `path` itself (a symbolic link is not followed); nil if none.
    static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        // `dev_t` is signed on some systems: its bits are the identity, not its value.
        return FileIdentity(device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino))
    }

    /// Unlinks `path` if it is still the file this identity names.
    func removeIfUnchanged(_ path: String) {
        guard FileIdentity.of(path) == self else { return }
        unlink(path)
    }
}
