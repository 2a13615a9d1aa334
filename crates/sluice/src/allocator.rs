//! The process's allocator: mimalloc (v3), committing its arenas' memory as
//! it is used and giving freed memory back after 10 ms.
//!
//! A query catching up with its input reads and decodes on one thread and
//! runs its operators on another (`sluice_runtime::query`), so Arrow buffers
//! are allocated on one thread and freed on the other. glibc's malloc handled
//! that badly: with the second thread, W2 over 10M events held about 100 MB
//! more, and malloc and free were about a quarter of its profile. With
//! mimalloc the same run went from 2.0M to 2.7M events/s (release, one run
//! each, 2026-11-27), and with arenas committed lazily its peak memory was
//! 211 MB instead of 246 MB.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc v3's `mi_option_e`
/// (`mimalloc.h`); the sys crate names only the options v2 and v3 share.
/// Both indexes are mimalloc v3's (pinned by Cargo.lock): an update of
/// libmimalloc-sys must check them against its `mimalloc.h`.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`: how long freed
/// memory is kept before it is given back to the OS.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc v2's default purge delay, in milliseconds. v3 keeps freed
/// memory for a second, which left W2 over 10M events at 194–210 MB at
/// its peak (the memory freed after loading the input was still held);
/// with 10 ms it peaked at 169–185 MB, for 5–15% of its throughput
/// (release, 2026-11-27, alternating runs).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Sets the allocator's options before anything is allocated: the first
/// arena is reserved at the first allocation, which Rust's runtime makes
/// before `main`, so setting them in `main` left that arena committed
/// eagerly (measured: no change in memory). The function is listed in
/// `.init_array`, which the loader runs before the runtime starts.
extern "C" fn configure() {
    // SAFETY: mi_option_set only stores the value; it is read when mimalloc
    // next reserves an arena.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
    }
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static CONFIGURE: extern "C" fn() = configure;
