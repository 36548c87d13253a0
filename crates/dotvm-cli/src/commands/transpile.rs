//! `dotvm transpile`: Rust, Cargo projects and WebAssembly to DotVM bytecode.

use crate::cli::TranspileArgs;
use crate::driver::{BuildOptions, InputKind, translate_wasm, wasm_of};
use anyhow::{Context, Result, anyhow, bail};
use dotvm_core::format::write_module;
use dotvm_core::verify::verify;
use std::time::Instant;

/// The build settings the flags ask for.
pub fn build_options(args: &TranspileArgs) -> BuildOptions {
    BuildOptions {
        arch: args.arch,
        opt_level: args.build.opt_level,
        debug: !args.strip,
        verbose: args.verbose && !args.build.quiet,
        quiet: args.build.quiet || args.json,
        keep_intermediate: args.build.keep_intermediate,
        target_dir: args.build.target_dir.clone(),
        line_table: false,
        simd: args.build.simd,
    }
}

/// Builds, translates, verifies and writes the output file.
pub fn execute(args: &TranspileArgs) -> Result<()> {
    let input = &args.input;
    let kind = InputKind::of(input)?;
    if !kind.is_wasm_based() {
        bail!(
            "{}: transpile takes a .rs file, a Cargo project, a .wasm or a .wat file \
             (use `dotvm asm` for .dasm)",
            input.display()
        );
    }
    let options = build_options(args);
    let start = Instant::now();
    let wasm = wasm_of(input, kind, &options)?;
    let built = start.elapsed();
    let module =
        translate_wasm(&wasm, &options).map_err(|e| anyhow!("{}: {e}", input.display()))?;
    let translated = start.elapsed();
    verify(&module).map_err(|e| anyhow!("{}: verification failed: {e}", input.display()))?;
    let bytes = write_module(&module);
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let code: usize = module.functions.iter().map(|f| f.code.len()).sum();
    if args.json {
        let rows = module
            .debug
            .as_ref()
            .map_or(0, |d| d.source_map.entries.len());
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        println!(
            "{}",
            serde_json::json!({
                "input": input.display().to_string(),
                "kind": kind.describe(),
                "output": args.output.display().to_string(),
                "arch": module.arch.name(),
                "wasm_bytes": wasm.len(),
                "bytecode_bytes": bytes.len(),
                "functions": module.functions.len(),
                "code_bytes": code,
                "source_map_rows": rows,
                "build_ms": ms(built),
                "translate_ms": ms(translated - built),
                "total_ms": ms(start.elapsed()),
            })
        );
    }
    if args.verbose {
        eprintln!(
            "dotvm: {} ({}) -> {}\n  wasm      {} bytes, built in {:.1} ms\n  \
             bytecode  {} bytes, {} functions ({code} code bytes), {}, translated in {:.1} ms\n  \
             total     {:.1} ms",
            input.display(),
            kind.describe(),
            args.output.display(),
            wasm.len(),
            built.as_secs_f64() * 1e3,
            bytes.len(),
            module.functions.len(),
            module.arch,
            (translated - built).as_secs_f64() * 1e3,
            start.elapsed().as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
