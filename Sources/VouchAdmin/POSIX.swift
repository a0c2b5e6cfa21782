#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The few C calls this module makes by hand (cookie file, permission checks), named so they
// do not collide with Swift methods called `read` and `write`.

/// The text of an `errno` value, for messages.
func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code))
}

func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, bytes, count)
    #else
    Darwin.write(fd, bytes, count)
    #endif
}

func posixRead(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, bytes, count)
    #else
    Darwin.read(fd, bytes, count)
    #endif
}
