//! The `custos` binary. Everything lives in the library; `main` only reports errors and sets
//! the exit code.

/// mimalloc instead of the system allocator: under gate load glibc's malloc/free were ~13% of
/// the server's CPU (SQLite resets its page cache on every read after a commit, and requests
/// allocate many small buffers); docs/BENCHMARKS.md has the before/after.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    custos_cli::main()
}
