//! Program I/O for a run that may be attempted more than once (a transaction on a shared
//! store that conflicts is run again): output is held until the commit decision, so the
//! output of an abandoned attempt is never shown, and input is recorded, so every attempt
//! reads the same bytes.

use dotvm_vm::Io;

/// Standard input read once and replayed to every attempt.
pub struct ReplayInput<'a> {
    source: &'a mut dyn Io,
    recorded: Vec<u8>,
}

impl<'a> ReplayInput<'a> {
    /// Input read from `source` (whose output functions are not used until
    /// [`Attempt::release`]).
    pub fn new(source: &'a mut dyn Io) -> ReplayInput<'a> {
        ReplayInput {
            source,
            recorded: Vec::new(),
        }
    }

    /// The I/O of one attempt: input from the start, no output yet.
    pub fn attempt(&mut self) -> Attempt<'_, 'a> {
        Attempt {
            input: self,
            position: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }
}

/// One attempt's I/O: replayed input, buffered output.
pub struct Attempt<'r, 'a> {
    input: &'r mut ReplayInput<'a>,
    position: usize,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Attempt<'_, '_> {
    /// Writes the attempt's output to the underlying streams (standard output first).
    pub fn release(self) -> std::io::Result<()> {
        let source = &mut *self.input.source;
        if !self.stdout.is_empty() {
            source.write_stdout(&self.stdout)?;
        }
        if !self.stderr.is_empty() {
            source.write_stderr(&self.stderr)?;
        }
        source.flush()
    }
}

impl Io for Attempt<'_, '_> {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stdout.extend_from_slice(bytes);
        Ok(())
    }

    fn write_stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stderr.extend_from_slice(bytes);
        Ok(())
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let recorded = &mut self.input.recorded;
        if self.position == recorded.len() {
            let read = self.input.source.read_stdin(buf)?;
            recorded.extend_from_slice(&buf[..read]);
            self.position += read;
            return Ok(read);
        }
        let count = buf.len().min(recorded.len() - self.position);
        buf[..count].copy_from_slice(&recorded[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dotvm_vm::BufferIo;

    #[test]
    fn attempts_read_the_same_input_and_only_released_output_appears() {
        let mut real = BufferIo::with_input(b"abcdef");
        let mut input = ReplayInput::new(&mut real);
        let mut first = input.attempt();
        let mut buf = [0; 4];
        assert_eq!(first.read_stdin(&mut buf).unwrap(), 4);
        first.write_stdout(b"lost").unwrap();
        drop(first);
        let mut second = input.attempt();
        let mut all = [0; 8];
        assert_eq!(second.read_stdin(&mut all).unwrap(), 4);
        assert_eq!(&all[..4], b"abcd");
        assert_eq!(second.read_stdin(&mut all).unwrap(), 2);
        assert_eq!(&all[..2], b"ef");
        second.write_stdout(b"kept").unwrap();
        second.write_stderr(b"note").unwrap();
        second.release().unwrap();
        assert_eq!(real.output, b"kept");
        assert_eq!(real.errors, b"note");
    }
}
