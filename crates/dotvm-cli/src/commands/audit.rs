//! `dotvm audit verify|show`: check and print an audit log.

use crate::audit;
use crate::cli::AuditCommand;
use anyhow::Result;

/// Runs one `dotvm audit` subcommand.
pub fn execute(command: &AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify { path } => {
            let verdict = audit::verify(path)?;
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
