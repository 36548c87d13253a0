//! DotVM benchmarks (run in release):
//!
//! * `loop`: a tight Arch64 counting loop next to the same loop in native Rust;
//! * `arch`: the arithmetic loops `x = (x * a + b) * c mod m` (`mulmod`) and
//!   `x = x * a + b` (`muladd`) on every architecture, instructions per second and
//!   nanoseconds per instruction, next to native Rust;
//! * `revm`: those loops on Arch256 next to the equivalent EVM bytecode in revm's
//!   interpreter and native Rust, with the time ratio;
//! * `lanes`: the word-lane example `examples/lanes_dot.dasm` (a dot product) on every
//!   architecture, nanoseconds per element;
//! * `v128`: the simd128 lane code, portable lane loops next to x86-64 vector code,
//!   nanoseconds per operation (`docs/vectors.md`).
//!
//! `cargo run --release -p dotvm-bench -- [loop|arch|revm|lanes|v128|all]... [--iterations N]
//! [--runs N] [--kernel mulmod|muladd]... [--arch NAME]...`

mod arch_table;
mod arith;
mod cli;
mod counting;
mod evm;
mod lanes_dot;
mod timing;
mod v128_lanes;
mod versus_revm;

use cli::Bench;
use std::process::ExitCode;
use timing::{Clock, Plan};

/// The revm version the comparison links (the `revm-interpreter` crate of that release).
const REVM_VERSION: &str = "43";

/// Runs the chosen benchmarks in order, stopping at the first failure.
fn run(settings: &cli::Settings) -> Result<(), String> {
    let clock = Clock::detect();
    for (index, &bench) in settings.benches.iter().enumerate() {
        if index > 0 {
            println!();
        }
        let plan = Plan {
            iterations: settings.iterations_for(bench),
            runs: settings.runs,
            clock,
        };
        match bench {
            Bench::Loop => counting::bench(&plan)?,
            Bench::Arch => arch_table::bench(&settings.kernels, &settings.archs, &plan)?,
            Bench::Revm => versus_revm::bench(&settings.kernels, &plan)?,
            Bench::Lanes => lanes_dot::bench(&settings.archs, &plan)?,
            Bench::V128 => v128_lanes::bench(&plan)?,
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let settings = match cli::parse_args(std::env::args().skip(1)) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("dotvm-bench: {message}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dotvm-bench: {message}");
            ExitCode::FAILURE
        }
    }
}
