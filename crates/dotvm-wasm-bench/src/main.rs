//! The comparative benchmark: Rust workloads compiled to wasm32-wasip1 and run under DotVM
//! (translated by `dotvm-wasm`; interpreted, and compiled by `dotvm-jit`), under wasmi 2
//! and natively, side by side in one process. Every engine's output must agree with the
//! native output. Each engine's preparation runs once, outside its timed runs, and is
//! reported beside them: wasmi compiles the module (eagerly), DotVM loads it (plain code
//! and register form), the JIT compiles it. The report gives each workload's times, the
//! ratios DotVM/wasmi, DotVM/native, JIT/wasmi and JIT/native with their geometric means,
//! the JIT's compile time per megabyte of bytecode, and the transpile time and peak memory
//! of the largest workload.
//!
//! `cargo run --release -p dotvm-wasm-bench [-- --runs N] [-- NAME...]`

mod alloc;
mod dotvm;
mod wasmi_host;
mod workloads;

use anyhow::{Result, bail};
use dotvm_cli::driver::{BuildOptions, InputKind, wasm_of};
use std::time::{Duration, Instant};
use workloads::Workload;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// The measurements of one workload.
struct Row {
    name: &'static str,
    kind: &'static str,
    wasm_bytes: usize,
    native: Duration,
    wasmi: Duration,
    /// Time of a run of the loaded program (the interpreter).
    dotvm: Duration,
    /// Time to load the program for the interpreter (plain code and register form).
    dotvm_load: Duration,
    /// Time of a run of the JIT-compiled code.
    jit: Duration,
    /// Time to compile the workload's bytecode with the JIT.
    jit_compile: Duration,
    /// Bytes of bytecode the JIT compiled.
    bytecode_bytes: usize,
    agree: bool,
}

/// The median of `runs` timings of `f`, and its last result.
fn median<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Duration, T)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = f()?;
        times.push(start.elapsed());
        last = Some(value);
    }
    times.sort();
    let value = last.expect("at least one run");
    Ok((times[times.len() / 2], value))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn geomean(values: &[f64]) -> f64 {
    (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp()
}

/// Options from the command line.
struct Options {
    runs: usize,
    only: Vec<String>,
}

fn options() -> Result<Options> {
    let mut options = Options {
        runs: 3,
        only: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                options.runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                if options.runs == 0 {
                    bail!("--runs takes a positive number");
                }
            }
            "-h" | "--help" => {
                println!(
                    "usage: dotvm-wasm-bench [--runs N] [WORKLOAD...]\nworkloads: {}",
                    workloads::ALL
                        .iter()
                        .map(|w| w.name)
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                std::process::exit(0);
            }
            name => options.only.push(name.to_string()),
        }
    }
    Ok(options)
}

/// Compiles, runs and compares one workload.
fn measure(workload: &Workload, wasm: &[u8], runs: usize) -> Result<Row> {
    let (native, native_out) = median(runs, || Ok((workload.native)()))?;
    let prepared = wasmi_host::prepare(wasm)?;
    let (wasmi, (wasmi_code, wasmi_out)) = median(runs, || wasmi_host::run(&prepared))?;
    let program = dotvm::translate(wasm)?.program;
    let (dotvm_load, loaded) = median(runs, || dotvm::load(&program))?;
    let (dotvm, (dotvm_code, dotvm_out)) = median(runs, || dotvm::run(&loaded))?;
    let (jit_compile, compiled) = median(runs, || dotvm::compile(&program))?;
    let (jit, (jit_code, jit_out)) = median(runs, || dotvm::run_jit(&compiled, &program))?;
    let agree = wasmi_code == 0
        && dotvm_code == 0
        && jit_code == 0
        && wasmi_out == native_out.as_bytes()
        && dotvm_out == native_out.as_bytes()
        && jit_out == native_out.as_bytes();
    if !agree {
        eprintln!(
            "{}: outputs differ\n  native: {native_out:?}\n  wasmi ({wasmi_code}): {:?}\n  dotvm ({dotvm_code}): {:?}\n  jit ({jit_code}): {:?}",
            workload.name,
            String::from_utf8_lossy(&wasmi_out),
            String::from_utf8_lossy(&dotvm_out),
            String::from_utf8_lossy(&jit_out)
        );
    }
    Ok(Row {
        name: workload.name,
        kind: workload.kind,
        wasm_bytes: wasm.len(),
        native,
        wasmi,
        dotvm,
        dotvm_load,
        jit,
        jit_compile,
        bytecode_bytes: compiled.bytecode_bytes(),
        agree,
    })
}

fn main() -> Result<()> {
    let options = options()?;
    let selected: Vec<&Workload> = workloads::ALL
        .iter()
        .filter(|w| options.only.is_empty() || options.only.iter().any(|n| n == w.name))
        .collect();
    if selected.is_empty() {
        bail!("no workload matches {:?}", options.only);
    }
    let build = BuildOptions {
        opt_level: 3,
        target_dir: Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/dotvm-wasm-bench"),
        ),
        ..BuildOptions::default()
    };
    println!(
        "DotVM vs wasmi 2.0.0 vs native: {} workloads, rustc -C opt-level=3 for wasm32-wasip1 \
         (the simd workload with -C target-feature=+simd128), DotVM translator opt-level 3, \
         median of {} runs\n",
        selected.len(),
        options.runs
    );
    let mut rows = Vec::new();
    let mut largest: Option<(&Workload, Vec<u8>)> = None;
    for workload in selected {
        let workload_build = BuildOptions {
            simd: workload.simd,
            ..build.clone()
        };
        let wasm = wasm_of(&workload.source(), InputKind::RustFile, &workload_build)?;
        let row = measure(workload, &wasm, options.runs)?;
        println!(
            "  {:<11} {:>9.2} ms native {:>9.2} ms wasmi {:>9.2} ms DotVM (+{:.1} ms load) {:>9.2} ms JIT (+{:.1} ms compile){}",
            row.name,
            ms(row.native),
            ms(row.wasmi),
            ms(row.dotvm),
            ms(row.dotvm_load),
            ms(row.jit),
            ms(row.jit_compile),
            if row.agree { "" } else { "  OUTPUT MISMATCH" }
        );
        if largest.as_ref().is_none_or(|(_, w)| wasm.len() > w.len()) {
            largest = Some((workload, wasm));
        }
        rows.push(row);
    }
    println!();
    println!(
        "| workload | exercises | wasm bytes | native ms | wasmi ms | DotVM ms | DotVM load ms | JIT ms | JIT compile ms | DotVM/wasmi | DotVM/native | JIT/wasmi | JIT/native | output |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {} |",
            row.name,
            row.kind,
            row.wasm_bytes,
            ms(row.native),
            ms(row.wasmi),
            ms(row.dotvm),
            ms(row.dotvm_load),
            ms(row.jit),
            ms(row.jit_compile),
            ms(row.dotvm) / ms(row.wasmi),
            ms(row.dotvm) / ms(row.native),
            ms(row.jit) / ms(row.wasmi),
            ms(row.jit) / ms(row.native),
            if row.agree { "agrees" } else { "MISMATCH" }
        );
    }
    let vs_wasmi: Vec<f64> = rows.iter().map(|r| ms(r.dotvm) / ms(r.wasmi)).collect();
    let vs_native: Vec<f64> = rows.iter().map(|r| ms(r.dotvm) / ms(r.native)).collect();
    let jit_wasmi: Vec<f64> = rows.iter().map(|r| ms(r.jit) / ms(r.wasmi)).collect();
    let jit_native: Vec<f64> = rows.iter().map(|r| ms(r.jit) / ms(r.native)).collect();
    let compile_ms: f64 = rows.iter().map(|r| ms(r.jit_compile)).sum();
    let compiled_mb: f64 = rows.iter().map(|r| r.bytecode_bytes as f64).sum::<f64>() / 1e6;
    println!(
        "\ngeometric mean: DotVM/wasmi {:.2}, DotVM/native {:.1}; JIT/wasmi {:.2}, JIT/native {:.2}\n\
         JIT compile time: {:.1} ms for {:.3} MB of bytecode ({:.0} ms/MB)",
        geomean(&vs_wasmi),
        geomean(&vs_native),
        geomean(&jit_wasmi),
        geomean(&jit_native),
        compile_ms,
        compiled_mb,
        compile_ms / compiled_mb
    );
    if let Some((workload, wasm)) = largest {
        let (time, translation) = median(options.runs, || dotvm::translate(&wasm))?;
        println!(
            "\nlargest workload: {} ({} wasm bytes -> {} bytecode bytes, {} functions)\n  \
             transpile (validate, translate, optimise, verify) {:.1} ms, peak heap during transpile {:.1} MiB\n  \
             peak guest linear memory during its run {:.1} MiB, process peak RSS {:.1} MiB",
            workload.name,
            wasm.len(),
            translation.bytecode_bytes,
            translation.functions,
            ms(time),
            translation.peak_heap as f64 / (1 << 20) as f64,
            dotvm::peak_guest_memory(&translation.program)? as f64 / (1 << 20) as f64,
            peak_rss_kib().unwrap_or(0) as f64 / 1024.0
        );
    }
    if rows.iter().any(|r| !r.agree) {
        bail!("some outputs disagree");
    }
    Ok(())
}

/// The process's peak resident set (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
