#if os(Linux)
internal import CGlibcMalloc
import Glibc
#endif

/// Gives back to the system the memory glibc's allocator holds free between live allocations.
///
/// Why: every session allocates its TLS, NIO and handler state in small pieces (under glibc's
/// mmap threshold), interleaved in the heap with those of other sessions. When many sessions close,
/// most of that memory is free again, but glibc returns memory to the system on its own only from
/// the top of a heap; free pages below a live allocation stay resident for good. Measured with
/// `vouch-bench churn --together --malloc-trim` (Docs/benchmarks.md): after 4,096 concurrent
/// sessions had all closed, VmRSS stayed at 153 MiB against a 39.5 MiB baseline, and one
/// `malloc_trim(0)` brought it to 51 MiB. Fewer arenas (`MALLOC_ARENA_MAX=1`) did not help, so it
/// is not per-thread arenas but free pages inside the heap, which only `malloc_trim` releases
/// (with `madvise(MADV_DONTNEED)`, page by page).
///
/// So the node asks glibc every `interval` how much it holds free (`mallinfo2().fordblks`) and
/// trims when that exceeds `threshold`. Both calls walk the arenas' free lists: a few
/// milliseconds at worst for a heap of a few hundred MiB, twice a minute, off the event loops.
struct HeapTrimmer {
    static let interval: Duration = .seconds(30)
    /// Free memory held by the allocator worth giving back. Low, because a node's heap is small (a
    /// fresh daemon's anonymous memory is about 4 MiB of its 40 MiB VmRSS; the rest is code):
    /// after 10,000 sessions had come and gone, about 1 MiB of a 3 MiB rise was free memory that
    /// only a trim returns. Once trimmed, the free chunks stay in glibc's lists, so a later walk
    /// finds them again and costs a little for nothing; that is the price of the simple rule.
    static let threshold = 1 << 20

    /// Runs until cancelled, even where it has nothing to do: `NodeService` ends the node when any
    /// of its tasks returns.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.interval) } catch { return }
            Self.trimIfWorthwhile()
        }
    }

    /// Whether this process's `malloc` is glibc's: false under AddressSanitizer or
    /// ThreadSanitizer, whose allocators replace it (glibc's statistics then never move). Probed
    /// once: a block above glibc's mmap threshold shows in `mallinfo2().hblkhd` only if glibc
    /// allocated it.
    static let allocatorIsGlibc: Bool = {
        #if os(Linux)
        let before = mallinfo2().hblkhd
        guard let block = malloc(1 << 20) else { return false }
        defer { free(block) }
        return mallinfo2().hblkhd >= before + (1 << 20)
        #else
        return false
        #endif
    }()

    /// Trims if the allocator holds at least `threshold` bytes free; returns whether it trimmed.
    @discardableResult
    static func trimIfWorthwhile() -> Bool {
        #if os(Linux)
        guard allocatorIsGlibc, mallinfo2().fordblks >= threshold else { return false }
        return malloc_trim(0) == 1
        #else
        return false
        #endif
    }
}
