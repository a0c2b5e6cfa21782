import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks that make a Unix socket safe to serve on, and the meaning of a failed connect.
///
/// The socket file's own mode is not enough: between `bind` and `chmod` it briefly has the
/// umask's mode, and some systems ignore socket modes altogether. The directory is what really
/// keeps other users out, so the server refuses to start unless that directory is private.
enum AdminSocketGuard {
    /// Throws `insecure-permissions` unless the directory holding `path` belongs to this user and
    /// is closed to group and others.
    static func checkDirectory(holding path: String) throws {
        let directory = directoryPath(of: path)
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw AdminError(.io, "cannot use directory \(directory): \(errnoDescription(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw AdminError(.io, "\(directory) is not a directory") }
        guard info.st_uid == geteuid() else {
            throw AdminError(.insecurePermissions,
                             "\(directory) belongs to uid \(info.st_uid), not to this user (uid \(geteuid())); the admin socket must live in a directory of your own")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw AdminError(.insecurePermissions,
                             "\(directory) has mode \(String(mode, radix: 8)): other users could reach the admin socket; run `chmod 700 \(directory)`")
        }
    }

    /// Makes `path` free to bind: nothing there is fine; a socket nobody answers on is what a
    /// crashed daemon left, and is removed; a socket that answers means a daemon is running, and
    /// anything that is not a socket is not ours to delete.
    static func clearStaleSocket(at path: String, logger: Logger) async throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return }
            throw AdminError(.io, "cannot use \(path): \(errnoDescription(code))")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw AdminError(.io, "\(path) exists and is not a socket; move it away and start again")
        }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path).get()
            try? await channel.close()
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            logger.info("removing the stale admin socket of a daemon that did not stop cleanly", metadata: ["path": "\(path)"])
            guard unlink(path) == 0 || errno == ENOENT else {
                throw AdminError(.io, "cannot remove the stale socket \(path): \(errnoDescription(errno))")
            }
            return
        } catch let error as IOError where error.errnoCode == EAGAIN {
            // A full listen backlog: someone is there, and busy.
        } catch {
            throw connectError(error, socketPath: path)
        }
        throw AdminError(.alreadyRunning, "a vouch daemon is already running on \(path)")
    }

    /// What a failed connect to the admin socket means to the person at the terminal.
    static func connectError(_ error: any Error, socketPath path: String) -> AdminError {
        if let error = error as? AdminError { return error }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ENOENT, ENOTDIR, ECONNREFUSED:
                return AdminError(.daemonNotRunning, "the vouch daemon is not running (nothing listens on \(path)); start it with `vouch run`")
            case EACCES, EPERM:
                return AdminError(.permissionDenied, "cannot connect to \(path): permission denied; run this as the user who runs `vouch run`")
            default:
                return AdminError(.io, "cannot connect to \(path): \(errnoDescription(error.errnoCode))")
            }
        }
        if case SocketAddressError.unixDomainSocketPathTooLong = error {
            return AdminError(.io, "the socket path \(path) is too long for a Unix socket (at most 103 bytes); use a shorter node home")
        }
        return AdminError(.io, "cannot connect to \(path): \(error)")
    }

    static func directoryPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
