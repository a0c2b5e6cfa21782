public import Foundation

/// File operations with the guarantees the node home needs: owner-only modes, no silent
/// overwrite, data on disk (fsync of the file and its directory) before success is reported.
public enum SecureFile {
    /// Creates `url` with `mode`, failing if it exists, and makes it durable.
    public static func createExclusively(_ url: URL, contents: [UInt8], mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { throw StoreError(.alreadyInitialized, "\(url.path) exists already; it was not changed") }
            throw StoreError(.io, "cannot create \(url.path): \(String(cString: strerror(code)))")
        }
        do {
            // The umask may have removed bits; set exactly what was asked.
            guard fchmod(fd, mode) == 0 else { throw StoreError(.io, "cannot set the mode of \(url.path)") }
            try writeAll(fd, contents, path: url.path)
            guard fsync(fd) == 0 else { throw StoreError(.io, "cannot sync \(url.path): \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd)
            unlink(url.path)
            throw error
        }
        try syncDirectory(of: url)
    }

    /// Replaces `url` atomically (write a temporary file, sync, rename, sync the directory).
    public static func replace(_ url: URL, contents: [UInt8], mode: mode_t) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        unlink(temporary.path)
        try createExclusively(temporary, contents: contents, mode: mode)
        guard rename(temporary.path, url.path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary.path)
            throw StoreError(.io, "cannot replace \(url.path): \(message)")
        }
        try syncDirectory(of: url)
    }

    /// Reads a file that must be private to its owner: refuses one that group or others can
    /// read or write, or that another user owns, naming the fix.
    public static func readPrivate(_ url: URL, maximumSize: Int = 1 << 20) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO put in the file's place must not wait for a writer.
        let fd = open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw StoreError(.notInitialized, "\(url.path) does not exist") }
            if code == ELOOP { throw StoreError(.insecurePermissions, "\(url.path) is a symbolic link; it must be a regular file") }
            throw StoreError(.io, "cannot open \(url.path): \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError(.io, "cannot stat \(url.path)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw StoreError(.insecurePermissions, "\(url.path) is not a regular file") }
        guard info.st_uid == geteuid() else {
            throw StoreError(.insecurePermissions, "\(url.path) belongs to uid \(info.st_uid), not to this user (uid \(geteuid()))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw StoreError(.insecurePermissions,
                             "\(url.path) has mode \(String(mode, radix: 8)): others can read it; run `chmod 600 \(url.path)`")
        }
        guard Int(info.st_size) <= maximumSize else { throw StoreError(.io, "\(url.path) is larger than \(maximumSize) bytes") }
        var out = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError(.io, "cannot read \(url.path)") }
            done += n
        }
        return out
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    private static func syncDirectory(of url: URL) throws {
        let fd = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fsync(fd)
    }
}
