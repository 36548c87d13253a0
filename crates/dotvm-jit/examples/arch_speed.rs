//! Times the compiled tier against the interpreter on every architecture: the word loop
//! `x = x * a + b` (dotvm-bench's `muladd` kernel), `n` iterations, best of 3 runs each.
//! Both engines must print the same `x` and count the same instructions.
//!
//! `cargo run -p dotvm-jit --example arch_speed [-- ITERATIONS]` (the interpreter crate is
//! optimised in every profile; the compile time is Cranelift's, unoptimised in a debug
//! build, and not part of the run time).

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_vm::{BufferIo, Host, Limits, Outcome};
use std::time::{Duration, Instant};

/// The loop for `arch`, `iterations` times.
fn program(arch: Arch, iterations: u64) -> Result<Verified, String> {
    let source = format!(
        ".func main results=1\n    .local i\n    PUSH 0x7ac35e21\nloop:\n    \
         PUSH 0x204cef83\n    MUL\n    PUSH 0x52eaa00a\n    ADD\n    LOCAL_GET i\n    PUSH 1\n    \
         ADD\n    LOCAL_TEE i\n    PUSH {iterations}\n    LT_U\n    JNZ loop\n    \
         SYSCALL print_uint\n    PUSH 0\n    RET\n.end\n"
    );
    let options = AsmOptions {
        arch: Some(arch),
        ..AsmOptions::default()
    };
    let module = assemble(&source, "muladd.dasm", &options).map_err(|e| e.to_string())?;
    Verified::new(module).map_err(|e| e.to_string())
}

/// The best of 3 timed runs of `run`, with what the last one printed and counted.
fn best(mut run: impl FnMut(&mut BufferIo) -> Outcome) -> (Duration, String, u64) {
    let mut fastest = Duration::MAX;
    let mut last = (String::new(), 0);
    for _ in 0..3 {
        let mut io = BufferIo::default();
        let started = Instant::now();
        let outcome = run(&mut io);
        fastest = fastest.min(started.elapsed());
        last = (io.output_text(), outcome.instructions);
    }
    (fastest, last.0, last.1)
}

fn main() -> Result<(), String> {
    let iterations = match std::env::args().nth(1) {
        Some(n) => n.parse().map_err(|e| format!("iterations: {e}"))?,
        None => 2_000_000u64,
    };
    let limits = Limits {
        instructions: u64::MAX,
        ..Limits::default()
    };
    println!("x = x * a + b, {iterations} iterations, best of 3");
    println!("arch     interp ms   jit ms   interp/jit");
    for arch in Arch::ALL {
        let module = program(arch, iterations)?;
        let (interp, interp_out, interp_count) = best(|io| {
            dotvm_vm::run_hosted(&module, &limits, io, &mut Host::default(), None, None)
                .expect("the interpreter runs the loop")
        });
        let compiled = dotvm_jit::compile(&module).map_err(|e| e.to_string())?;
        let (jit, jit_out, jit_count) = best(|io| {
            compiled
                .run(&module, &limits, io, &mut Host::default(), None)
                .expect("the JIT runs the loop")
        });
        if (jit_out.as_str(), jit_count) != (interp_out.as_str(), interp_count) {
            return Err(format!(
                "{arch}: the engines disagree: {jit_out} after {jit_count} against \
                 {interp_out} after {interp_count}"
            ));
        }
        println!(
            "{:<8} {:>9.1} {:>8.1} {:>12.2}",
            arch.to_string(),
            interp.as_secs_f64() * 1e3,
            jit.as_secs_f64() * 1e3,
            interp.as_secs_f64() / jit.as_secs_f64()
        );
    }
    Ok(())
}
