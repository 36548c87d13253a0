//! `dotvm disasm`: print bytecode as assembly text.

use crate::cli::DisasmArgs;
use crate::program::load_module;
use anyhow::{Context, Result};
use dotvm_core::disasm::disassemble;
use std::io::Write;

/// Disassembles the input to stdout or the output file.
pub fn execute(args: &DisasmArgs) -> Result<()> {
    let module = load_module(&args.input, None)?;
    let text = disassemble(&module);
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("cannot write to stdout")?,
    }
    Ok(())
}
