//! `dotvm verify`: check a file without running it.

use crate::cli::VerifyArgs;
use crate::program::load_module;
use crate::signing::{self, signer_id};
use anyhow::{Result, anyhow};
use dotvm_core::Verified;
use serde_json::json;

/// Loads the file, checks its signature (against the trusted keys when given) and verifies
/// it, printing a one-line summary (with `--json`, a JSON object, also on failure).
pub fn execute(args: &VerifyArgs) -> Result<()> {
    let result = check(args);
    if args.json {
        let file = args.file.display().to_string();
        let value = match &result {
            Ok(summary) => json!({
                "file": file,
                "ok": true,
                "arch": summary.arch.name(),
                "functions": summary.functions,
                "entry": summary.entry,
                "signer": summary.signer,
            }),
            Err(error) => json!({"file": file, "ok": false, "error": format!("{error:#}")}),
        };
        println!("{value}");
    }
    let summary = result?;
    if !args.json {
        let signed = summary
            .signer
            .map(|s| format!(", signed by {s}"))
            .unwrap_or_default();
        println!(
            "{}: ok ({}, {} function{}, entry {}{signed})",
            args.file.display(),
            summary.arch,
            summary.functions,
            if summary.functions == 1 { "" } else { "s" },
            summary.entry
        );
    }
    Ok(())
}

/// What a successful check found.
struct Summary {
    arch: dotvm_core::Arch,
    functions: usize,
    entry: String,
    signer: Option<String>,
}

/// Loads, checks the signature and verifies.
fn check(args: &VerifyArgs) -> Result<Summary> {
    let module = load_module(&args.file, None)?;
    let trusted = signing::trusted_keys(&args.trusted_keys)?;
    let file = args.file.display();
    let signer = if trusted.is_empty() {
        match module.signature {
            Some(_) => {
                let signer =
                    signing::check_signature(&module).map_err(|e| anyhow!("{file}: {e}"))?;
                Some(signer_id(&signer))
            }
            None => None,
        }
    } else {
        let key = signing::check_trusted(&module, &trusted).map_err(|e| anyhow!("{file}: {e}"))?;
        Some(format!("{} ({})", key.name, signer_id(&key.key)))
    };
    let verified =
        Verified::new(module).map_err(|e| anyhow!("{file}: verification failed: {e}"))?;
    let module = verified.module();
    Ok(Summary {
        arch: module.arch,
        functions: module.functions.len(),
        entry: module.function_label(module.entry),
        signer,
    })
}
