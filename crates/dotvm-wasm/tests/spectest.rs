//! The WebAssembly spec testsuite, run through the translator and the DotVM interpreter.
//!
//! Every `.wast` file of the official 2.0 core testsuite (the `simd_*` files included) is
//! executed directive by directive, at every optimization level, on every architecture the
//! interpreter runs.
//! The testsuite is read from `DOTVM_WASM_TESTSUITE` or `../shared/wasm-testsuite` beside
//! the repository; when it is absent the run says so and passes. Files listed in
//! `spec_skips.txt` are skipped with their reason. The last line printed is
//! `spec: N passed, N failed, N skipped`.
//!
//! Environment: `DOTVM_SPEC_ARCHS` (e.g. `arch64,arch32`), `DOTVM_SPEC_LEVELS` (e.g. `0,2`)
//! and `DOTVM_SPEC_FILTER` (a substring of file names) narrow the run; `DOTVM_SPEC_VERBOSE=1`
//! prints every failure instead of the first few per file. `DOTVM_SPEC_ENGINE=jit` runs
//! every call in code compiled by `dotvm-jit` instead of the interpreter (every architecture).
//! Files run on one worker thread per core (`DOTVM_SPEC_THREADS=N` to choose), one
//! (file, architecture) pair at a time.

mod spec;

fn main() {
    std::process::exit(spec::main());
}
