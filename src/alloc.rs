//! How the mimalloc allocator, which the binary and the benchmarks install
//! as the global allocator, gives freed memory back to the system.
//!
//! mimalloc returns ("purges") freed pages to the system after a delay (1 s
//! in the mimalloc v3 we build, 10 ms in v2), and faults fresh zeroed pages in when it needs them
//! again. Indexing allocates in the parser and frees in tantivy's threads,
//! so with the default it churned through pages: 45 000 page faults and a
//! fifth of the parsing thread's time in the kernel zeroing pages while
//! indexing the 1000x benchmark corpus.

/// `mi_option_purge_delay` in `mi_option_t`, in the mimalloc v3 that
/// libmimalloc-sys builds (and in v2). The crate does not name it, so it is
/// set by number: `Cargo.toml` pins the crate's version, and a test reads
/// the option's default back, so a renumbering fails the tests.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// When freed memory goes back to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    /// At once: for the long-running `serve`, whose resident memory should
    /// fall back after a burst (its peak under 100 concurrent questions fell
    /// from 212 MB to 125 MB).
    AtOnce,
    /// Never before the process exits: for short commands. Indexing the 1000x
    /// corpus takes about 1 000 page faults instead of 45 000 and 7% less
    /// time, for 20 to 35 MB more peak memory.
    AtExit,
}

/// Set the purge policy. Call it first thing in `main`, before other threads
/// start; it has no effect unless mimalloc is the global allocator.
pub fn set_purge(p: Purge) {
    let delay = match p {
        Purge::AtOnce => 0,
        Purge::AtExit => -1,
    };
    // SAFETY: mi_option_set stores an integer in mimalloc's option table,
    // which mimalloc reads on each purge decision; it takes no pointers.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_15_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            eprintln!("skipped: MIMALLOC_PURGE_DELAY is set, so the default cannot be seen");
            return;
        }
        // SAFETY: reading and setting integer options; no pointers.
        unsafe {
            // mimalloc v3's documented default purge delay, in milliseconds;
            // its neighbours default to 1 (eager_commit_delay), 0
            // (use_numa_nodes) and others.
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 1000);
            set_purge(Purge::AtExit);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), -1);
            set_purge(Purge::AtOnce);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 0);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 1000);
        }
    }
}
