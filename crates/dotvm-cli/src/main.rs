//! The `dotvm` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    dotvm_cli::execute(&dotvm_cli::cli::Cli::parse())
}
