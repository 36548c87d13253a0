//! `dotvm run --step`: an interactive inspector that stops before every instruction.

use crate::trace::{format_top, format_word};
use dotvm_vm::{Control, Inspector, MachineView};
use std::io::{BufRead, Write};

/// The help text shown by `h`.
const HELP: &str = "\
commands:
  <Enter>, n      execute this instruction and stop at the next
  s               show the operand stack and the locals
  i               show the machine state (function, pc, depth, counts, memory size)
  m ADDR [LEN]    dump LEN bytes of memory at ADDR (decimal or 0x hex; LEN defaults to 64)
  c               continue to the end without stopping
  q               quit (the program does not finish)
  h               this help";

/// The most memory one `m` command prints.
const MAX_DUMP: usize = 4096;

/// Reads debugger commands from `input` and writes its output to `out`.
pub struct Stepper<R: BufRead, W: Write> {
    input: R,
    out: W,
    running_free: bool,
}

impl<R: BufRead, W: Write> Stepper<R, W> {
    /// A stepper reading commands from `input`.
    pub fn new(input: R, out: W) -> Stepper<R, W> {
        Stepper {
            input,
            out,
            running_free: false,
        }
    }

    /// Handles one command line; `Some` ends the prompt loop with that decision.
    fn command(&mut self, line: &str, view: &MachineView<'_>) -> Option<Control> {
        let mut words = line.split_whitespace();
        match words.next() {
            None | Some("n") => Some(Control::Continue),
            Some("c") => {
                self.running_free = true;
                Some(Control::Continue)
            }
            Some("q") => Some(Control::Stop),
            Some("s") => {
                let operands = view.operands();
                let locals = view.locals();
                self.say(&format!(
                    "operands ({}): {}\nlocals ({}): {}",
                    operands.len(),
                    format_top(&operands, usize::MAX),
                    locals.len(),
                    format_top(&locals, usize::MAX)
                ));
                None
            }
            Some("i") => {
                self.say(&format!(
                    "function {} ({}), pc {}, call depth {}, {} instructions executed, \
                     memory {} bytes, {}-bit words",
                    view.function_label(),
                    view.func(),
                    view.pc(),
                    view.call_depth(),
                    view.instructions(),
                    view.memory().len(),
                    view.word_bits()
                ));
                None
            }
            Some("m") => {
                let text = match parse_dump(words.next(), words.next()) {
                    Ok((addr, len)) => dump(view.memory(), addr, len),
                    Err(message) => message,
                };
                self.say(&text);
                None
            }
            Some("h") => {
                self.say(HELP);
                None
            }
            Some(other) => {
                self.say(&format!("unknown command `{other}` (h for help)"));
                None
            }
        }
    }

    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }
}

impl<R: BufRead, W: Write> Inspector for Stepper<R, W> {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        if self.running_free {
            return Control::Continue;
        }
        let here = format!(
            "{} pc {}: {}   stack {}",
            view.function_label(),
            view.pc(),
            view.instruction(),
            format_top(&view.operands(), 4)
        );
        self.say(&here);
        loop {
            let _ = write!(self.out, "(dotvm) ");
            let _ = self.out.flush();
            let mut line = String::new();
            match self.input.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    // End of the command stream: let the program run to its end.
                    self.say("\n(end of debugger input: continuing)");
                    self.running_free = true;
                    return Control::Continue;
                }
                Ok(_) => {
                    if let Some(decision) = self.command(line.trim(), view) {
                        return decision;
                    }
                }
            }
        }
    }
}

/// Parses `m ADDR [LEN]` arguments.
fn parse_dump(addr: Option<&str>, len: Option<&str>) -> Result<(usize, usize), String> {
    let number = |text: &str| {
        let parsed = match text.strip_prefix("0x") {
            Some(hex) => usize::from_str_radix(hex, 16),
            None => text.parse(),
        };
        parsed.map_err(|_| format!("`{text}` is not a number (decimal or 0x hex)"))
    };
    let addr = number(addr.ok_or("usage: m ADDR [LEN]")?)?;
    let len = len.map(number).transpose()?.unwrap_or(64).min(MAX_DUMP);
    Ok((addr, len))
}

/// A hex dump of `memory[addr..addr + len]`, 16 bytes a line, clipped to memory.
fn dump(memory: &[u8], addr: usize, len: usize) -> String {
    if addr >= memory.len() {
        return format!(
            "address {} is outside memory ({} bytes)",
            format_word(&dotvm_core::Imm::from(addr as u64)),
            memory.len()
        );
    }
    let end = addr.saturating_add(len).min(memory.len());
    memory[addr..end]
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:#010x}  {:<47}  {text}", addr + i * 16, hex.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_arguments_parse_and_clip() {
        assert_eq!(parse_dump(Some("0x10"), None), Ok((16, 64)));
        assert_eq!(parse_dump(Some("8"), Some("1000000")), Ok((8, MAX_DUMP)));
        assert!(parse_dump(None, None).is_err());
        assert!(parse_dump(Some("zz"), None).is_err());
    }

    #[test]
    fn dump_shows_hex_and_text() {
        let memory = b"Hello, DotVM!\0\0\0more";
        let text = dump(memory, 0, 20);
        assert!(text.starts_with("0x00000000  48 65 6c 6c 6f"));
        assert!(text.contains("Hello, DotVM!..."));
        assert!(dump(memory, 100, 4).contains("outside memory"));
    }
}
