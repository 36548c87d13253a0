//! Times whole runs of one bytecode file, loaded and compiled once: `runs` runs in the
//! compiled tier (`Compiled::run`) and `runs` in the interpreter (`dotvm_vm::run_loaded`),
//! each with a fresh host (the benchmark's deterministic one), and prints each engine's
//! median and fastest run. A small binary to profile what a run costs besides the program
//! itself (machine set-up and tear-down) with `perf record`, without the compile time.
//!
//! `cargo build --release -p dotvm-jit --example run_cost &&
//! target/release/examples/run_cost prog.dotvm [RUNS]`

use dotvm_core::Verified;
use dotvm_core::format::read_module;
use dotvm_vm::{BufferIo, Capabilities, ClockSource, Host, Limits, LoadedModule, RandomSource};
use std::time::{Duration, Instant};

/// The benchmark's deterministic host: stdio, a seeded random source, a virtual clock.
fn host() -> Result<Host, String> {
    Host::new(Capabilities {
        clock: Some(ClockSource::Virtual { start_nanos: 0 }),
        random: Some(RandomSource::Seeded(0)),
        ..Capabilities::default()
    })
    .map_err(|e| e.to_string())
}

/// The median and the fastest of `runs` timings of `run`.
fn timed(
    runs: usize,
    mut run: impl FnMut() -> Result<(), String>,
) -> Result<(Duration, Duration), String> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[0]))
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: run_cost FILE.dotvm [RUNS]")?;
    let runs = match args.next() {
        Some(n) => n.parse().map_err(|e| format!("runs: {e}"))?,
        None => 100usize,
    }
    .max(1);
    let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let module = read_module(&bytes).map_err(|e| e.to_string())?;
    let program = Verified::new(module).map_err(|e| e.to_string())?;
    let loaded = LoadedModule::load(&program).map_err(|e| e.to_string())?;
    let compiled = dotvm_jit::compile_loaded(&loaded).map_err(|e| e.to_string())?;
    let limits = Limits {
        instructions: u64::MAX,
        ..Limits::default()
    };
    let mut last = (Vec::new(), Vec::new());
    let jit = timed(runs, || {
        let mut io = BufferIo::default();
        compiled
            .run(&program, &limits, &mut io, &mut host()?, None)
            .map_err(|e| e.to_string())?;
        last.0 = io.output;
        Ok(())
    })?;
    let interp = timed(runs, || {
        let mut io = BufferIo::default();
        dotvm_vm::run_loaded(&loaded, &limits, &mut io, &mut host()?, None, None)
            .map_err(|e| e.to_string())?;
        last.1 = io.output;
        Ok(())
    })?;
    if last.0 != last.1 {
        return Err("the engines' outputs differ".into());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{runs} runs of {path}: median (fastest) ms");
    println!("  jit    {:.3} ({:.3})", ms(jit.0), ms(jit.1));
    println!("  interp {:.3} ({:.3})", ms(interp.0), ms(interp.1));
    Ok(())
}
