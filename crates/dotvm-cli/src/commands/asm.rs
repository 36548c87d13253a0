//! `dotvm asm`: assemble text into bytecode.

use crate::cli::AsmArgs;
use anyhow::{Context, Result, anyhow};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::write_module;
use dotvm_core::verify::verify;

/// Assembles, verifies and writes the output file.
pub fn execute(args: &AsmArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let options = AsmOptions {
        arch: args.arch,
        line_table: args.line_table,
    };
    let module =
        assemble(&text, &args.input.display().to_string(), &options).map_err(|e| anyhow!("{e}"))?;
    verify(&module).map_err(|e| anyhow!("{}: verification failed: {e}", args.input.display()))?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.input.with_extension("dotvm"));
    std::fs::write(&output, write_module(&module))
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}
