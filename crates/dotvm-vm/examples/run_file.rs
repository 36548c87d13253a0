//! Runs a bytecode file in the interpreter with the benchmark's deterministic host (stdio,
//! a seeded random source, a virtual clock) and no instruction limit: a small binary to
//! measure the engine with `valgrind --tool=callgrind` (instruction counts do not depend
//! on the machine's load) without building the whole command-line tool.
//!
//! `cargo build --release -p dotvm-vm --example run_file && valgrind --tool=callgrind
//! target/release/examples/run_file prog.dotvm` (add `--features op-pairs` and set
//! `DOTVM_OP_PAIRS=FILE` to count op pairs).

use dotvm_core::Verified;
use dotvm_core::format::read_module;
use dotvm_vm::{Capabilities, ClockSource, Host, Limits, RandomSource, StdIo};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: run_file FILE.dotvm");
        std::process::exit(2);
    };
    let code = match run(&path) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("run_file: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// Runs the file; returns its exit code.
fn run(path: &str) -> Result<i32, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let module = read_module(&bytes).map_err(|e| e.to_string())?;
    let program = Verified::new(module).map_err(|e| e.to_string())?;
    let mut host = Host::new(Capabilities {
        clock: Some(ClockSource::Virtual { start_nanos: 0 }),
        random: Some(RandomSource::Seeded(0)),
        ..Capabilities::default()
    })
    .map_err(|e| e.to_string())?;
    let limits = Limits {
        instructions: u64::MAX,
        ..Limits::default()
    };
    let outcome = dotvm_vm::run_hosted(&program, &limits, &mut StdIo, &mut host, None, None)
        .map_err(|e| e.to_string())?;
    eprintln!("{} instructions", outcome.instructions);
    Ok(outcome.exit_code)
}
