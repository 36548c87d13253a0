//! `dotvm debug`: a source-level debugger over the precise interpreter. It runs the
//! program as `dotvm run` does (same inputs, flags, capabilities and state store; a run
//! stopped in the debugger commits nothing), with Rust built unoptimised and `.dasm`
//! assembled with a line table, and stops it for commands (see [`command::HELP`]).

mod command;
mod session;
mod values;

use crate::cli::DebugArgs;
use crate::commands::run::{Observer, RunEnd, execute_observed};
use crate::driver::BuildOptions;
use anyhow::{Context, Result, anyhow};
use dotvm_core::Module;
use dotvm_vm::{Inspector, Io};
use dotvm_wasm::variables::Variables;
use session::{Debugger, Input};
use std::io::{IsTerminal, Read, Write};

/// Runs the program under the debugger.
pub fn execute(args: &DebugArgs) -> Result<RunEnd> {
    let mut observer = DebugObserver {
        program_input: args.program_input.clone(),
        debugger: None,
    };
    execute_observed(&args.run, Some(&mut observer))
}

/// Builds the debugger once the module is known.
struct DebugObserver {
    program_input: Option<std::path::PathBuf>,
    debugger: Option<Debugger>,
}

impl Observer for DebugObserver {
    fn build(&self, options: &mut BuildOptions) {
        options.opt_level = 0;
        options.debug = true;
        options.line_table = true;
    }

    fn interactive(&self) -> bool {
        true
    }

    fn wants_variables(&self) -> bool {
        true
    }

    fn start(&mut self, module: &Module, variables: Option<Variables>) -> Result<()> {
        let input = if std::io::stdin().is_terminal() {
            let editor = rustyline::DefaultEditor::new()
                .map_err(|e| anyhow!("cannot start the line editor: {e}"))?;
            Input::Terminal(Box::new(editor))
        } else {
            Input::Script(Box::new(std::io::BufReader::new(std::io::stdin())))
        };
        self.debugger = Some(Debugger::new(
            module.clone(),
            variables,
            input,
            Box::new(std::io::stdout()),
        ));
        Ok(())
    }

    fn inspector(&mut self) -> &mut dyn Inspector {
        self.debugger
            .as_mut()
            .expect("the run calls `start` before it asks for the inspector")
    }

    fn io(&mut self) -> Result<Option<Box<dyn Io>>> {
        let input: Box<dyn Read> = match &self.program_input {
            Some(path) => Box::new(
                std::fs::File::open(path)
                    .with_context(|| format!("cannot open --program-input {}", path.display()))?,
            ),
            None => Box::new(std::io::empty()),
        };
        Ok(Some(Box::new(DebuggedIo { input })))
    }
}

/// The debugged program's streams: its output goes straight to the process's (flushed at
/// once, so it interleaves with the debugger's), its input comes from a file or is empty.
struct DebuggedIo {
    input: Box<dyn Read>,
}

impl Io for DebuggedIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}
