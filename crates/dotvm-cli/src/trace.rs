//! `dotvm run --debug`: an inspector that prints every executed instruction.

use dotvm_core::Imm;
use dotvm_vm::{Control, Inspector, MachineView, Slots};
use std::io::Write;

/// How many top-of-stack slots a trace line shows.
const TRACE_STACK_SLOTS: usize = 4;

/// Writes one line per executed instruction: depth, function, pc, instruction and the top
/// of the operand stack (top last).
pub struct Tracer<W: Write> {
    out: W,
}

impl<W: Write> Tracer<W> {
    /// A tracer writing to `out` (stderr for the CLI).
    pub fn new(out: W) -> Tracer<W> {
        Tracer { out }
    }
}

impl<W: Write> Inspector for Tracer<W> {
    fn before_instruction(&mut self, view: &MachineView<'_>) -> Control {
        let line = format!(
            "[{}] {} pc {:>5}  {:<24} stack {}",
            view.call_depth(),
            view.function_label(),
            view.pc(),
            view.instruction().to_string(),
            format_top(&view.operands(), TRACE_STACK_SLOTS)
        );
        // A closed stderr must not stop the program; the trace is best effort.
        let _ = writeln!(self.out, "{line}");
        Control::Continue
    }
}

/// Renders the top `count` slots as `[.., a, b]`, the top of the stack last.
pub fn format_top(slots: &Slots<'_>, count: usize) -> String {
    let len = slots.len();
    let start = len.saturating_sub(count);
    let values: Vec<String> = (start..len)
        .filter_map(|i| slots.get(i))
        .map(|v| format_word(&v))
        .collect();
    let ellipsis = if start > 0 { ".., " } else { "" };
    format!("[{ellipsis}{}]", values.join(", "))
}

/// A word as decimal when it is small, hexadecimal otherwise.
pub fn format_word(value: &Imm) -> String {
    if value.bit_len() <= 32 {
        value.to_string()
    } else {
        format!("{value:#x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_print_decimal_when_small() {
        assert_eq!(format_word(&Imm::from(42u64)), "42");
        assert_eq!(format_word(&Imm::from(u64::MAX)), "0xffffffffffffffff");
    }
}
