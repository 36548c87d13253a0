//! The host services a run reaches through the embedder: standard streams (system calls)
//! and randomness (`RANDOM`, sealed boxes).

use dotvm_crypto::random::{SeededRandom, fill_from_os};
use std::io::{Read, Write};

/// Standard input and output for a run, and the randomness the embedder grants it.
pub trait Io {
    /// Writes program output.
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads program input into `buf`, returning the count (0 at end of input).
    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Flushes buffered output.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    /// Fills `buf` with random bytes and returns `true`, or returns `false` (leaving `buf`
    /// alone) when the embedder grants the run no randomness, which is the default.
    fn fill_random(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        let _ = buf;
        Ok(false)
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
        std::io::stdout().lock().flush()
    }

    /// The operating system's secure generator.
    fn fill_random(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        fill_from_os(buf)?;
        Ok(true)
    }
}

impl<T: Io + ?Sized> Io for &mut T {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).write_stdout(bytes)
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (**self).read_stdin(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (**self).flush()
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        (**self).fill_random(buf)
    }
}

/// Another [`Io`] whose randomness is replaced by a seeded ChaCha20 stream, for
/// reproducible runs (`dotvm run --deterministic`) and tests: the same seed gives the same
/// bytes every run. Streams pass through to the inner `Io`.
#[derive(Debug)]
pub struct SeededIo<I> {
    /// The streams.
    pub inner: I,
    random: SeededRandom,
}

impl<I: Io> SeededIo<I> {
    /// `inner`'s streams with randomness from `seed`.
    pub fn new(inner: I, seed: [u8; 32]) -> SeededIo<I> {
        SeededIo {
            inner,
            random: SeededRandom::new(seed),
        }
    }
}

impl<I: Io> Io for SeededIo<I> {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_stdout(bytes)
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read_stdin(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> std::io::Result<bool> {
        self.random.fill(buf);
        Ok(true)
    }
}

/// In-memory streams, for tests and embedders.
#[derive(Debug, Default, Clone)]
pub struct BufferIo {
    /// Bytes still to be read by the program.
    pub input: std::collections::VecDeque<u8>,
    /// Everything the program wrote.
    pub output: Vec<u8>,
}

impl BufferIo {
    /// Streams whose input is `input`.
    pub fn with_input(input: &[u8]) -> BufferIo {
        BufferIo {
            input: input.iter().copied().collect(),
            output: Vec::new(),
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

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}
