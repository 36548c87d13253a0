//! The `dotvm` command-line tool as a library: argument definitions, subcommands and the
//! exit-status rules, so that the binary stays a thin `main`.

pub mod audit;
pub mod cli;
pub mod commands;
pub mod driver;
pub mod embedded;
pub mod program;
pub mod progress;
pub mod replay;
pub mod resources;
pub mod signing;
pub mod state;
pub mod stepper;
pub mod symbols;
pub mod trace;

use cli::{Cli, Command};
use commands::run::RunEnd;
use std::process::ExitCode;

/// Exit status when the input cannot be read, assembled or verified.
pub const EXIT_INVALID_INPUT: u8 = 1;
/// Exit status when the program traps.
pub const EXIT_TRAP: u8 = 70;
/// Exit status when the debugger's `q` stops the program before it finishes.
pub const EXIT_STOPPED: u8 = 130;

/// Runs one parsed command line and turns its result into the process exit status.
pub fn execute(cli: &Cli) -> ExitCode {
    let result = match &cli.command {
        Command::Run(args) => commands::run::execute(args),
        Command::Debug(args) => commands::debug::execute(args),
        Command::Profile(args) => commands::profile::execute(args),
        Command::Transpile(args) => commands::transpile::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Asm(args) => commands::asm::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Disasm(args) => commands::disasm::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Verify(args) => commands::verify::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Inspect(args) => commands::inspect::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Db(args) => commands::db::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Serve(args) => commands::serve::execute(args).map(|()| RunEnd::Exited(0)),
        Command::Keygen(args) => commands::sign::keygen(args).map(|()| RunEnd::Exited(0)),
        Command::Sign(args) => commands::sign::sign(args).map(|()| RunEnd::Exited(0)),
        Command::Audit(command) => commands::audit::execute(command).map(|()| RunEnd::Exited(0)),
        Command::Batch(args) => commands::batch::execute(args).map(|()| RunEnd::Exited(0)),
    };
    match result {
        // Like a native process, only the low 8 bits of the exit code reach the shell.
        Ok(RunEnd::Exited(code)) => ExitCode::from(code as u8),
        Ok(RunEnd::Trapped(report)) => {
            eprint!("{report}");
            ExitCode::from(EXIT_TRAP)
        }
        Ok(RunEnd::Stopped(stopped)) => {
            eprintln!(
                "stopped in {} at pc {} after {} instructions",
                stopped.function, stopped.pc, stopped.instructions
            );
            ExitCode::from(EXIT_STOPPED)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_INVALID_INPUT)
        }
    }
}
