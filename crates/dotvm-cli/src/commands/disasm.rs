//! `dotvm disasm`: print bytecode as assembly text.

use crate::cli::DisasmArgs;
use crate::program::load_module;
use crate::signing::signer_id;
use anyhow::{Context, Result};
use dotvm_core::disasm::disassemble;
use std::io::Write;

/// Disassembles the input to stdout or the output file. A signed file's text starts with a
/// comment naming the signer; the signature itself does not round-trip through text.
pub fn execute(args: &DisasmArgs) -> Result<()> {
    let module = load_module(&args.input, None)?;
    let mut text = disassemble(&module);
    if let Some(signature) = &module.signature {
        // The text has no signature: assembling it gives the unsigned file, to sign again.
        text.insert_str(
            0,
            &format!(
                "; signed by {}; the signature is not part of the text (sign the assembled \
                 file again with `dotvm sign`)\n",
                signer_id(&signature.public_key)
            ),
        );
    }
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
