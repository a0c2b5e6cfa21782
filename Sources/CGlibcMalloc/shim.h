// glibc's malloc extensions (malloc_trim, mallinfo2), which Swift's Glibc module does not export.
// Empty elsewhere: HeapTrimmer only uses them on Linux.
#if defined(__linux__)
#include <malloc.h>
#endif
