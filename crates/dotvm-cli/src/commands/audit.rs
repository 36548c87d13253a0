//! `dotvm audit verify|show|rotate`: check, print and rotate an audit log.

use crate::audit;
use crate::cli::AuditCommand;
use anyhow::Result;

/// Runs one `dotvm audit` subcommand.
pub fn execute(command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Rotate { path } => {
            let renamed = audit::rotate(path)?;
            println!(
                "{} moved to {}; {} continues its chain",
                path.display(),
                renamed.display(),
                path.display()
            );
        }
        AuditCommand::Verify { path, after } => {
            let verdict = match after {
                Some(previous) => audit::verify_after(path, previous)?,
                None => audit::verify(path)?,
            };
            println!(
                "{}: ok, {} records, last hash {}",
                path.display(),
                verdict.records,
                verdict.last_hash
            );
            if let Some(prev) = verdict.continues {
                println!("(the first record continues a log whose last hash is {prev})");
            }
        }
        AuditCommand::Show { path, json } => {
            for record in audit::records(path)? {
                if *json {
                    println!("{record}");
                } else {
                    println!("{}", audit::describe(&record));
                }
            }
        }
    }
    Ok(())
}
