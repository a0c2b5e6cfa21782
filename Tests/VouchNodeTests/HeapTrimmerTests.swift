#if os(Linux)
import Foundation
import Testing
@testable import VouchNode

/// What `HeapTrimmer` is for: memory freed below a live allocation stays resident until
/// `malloc_trim` gives it back (see `HeapTrimmer`). Only with glibc's allocator, so not under
/// `swift test --sanitize=…`, whose allocator is the sanitizer's.
@Suite("Heap trimmer")
struct HeapTrimmerTests {
    /// 8,192 touched 16 KiB blocks (128 MiB, below glibc's mmap threshold, so in the heap), each
    /// followed by a small block that stays allocated, so no free memory is at the top of the heap
    /// where glibc would give it back by itself. Freeing the large blocks leaves RSS where it was;
    /// one trim returns at least half of it.
    @Test(.enabled(if: HeapTrimmer.allocatorIsGlibc, "a sanitizer's allocator replaces glibc's malloc"))
    func trimmingGivesBackFreedMemoryBelowLiveAllocations() throws {
        let count = 8192, size = 16 * 1024
        var large: [UnsafeMutableRawPointer] = [], small: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let block = try #require(malloc(size))
            memset(block, 0x5A, size)  // resident, not just reserved
            large.append(block)
            small.append(try #require(malloc(64)))
        }
        defer { for block in small { free(block) } }
        let before = try residentKiB()
        for block in large { free(block) }
        #expect(HeapTrimmer.trimIfWorthwhile(), "128 MiB free in the heap is above the threshold")
        let after = try residentKiB()
        #expect(before - after >= count * size / 1024 / 2, "VmRSS \(before) KiB before the trim, \(after) KiB after")
    }

    private func residentKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
#endif
