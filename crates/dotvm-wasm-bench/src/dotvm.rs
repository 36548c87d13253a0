//! Running a workload under DotVM: translate, verify, run with a deterministic host.

use crate::alloc;
use anyhow::{Result, anyhow};
use dotvm_cli::driver::{BuildOptions, translate_wasm};
use dotvm_core::Verified;
use dotvm_core::format::write_module;
use dotvm_vm::{BufferIo, Capabilities, ClockSource, Host, Limits, LoadedModule, RandomSource};

/// A translated and verified workload with what its translation cost.
pub(crate) struct Translation {
    pub(crate) program: Verified,
    pub(crate) functions: usize,
    pub(crate) bytecode_bytes: usize,
    /// Peak heap above the starting point while translating and verifying.
    pub(crate) peak_heap: usize,
}

/// Translates `wasm` (opt-level 3) and verifies it.
pub(crate) fn translate(wasm: &[u8]) -> Result<Translation> {
    let base = alloc::reset_peak();
    let options = BuildOptions {
        opt_level: 3,
        ..BuildOptions::default()
    };
    let module = translate_wasm(wasm, &options).map_err(|e| anyhow!("DotVM translate: {e}"))?;
    let program = Verified::new(module).map_err(|e| anyhow!("DotVM verify: {e}"))?;
    let peak_heap = alloc::peak().saturating_sub(base);
    Ok(Translation {
        functions: program.module().functions.len(),
        bytecode_bytes: write_module(program.module()).len(),
        program,
        peak_heap,
    })
}

/// The capabilities of a benchmark run: stdio, a seeded random source, a virtual clock.
fn host() -> Result<Host> {
    Host::new(Capabilities {
        clock: Some(ClockSource::Virtual { start_nanos: 0 }),
        random: Some(RandomSource::Seeded(0)),
        ..Capabilities::default()
    })
    .map_err(|e| anyhow!("{e}"))
}

/// The limits of a benchmark run: no instruction limit.
fn limits() -> Limits {
    Limits {
        instructions: u64::MAX,
        ..Limits::default()
    }
}

/// Loads the program for the interpreter (its plain code and register form), once, as
/// wasmi's module is compiled once before its runs.
pub(crate) fn load(program: &Verified) -> Result<LoadedModule> {
    LoadedModule::load(program).map_err(|e| anyhow!("DotVM load: {e}"))
}

/// Runs the loaded program; returns the exit code and stdout.
pub(crate) fn run(loaded: &LoadedModule) -> Result<(i32, Vec<u8>)> {
    let mut io = BufferIo::default();
    let outcome = dotvm_vm::run_loaded(loaded, &limits(), &mut io, &mut host()?, None, None)
        .map_err(|e| anyhow!("DotVM: {e}"))?;
    Ok((outcome.exit_code, io.output))
}

/// Compiles the program with the JIT (`dotvm-jit`).
pub(crate) fn compile(program: &Verified) -> Result<dotvm_jit::Compiled> {
    dotvm_jit::compile(program).map_err(|e| anyhow!("DotVM JIT: {e}"))
}

/// Runs compiled code; returns the exit code and stdout.
pub(crate) fn run_jit(
    compiled: &dotvm_jit::Compiled,
    program: &Verified,
) -> Result<(i32, Vec<u8>)> {
    let mut io = BufferIo::default();
    let outcome = compiled
        .run(program, &limits(), &mut io, &mut host()?, None)
        .map_err(|e| anyhow!("DotVM JIT: {e}"))?;
    Ok((outcome.exit_code, io.output))
}

/// The peak linear-memory size of one run, in bytes.
pub(crate) fn peak_guest_memory(program: &Verified) -> Result<u64> {
    let mut io = BufferIo::default();
    let outcome = dotvm_vm::run_hosted(program, &limits(), &mut io, &mut host()?, None, None)
        .map_err(|e| anyhow!("DotVM: {e}"))?;
    Ok(outcome.peak_memory)
}
