//! Integer and float literals: parsing, fitting into a word or a narrower field, and the
//! disassembler's rendering of words.

use crate::arch::Arch;
use crate::instruction::Imm;

/// An integer literal as written: sign and magnitude (at most 512 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntLit {
    /// Written with a leading `-`.
    pub(crate) negative: bool,
    /// The absolute value.
    pub(crate) magnitude: Imm,
}

/// True when `text` starts like a number (a digit, or a sign then a digit).
pub(crate) fn looks_numeric(text: &str) -> bool {
    let rest = text.strip_prefix(['-', '+']).unwrap_or(text);
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// Parses `123`, `-5`, `0x1F`, `0b1010`, `0o17` (with `_` separators). Errors say why.
pub(crate) fn parse_int(text: &str) -> Result<IntLit, String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let lower = rest.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else {
        (10, lower.as_str())
    };
    let mut magnitude = Imm::ZERO;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let digit = c
            .to_digit(radix)
            .ok_or_else(|| format!("`{text}` is not a number (bad digit `{c}`)"))?;
        any = true;
        magnitude = magnitude
            .checked_mul(Imm::from(radix))
            .and_then(|m| m.checked_add(Imm::from(digit)))
            .ok_or_else(|| format!("{text} does not fit the widest (512-bit) word"))?;
    }
    if !any {
        return Err(format!("`{text}` is not a number (no digits)"));
    }
    Ok(IntLit {
        negative,
        magnitude,
    })
}

/// All ones in the low `bits` bits.
fn mask(bits: u32) -> Imm {
    if bits >= 512 {
        Imm::MAX
    } else {
        (Imm::from(1u8) << bits as usize) - Imm::from(1u8)
    }
}

impl IntLit {
    /// The literal as a `bits`-wide two's-complement field, if it fits: unsigned values up
    /// to `2^bits - 1`, negative values down to `-2^(bits-1)`.
    pub(crate) fn fit(self, bits: u32) -> Option<Imm> {
        if !self.negative {
            return (self.magnitude.bit_len() <= bits as usize).then_some(self.magnitude);
        }
        let limit = Imm::from(1u8) << (bits as usize - 1);
        (self.magnitude <= limit).then(|| self.magnitude.wrapping_neg() & mask(bits))
    }
}

/// Narrows a word value to a `bits`-wide field: it fits when it is below `2^bits`, or when
/// it is a negative word (two's complement) of at least `-2^(bits-1)`.
pub(crate) fn fit_word(value: Imm, arch: Arch, bits: u32) -> Option<Imm> {
    let word = arch.word_bits();
    if bits >= word || value.bit_len() <= bits as usize {
        return Some(value);
    }
    let sign_extended_from = !mask(bits - 1) & mask(word);
    (value & sign_extended_from == sign_extended_from).then(|| value & mask(bits))
}

/// The error for a literal that does not fit a word.
pub(crate) fn too_wide(text: &str, arch: Arch) -> String {
    format!(
        "{text} does not fit the {}-bit word of {arch}",
        arch.word_bits()
    )
}

/// Parses a float (`1.5`, `-0.0`, `6.02e23`, `inf`, `nan`) as f32 bits.
pub(crate) fn parse_f32(text: &str) -> Option<u32> {
    text.replace('_', "").parse::<f32>().ok().map(f32::to_bits)
}

/// Parses a float as f64 bits.
pub(crate) fn parse_f64(text: &str) -> Option<u64> {
    text.replace('_', "").parse::<f64>().ok().map(f64::to_bits)
}

/// A word value the way the disassembler writes it: decimal up to 65535, `-N` for small
/// negative words, hex otherwise.
pub(crate) fn format_word(value: Imm, arch: Arch) -> String {
    let bits = arch.word_bits();
    if value <= Imm::from(65535u32) {
        return value.to_string();
    }
    if value.bit_len() == bits as usize {
        let magnitude = value.wrapping_neg() & mask(bits);
        if magnitude <= Imm::from(65536u32) {
            return format!("-{magnitude}");
        }
    }
    format!("{value:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, arch: Arch) -> Option<Imm> {
        parse_int(text).unwrap().fit(arch.word_bits())
    }

    #[test]
    fn parses_every_radix_and_separators() {
        for (text, value) in [
            ("42", 42u64),
            ("1_000", 1000),
            ("0x2A", 42),
            ("0b10_1010", 42),
            ("0o52", 42),
            ("+7", 7),
        ] {
            assert_eq!(word(text, Arch::Arch64), Some(Imm::from(value)), "{text}");
        }
        assert!(parse_int("0x").is_err());
        assert!(parse_int("12a").unwrap_err().contains("bad digit `a`"));
    }

    #[test]
    fn negatives_are_twos_complement_of_the_word() {
        assert_eq!(word("-1", Arch::Arch64), Some(Imm::from(u64::MAX)));
        assert_eq!(word("-1", Arch::Arch32), Some(Imm::from(u32::MAX)));
        assert_eq!(word("-1", Arch::Arch512), Some(Imm::MAX));
        assert_eq!(
            word("-0x8000_0000", Arch::Arch32),
            Some(Imm::from(0x8000_0000u32))
        );
        assert_eq!(word("-0x8000_0001", Arch::Arch32), None);
        assert_eq!(word("-0", Arch::Arch64), Some(Imm::ZERO));
    }

    #[test]
    fn width_limits() {
        assert_eq!(word("0xFFFF_FFFF", Arch::Arch32), Some(Imm::from(u32::MAX)));
        assert_eq!(word("0x1_0000_0000", Arch::Arch32), None);
        assert!(word("0x1_0000_0000", Arch::Arch64).is_some());
        let huge = format!("0x1{}", "0".repeat(128));
        assert!(parse_int(&huge).unwrap_err().contains("512-bit"));
        assert_eq!(
            too_wide("0x1_0000_0000_0000_0000", Arch::Arch64),
            "0x1_0000_0000_0000_0000 does not fit the 64-bit word of arch64"
        );
    }

    #[test]
    fn fitting_words_into_fields() {
        let minus_one = Imm::from(u64::MAX);
        assert_eq!(
            fit_word(minus_one, Arch::Arch64, 8),
            Some(Imm::from(0xffu8))
        );
        assert_eq!(
            fit_word(Imm::from(255u8), Arch::Arch64, 8),
            Some(Imm::from(255u8))
        );
        assert_eq!(fit_word(Imm::from(256u16), Arch::Arch64, 8), None);
        assert_eq!(fit_word(Imm::from(u64::MAX - 200), Arch::Arch64, 8), None);
    }

    #[test]
    fn formatting_round_trips() {
        for arch in Arch::ALL {
            for value in [
                Imm::ZERO,
                Imm::from(65535u32),
                Imm::from(65536u32),
                mask(arch.word_bits()),
                mask(arch.word_bits()) - Imm::from(65535u32),
                mask(arch.word_bits()) - Imm::from(65536u32),
                Imm::from(1u8) << (arch.word_bits() as usize - 1),
            ] {
                let text = format_word(value, arch);
                assert_eq!(word(&text, arch), Some(value), "{text} on {arch}");
            }
        }
        assert_eq!(format_word(Imm::from(u64::MAX), Arch::Arch64), "-1");
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f32("1.5"), Some(1.5f32.to_bits()));
        assert_eq!(parse_f64("-0.0"), Some((-0.0f64).to_bits()));
        assert_eq!(parse_f64("inf"), Some(f64::INFINITY.to_bits()));
        assert_eq!(parse_f32("1e-45"), Some(1));
        assert_eq!(parse_f64("x"), None);
    }
}
