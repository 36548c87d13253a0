//! Lane widths of the word-lane instructions (`LANES_ADD 32`, `LANES_EXTRACT_U 8 5`): they
//! treat the whole architecture word as lanes of 8, 16, 32 or 64 bits (see
//! `docs/vectors.md`).

use crate::arch::Arch;

/// The width of one lane. On disk it is one byte holding the width in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum LaneWidth {
    /// 8-bit lanes.
    L8 = 8,
    /// 16-bit lanes.
    L16 = 16,
    /// 32-bit lanes.
    L32 = 32,
    /// 64-bit lanes.
    L64 = 64,
}

impl LaneWidth {
    /// Every width, narrowest first.
    pub const ALL: [LaneWidth; 4] = [
        LaneWidth::L8,
        LaneWidth::L16,
        LaneWidth::L32,
        LaneWidth::L64,
    ];

    /// The width for a number of bits, if it is 8, 16, 32 or 64.
    pub const fn from_bits(bits: u32) -> Option<LaneWidth> {
        match bits {
            8 => Some(LaneWidth::L8),
            16 => Some(LaneWidth::L16),
            32 => Some(LaneWidth::L32),
            64 => Some(LaneWidth::L64),
            _ => None,
        }
    }

    /// The width in bits (also its byte on disk and its assembly spelling).
    pub const fn bits(self) -> u32 {
        self as u32
    }

    /// How many lanes one word of `arch` holds (0 when the lane is wider than the word).
    pub const fn lanes(self, arch: Arch) -> u32 {
        arch.word_bits() / self.bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_round_trip_and_count_lanes() {
        for width in LaneWidth::ALL {
            assert_eq!(LaneWidth::from_bits(width.bits()), Some(width));
        }
        assert_eq!(LaneWidth::from_bits(0), None);
        assert_eq!(LaneWidth::from_bits(128), None);
        assert_eq!(LaneWidth::L32.lanes(Arch::Arch256), 8);
        assert_eq!(LaneWidth::L32.lanes(Arch::Arch512), 16);
        assert_eq!(LaneWidth::L64.lanes(Arch::Arch32), 0);
        assert_eq!(LaneWidth::L8.lanes(Arch::Arch32), 4);
    }
}
