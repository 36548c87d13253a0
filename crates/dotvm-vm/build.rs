//! Chooses the threaded engine's dispatch: tail calls where the build optimises (LLVM then
//! turns each handler's final call into a jump) on targets where the engine can read its
//! native stack pointer, a loop elsewhere (see `src/exec/threaded/mod.rs`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(dotvm_tail_calls)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let optimised = matches!(
        std::env::var("OPT_LEVEL").as_deref(),
        Ok("2") | Ok("3") | Ok("s")
    );
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let reads_stack_pointer = arch == "x86_64" || arch == "aarch64";
    if optimised && reads_stack_pointer {
        println!("cargo::rustc-cfg=dotvm_tail_calls");
    }
}
