//! Handing memory back to the operating system between the stages of a long run.

/// Hands the pages that the allocator holds free back to the operating system. glibc
/// keeps a heap per thread and returns little of it by itself: after an import's
/// reading, the tagging threads' heaps hold tens of MB that no other thread reuses,
/// and the pages a shrunken SQLite cache freed stay with the process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn release_freed() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: `malloc_trim` (glibc) takes no pointer and only releases free memory;
    // any thread may call it at any time.
    unsafe {
        malloc_trim(0);
    }
}

/// Elsewhere the allocator decides alone.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn release_freed() {}
