//! `dotvm verify`: check a file without running it.

use crate::cli::FileArg;
use crate::program::load_verified;
use anyhow::Result;

/// Loads and verifies the file, printing a one-line summary.
pub fn execute(args: &FileArg) -> Result<()> {
    let verified = load_verified(&args.file, None)?;
    let module = verified.module();
    println!(
        "{}: ok ({}, {} function{}, entry {})",
        args.file.display(),
        module.arch,
        module.functions.len(),
        if module.functions.len() == 1 { "" } else { "s" },
        module.function_label(module.entry)
    );
    Ok(())
}
