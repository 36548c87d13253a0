//! The five word sizes (architectures) a DotVM bytecode file can target.

use std::fmt;
use std::str::FromStr;

/// A word size. The architecture byte in every bytecode header selects one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Arch {
    /// 32-bit words, 32-bit addresses.
    Arch32,
    /// 64-bit words, 64-bit addresses (the default).
    #[default]
    Arch64,
    /// 128-bit words, 64-bit logical addresses.
    Arch128,
    /// 256-bit words, 64-bit logical addresses.
    Arch256,
    /// 512-bit words, 64-bit logical addresses.
    Arch512,
}

impl Arch {
    /// Every architecture, narrowest first.
    pub const ALL: [Arch; 5] = [
        Arch::Arch32,
        Arch::Arch64,
        Arch::Arch128,
        Arch::Arch256,
        Arch::Arch512,
    ];

    /// The byte stored in the bytecode header.
    pub const fn to_byte(self) -> u8 {
        match self {
            Arch::Arch32 => 0x00,
            Arch::Arch64 => 0x01,
            Arch::Arch128 => 0x02,
            Arch::Arch256 => 0x03,
            Arch::Arch512 => 0x04,
        }
    }

    /// The architecture for a header byte, if it names one.
    pub const fn from_byte(byte: u8) -> Option<Arch> {
        match byte {
            0x00 => Some(Arch::Arch32),
            0x01 => Some(Arch::Arch64),
            0x02 => Some(Arch::Arch128),
            0x03 => Some(Arch::Arch256),
            0x04 => Some(Arch::Arch512),
            _ => None,
        }
    }

    /// Width of a word (one stack slot) in bits.
    pub const fn word_bits(self) -> u32 {
        match self {
            Arch::Arch32 => 32,
            Arch::Arch64 => 64,
            Arch::Arch128 => 128,
            Arch::Arch256 => 256,
            Arch::Arch512 => 512,
        }
    }

    /// Width of a word in bytes.
    pub const fn word_bytes(self) -> usize {
        self.word_bits() as usize / 8
    }

    /// Width of a memory address in bits (32 on Arch32, 64 otherwise).
    pub const fn address_bits(self) -> u32 {
        match self {
            Arch::Arch32 => 32,
            _ => 64,
        }
    }

    /// The lowercase name used on the command line and in assembly (`arch64`).
    pub const fn name(self) -> &'static str {
        match self {
            Arch::Arch32 => "arch32",
            Arch::Arch64 => "arch64",
            Arch::Arch128 => "arch128",
            Arch::Arch256 => "arch256",
            Arch::Arch512 => "arch512",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an architecture name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown architecture `{0}` (expected arch32, arch64, arch128, arch256 or arch512)")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;

    /// Accepts `arch64`, `Arch64` and the bare bit count `64`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let bits = lower.strip_prefix("arch").unwrap_or(&lower);
        Arch::ALL
            .into_iter()
            .find(|a| a.word_bits().to_string() == bits)
            .ok_or_else(|| UnknownArch(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_round_trip_and_names() {
        for arch in Arch::ALL {
            assert_eq!(Arch::from_byte(arch.to_byte()), Some(arch));
            assert_eq!(arch.name().parse::<Arch>(), Ok(arch));
            assert_eq!(arch.word_bits().to_string().parse::<Arch>(), Ok(arch));
        }
        assert_eq!(Arch::from_byte(5), None);
        assert!("arch63".parse::<Arch>().is_err());
        assert_eq!(Arch::default(), Arch::Arch64);
    }
}
