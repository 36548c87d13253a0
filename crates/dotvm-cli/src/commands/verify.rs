//! `dotvm verify`: check a file without running it.

use crate::cli::VerifyArgs;
use crate::program::load_module;
use crate::signing::{self, signer_id};
use anyhow::{Result, anyhow};
use dotvm_core::Verified;

/// Loads the file, checks its signature (against the trusted keys when given) and verifies
/// it, printing a one-line summary.
pub fn execute(args: &VerifyArgs) -> Result<()> {
    let module = load_module(&args.file, None)?;
    let trusted = signing::trusted_keys(&args.trusted_keys)?;
    let file = args.file.display();
    let signed = if trusted.is_empty() {
        match module.signature {
            Some(_) => {
                let signer =
                    signing::check_signature(&module).map_err(|e| anyhow!("{file}: {e}"))?;
                format!(", signed by {}", signer_id(&signer))
            }
            None => String::new(),
        }
    } else {
        let key = signing::check_trusted(&module, &trusted).map_err(|e| anyhow!("{file}: {e}"))?;
        format!(", signed by {} ({})", key.name, signer_id(&key.key))
    };
    let verified =
        Verified::new(module).map_err(|e| anyhow!("{file}: verification failed: {e}"))?;
    let module = verified.module();
    println!(
        "{file}: ok ({}, {} function{}, entry {}{signed})",
        module.arch,
        module.functions.len(),
        if module.functions.len() == 1 { "" } else { "s" },
        module.function_label(module.entry)
    );
    Ok(())
}
