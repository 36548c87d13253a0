//! `dotvm keygen` and `dotvm sign`: make a key pair, sign a program.

use crate::cli::{KeygenArgs, SignArgs};
use crate::program::load_module;
use crate::signing::{self, signer_id};
use anyhow::{Context, Result};
use dotvm_core::format::write_module;

/// Writes NAME.key and NAME.pub.
pub fn keygen(args: &KeygenArgs) -> Result<()> {
    let (secret, public) = signing::keygen(&args.output)?;
    let key = signing::read_public_key(&public)?;
    println!(
        "wrote {} (secret, mode 0600) and {} ({})",
        secret.display(),
        public.display(),
        signer_id(&key.key)
    );
    Ok(())
}

/// Signs the program and writes the signed bytecode.
pub fn sign(args: &SignArgs) -> Result<()> {
    let seed = signing::read_secret_key(&args.key)?;
    let module = load_module(&args.file, None)?;
    let signed = signing::sign(&module, &seed)?;
    let bytes = write_module(&signed);
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let signer = signed.signature.map(|s| signer_id(&s.public_key));
    println!(
        "{}: signed by {} ({} bytes)",
        args.output.display(),
        signer.unwrap_or_default(),
        bytes.len()
    );
    Ok(())
}
