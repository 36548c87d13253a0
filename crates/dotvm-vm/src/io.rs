//! The host's standard streams as seen by system calls.

use std::io::{Read, Write};

/// Standard input and output for a run.
pub trait Io {
    /// Writes program output.
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Writes program error output (by default to the process's standard error).
    fn write_stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        std::io::stderr().lock().write_all(bytes)
    }
    /// Reads program input into `buf`, returning the count (0 at end of input).
    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Flushes buffered output.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process's own stdin and stdout.
#[derive(Debug, Default)]
pub struct StdIo;

impl Io for StdIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        std::io::stdout().lock().write_all(bytes)
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::io::stdin().lock().read(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().lock().flush()?;
        std::io::stderr().lock().flush()
    }
}

/// In-memory streams, for tests and embedders.
#[derive(Debug, Default, Clone)]
pub struct BufferIo {
    /// Bytes still to be read by the program.
    pub input: std::collections::VecDeque<u8>,
    /// Everything the program wrote to standard output.
    pub output: Vec<u8>,
    /// Everything the program wrote to standard error.
    pub errors: Vec<u8>,
}

impl BufferIo {
    /// Streams whose input is `input`.
    pub fn with_input(input: &[u8]) -> BufferIo {
        BufferIo {
            input: input.iter().copied().collect(),
            output: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The output as (lossy) UTF-8.
    pub fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }
}

impl Io for BufferIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.output.extend_from_slice(bytes);
        Ok(())
    }

    fn write_stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.errors.extend_from_slice(bytes);
        Ok(())
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}
