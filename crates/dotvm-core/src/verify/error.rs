//! The verifier's error type and the helpers that build its messages.

use crate::arch::Arch;
use crate::instruction::Imm;
use crate::module::Module;
use std::fmt;

/// Why a module failed verification, with the function and pc where known.
///
/// Displays as `module: MESSAGE`, `function 2 (fib): MESSAGE` or
/// `function 2 (fib) at pc 14: MESSAGE` (the name is omitted for unnamed functions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// Function index, when the problem is inside a function.
    pub func: Option<u32>,
    /// The function's name (debug section or exports), when the problem is inside a named
    /// function.
    pub name: Option<String>,
    /// Byte offset within that function's code, when the problem is at an instruction.
    pub pc: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl VerifyError {
    /// A problem with the module as a whole.
    pub(super) fn module(message: impl Into<String>) -> VerifyError {
        VerifyError {
            func: None,
            name: None,
            pc: None,
            message: message.into(),
        }
    }

    /// A problem with function `func` (at `pc` when given).
    pub(super) fn in_function(
        module: &Module,
        func: u32,
        pc: Option<u32>,
        message: impl Into<String>,
    ) -> VerifyError {
        VerifyError {
            func: Some(func),
            name: module.function_name(func).map(str::to_string),
            pc,
            message: message.into(),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.func {
            None => f.write_str("module")?,
            Some(func) => {
                write!(f, "function {func}")?;
                if let Some(name) = &self.name {
                    write!(f, " ({name})")?;
                }
                if let Some(pc) = self.pc {
                    write!(f, " at pc {pc}")?;
                }
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for VerifyError {}

/// `1 slot`, `2 slots`: a count with its noun, pluralised with `s`.
pub(super) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// True when `value` fits the word of `arch`.
pub(super) fn fits_word(value: &Imm, arch: Arch) -> bool {
    value.bit_len() <= arch.word_bits() as usize
}

/// `does not fit the 64-bit word of arch64`, the tail of every too-wide-value message.
pub(super) fn word_misfit(arch: Arch) -> String {
    format!(
        "does not fit the {}-bit word of {}",
        arch.word_bits(),
        arch.name()
    )
}

/// Hexadecimal with `_` between groups of four digits: `0x1_0000_0000_0000_0000`.
pub(super) fn grouped_hex(value: &Imm) -> String {
    let digits = format!("{value:x}");
    let mut out = String::from("0x");
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 4 == 0 {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_grouped_from_the_right() {
        assert_eq!(grouped_hex(&Imm::ZERO), "0x0");
        assert_eq!(grouped_hex(&Imm::from(0xabcdu64)), "0xabcd");
        assert_eq!(grouped_hex(&Imm::from(0x1abcdu64)), "0x1_abcd");
        assert_eq!(
            grouped_hex(&(Imm::from(1u64) << 64)),
            "0x1_0000_0000_0000_0000"
        );
    }

    #[test]
    fn display_names_the_location() {
        let mut err = VerifyError::module("entry function 7 does not exist (3 functions)");
        assert_eq!(
            err.to_string(),
            "module: entry function 7 does not exist (3 functions)"
        );
        err.func = Some(2);
        err.name = Some("fib".into());
        err.pc = Some(14);
        assert_eq!(
            err.to_string(),
            "function 2 (fib) at pc 14: entry function 7 does not exist (3 functions)"
        );
        err.name = None;
        err.pc = None;
        assert!(err.to_string().starts_with("function 2: "));
    }

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(count(1, "slot"), "1 slot");
        assert_eq!(count(0, "slot"), "0 slots");
        assert_eq!(count(3, "function"), "3 functions");
    }
}
