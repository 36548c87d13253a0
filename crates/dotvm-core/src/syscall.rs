//! The system-call table: the host services reachable through `SYSCALL n`.

/// A system call. The number is the `SYSCALL` operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Syscall {
    /// `code --`: stop the machine; the low 32 bits of `code` are the exit code.
    Exit = 0,
    /// `v --`: print `v` as a signed decimal integer (no newline).
    PrintInt = 1,
    /// `v --`: print `v` as an unsigned decimal integer (no newline).
    PrintUint = 2,
    /// `c --`: print the Unicode scalar value `c` as UTF-8 (U+FFFD when `c` is not one).
    PrintChar = 3,
    /// `addr len --`: write `len` bytes of memory starting at `addr` to standard output.
    PrintBytes = 4,
    /// `addr cap -- n`: read up to `cap` bytes of standard input into memory at `addr`;
    /// `n` is the number read, 0 at end of input.
    ReadStdin = 5,
}

impl Syscall {
    /// Every system call, by number.
    pub const ALL: [Syscall; 6] = [
        Syscall::Exit,
        Syscall::PrintInt,
        Syscall::PrintUint,
        Syscall::PrintChar,
        Syscall::PrintBytes,
        Syscall::ReadStdin,
    ];

    /// The system call with this number, if any.
    pub fn from_number(number: u16) -> Option<Syscall> {
        Syscall::ALL.into_iter().find(|s| s.number() == number)
    }

    /// The system call with this (lower-case) name, if any.
    pub fn from_name(name: &str) -> Option<Syscall> {
        Syscall::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// The `SYSCALL` operand.
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The assembly name (`print_int`).
    pub const fn name(self) -> &'static str {
        match self {
            Syscall::Exit => "exit",
            Syscall::PrintInt => "print_int",
            Syscall::PrintUint => "print_uint",
            Syscall::PrintChar => "print_char",
            Syscall::PrintBytes => "print_bytes",
            Syscall::ReadStdin => "read_stdin",
        }
    }

    /// Slots popped.
    pub const fn pops(self) -> u8 {
        match self {
            Syscall::Exit | Syscall::PrintInt | Syscall::PrintUint | Syscall::PrintChar => 1,
            Syscall::PrintBytes | Syscall::ReadStdin => 2,
        }
    }

    /// Slots pushed.
    pub const fn pushes(self) -> u8 {
        match self {
            Syscall::ReadStdin => 1,
            _ => 0,
        }
    }

    /// One-line description.
    pub const fn doc(self) -> &'static str {
        match self {
            Syscall::Exit => {
                "Stop the machine; the low 32 bits of the popped value are the exit code."
            }
            Syscall::PrintInt => "Print the popped word as a signed decimal integer.",
            Syscall::PrintUint => "Print the popped word as an unsigned decimal integer.",
            Syscall::PrintChar => {
                "Print the popped Unicode scalar value as UTF-8 (U+FFFD if invalid)."
            }
            Syscall::PrintBytes => {
                "addr len: write len bytes of memory at addr to standard output."
            }
            Syscall::ReadStdin => {
                "addr cap -- n: read up to cap bytes of standard input to addr; 0 at end of input."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip() {
        for (i, call) in Syscall::ALL.into_iter().enumerate() {
            assert_eq!(call.number() as usize, i);
            assert_eq!(Syscall::from_number(call.number()), Some(call));
            assert_eq!(Syscall::from_name(call.name()), Some(call));
        }
        assert_eq!(Syscall::from_number(999), None);
    }
}
