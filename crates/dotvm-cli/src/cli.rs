//! Command-line syntax of `dotvm` (clap definitions, help texts and examples).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// DotVM: a stack-based bytecode virtual machine.
#[derive(Debug, Parser)]
#[command(
    name = "dotvm",
    version,
    about = "DotVM: a stack-based bytecode virtual machine",
    after_help = "Examples:\n  dotvm run examples/hello.dasm\n  dotvm asm examples/fib_recursive.dasm -o fib.dotvm\n  dotvm run fib.dotvm --verbose\n  dotvm disasm fib.dotvm\n  dotvm inspect fib.dotvm --json\n\nExit status: the program's own exit code; 1 when the input cannot be read, assembled or\nverified; 2 for command-line mistakes; 70 when the program traps."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a program (`.dotvm` bytecode or `.dasm` assembly).
    #[command(
        after_help = "Examples:\n  dotvm run examples/hello.dasm\n  dotvm run --arch arch32 examples/fib_iterative.dasm\n  dotvm run prog.dotvm --max-instructions 1000000 --verbose\n  dotvm run prog.dotvm --debug 2> trace.txt\n  dotvm run prog.dotvm --step\n  echo 5 | dotvm run examples/echo.dasm\n\nIn --step mode the debugger reads its commands from standard input; the program then reads\nits own input from --input FILE (or sees end of input)."
    )]
    Run(RunArgs),
    /// Assemble `.dasm` text into `.dotvm` bytecode.
    #[command(
        after_help = "Examples:\n  dotvm asm examples/hello.dasm -o hello.dotvm\n  dotvm asm prog.dasm -o prog.dotvm --arch arch64 --line-table"
    )]
    Asm(AsmArgs),
    /// Print a bytecode file as assembly text that assembles back to the same bytes.
    #[command(
        after_help = "Examples:\n  dotvm disasm hello.dotvm\n  dotvm disasm hello.dotvm -o hello.dasm"
    )]
    Disasm(DisasmArgs),
    /// Check a bytecode file (format and verifier) without running it.
    #[command(after_help = "Examples:\n  dotvm verify hello.dotvm")]
    Verify(FileArg),
    /// Show a bytecode file's header, sections, functions, exports and sizes.
    #[command(
        after_help = "Examples:\n  dotvm inspect hello.dotvm\n  dotvm inspect hello.dotvm --json"
    )]
    Inspect(InspectArgs),
}

/// `dotvm run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The program: a `.dotvm` bytecode file or `.dasm` assembly.
    pub file: PathBuf,
    /// Arguments passed to the program (after `--`).
    #[arg(last = true)]
    pub args: Vec<String>,
    /// Architecture: assembles `.dasm` input for it (overriding `.arch`); bytecode must
    /// have been built for it.
    #[arg(short, long, value_name = "ARCH")]
    pub arch: Option<dotvm_core::Arch>,
    /// Stop with a trap after this many instructions.
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// Value-stack size in slots (all frames together).
    #[arg(long, value_name = "N")]
    pub stack_size: Option<usize>,
    /// Maximum call depth.
    #[arg(long, value_name = "N")]
    pub call_depth: Option<usize>,
    /// Maximum linear-memory size in bytes (suffixes K, M, G allowed: 64M).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub memory_limit: Option<u64>,
    /// Print every executed instruction (pc, mnemonic, top of stack) to stderr.
    #[arg(long)]
    pub debug: bool,
    /// Step through the program interactively (commands on stdin; `h` for help).
    #[arg(long, conflicts_with = "debug")]
    pub step: bool,
    /// With --step: the file the program reads as its standard input.
    #[arg(long, value_name = "FILE", requires = "step")]
    pub input: Option<PathBuf>,
    /// Print load and run statistics to stderr.
    #[arg(long, short)]
    pub verbose: bool,
    /// Make host inputs reproducible: randomness (`RANDOM`, sealed boxes) comes from a
    /// ChaCha20 stream with a fixed seed instead of the operating system.
    #[arg(long)]
    pub deterministic: bool,
}

/// `dotvm asm`.
#[derive(Debug, Args)]
pub struct AsmArgs {
    /// The assembly source.
    pub input: PathBuf,
    /// Where to write the bytecode (default: the input with a `.dotvm` extension).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Architecture, overriding the source's `.arch` directive.
    #[arg(short, long, value_name = "ARCH")]
    pub arch: Option<dotvm_core::Arch>,
    /// Record a pc-to-source-line table in the debug section.
    #[arg(long)]
    pub line_table: bool,
}

/// `dotvm disasm`.
#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// The bytecode file.
    pub input: PathBuf,
    /// Write the text here instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// A single input file.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The bytecode (`.dotvm`) or assembly (`.dasm`) file.
    pub file: PathBuf,
}

/// `dotvm inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bytecode (`.dotvm`) or assembly (`.dasm`) file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses a byte count with an optional K/M/G suffix (powers of 1024).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (digits, multiplier) = match trimmed.char_indices().last() {
        Some((i, 'k' | 'K')) => (&trimmed[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&trimmed[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&trimmed[..i], 1 << 30),
        _ => (trimmed, 1),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a byte count (examples: 65536, 64K, 16M, 1G)"))?;
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn byte_counts_parse_with_suffixes() {
        assert_eq!(parse_bytes("65536"), Ok(65536));
        assert_eq!(parse_bytes("64K"), Ok(65536));
        assert_eq!(parse_bytes("16m"), Ok(16 << 20));
        assert_eq!(parse_bytes("1G"), Ok(1 << 30));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("99999999999999G").is_err());
    }
}
