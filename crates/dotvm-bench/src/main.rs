//! DotVM benchmarks: a tight counting loop run by the interpreter, next to the same loop in
//! native Rust as a reference.
//!
//! `cargo run --release -p dotvm-bench -- [--iterations N] [--runs N]`

use dotvm_core::instruction::Operand;
use dotvm_core::module::{Function, Memory};
use dotvm_core::verify::required_max_stack;
use dotvm_core::{Imm, Instruction, Module, Opcode, Verified};
use dotvm_vm::{BufferIo, Limits};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Command-line settings.
struct Settings {
    /// Loop iterations per run.
    iterations: u64,
    /// Timed runs; the median is reported.
    runs: usize,
}

/// Parses `--iterations N` and `--runs N`.
fn parse_args() -> Result<Settings, String> {
    let mut settings = Settings {
        iterations: 100_000_000,
        runs: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| {
            value
                .parse::<u64>()
                .map_err(|e| format!("{what} `{value}`: {e}"))
        };
        match flag.as_str() {
            "--iterations" => settings.iterations = number("--iterations")?.max(1),
            "--runs" => settings.runs = number("--runs")?.max(1) as usize,
            _ => {
                return Err(format!(
                    "unknown argument `{flag}` (expected --iterations, --runs)"
                ));
            }
        }
    }
    Ok(settings)
}

/// The loop `do { i += 1 } while i < n`, written the way a stack compiler emits it:
/// `LOCAL_GET 0; PUSH 1; ADD; LOCAL_TEE 0; PUSH n; LT_U; JNZ loop`, then returns 0.
fn counting_loop(iterations: u64) -> Result<Verified, String> {
    let with = |opcode, operand| Instruction { opcode, operand };
    let body = [
        with(Opcode::LocalGet, Operand::Index(0)),
        with(Opcode::Push, Operand::Imm(Imm::from(1u64))),
        Instruction::simple(Opcode::Add),
        with(Opcode::LocalTee, Operand::Index(0)),
        with(Opcode::Push, Operand::Imm(Imm::from(iterations))),
        Instruction::simple(Opcode::LtU),
        with(Opcode::Jnz, Operand::Target(0)),
        with(Opcode::Push, Operand::Imm(Imm::ZERO)),
        Instruction::simple(Opcode::Ret),
    ];
    let mut code = Vec::new();
    for instruction in &body {
        instruction.encode(&mut code);
    }
    let mut module = Module {
        functions: vec![Function {
            params: 0,
            results: 1,
            locals: 1,
            max_stack: 0,
            code,
            ..Default::default()
        }],
        memory: Memory::default(),
        ..Module::default()
    };
    module.functions[0].max_stack = required_max_stack(&module, 0).map_err(|e| e.to_string())?;
    Verified::new(module).map_err(|e| e.to_string())
}

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The same loop in native Rust, kept honest with `black_box`.
fn native_loop(iterations: u64) -> u64 {
    let mut i = 0u64;
    loop {
        i = black_box(i) + 1;
        if i >= black_box(iterations) {
            return i;
        }
    }
}

/// Runs the benchmark and prints its figures.
fn bench(settings: &Settings) -> Result<(), String> {
    let program = counting_loop(settings.iterations)?;
    let limits = Limits::default();
    let mut dotvm_times = Vec::with_capacity(settings.runs);
    let mut instructions = 0;
    for _ in 0..settings.runs {
        let mut io = BufferIo::default();
        let start = Instant::now();
        let outcome = dotvm_vm::run(&program, &limits, &mut io).map_err(|e| e.to_string())?;
        dotvm_times.push(start.elapsed());
        instructions = outcome.instructions;
    }
    let mut native_times = Vec::with_capacity(settings.runs);
    for _ in 0..settings.runs {
        let start = Instant::now();
        black_box(native_loop(black_box(settings.iterations)));
        native_times.push(start.elapsed());
    }
    let dotvm = median(dotvm_times);
    let native = median(native_times);
    let seconds = dotvm.as_secs_f64();
    println!(
        "counting loop: {} iterations, {} runs (median)",
        settings.iterations, settings.runs
    );
    println!("  DotVM instructions executed: {instructions}");
    println!("  DotVM wall time:             {:.3} ms", seconds * 1e3);
    println!(
        "  DotVM instructions/second:   {:.1} million",
        instructions as f64 / seconds / 1e6
    );
    println!(
        "  DotVM ns/instruction:        {:.3}",
        seconds * 1e9 / instructions as f64
    );
    println!(
        "  native Rust loop:            {:.3} ms",
        native.as_secs_f64() * 1e3
    );
    println!(
        "  DotVM / native time:         {:.1}x",
        seconds / native.as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|settings| bench(&settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dotvm-bench: {message}");
            ExitCode::FAILURE
        }
    }
}
