//! The integer comparisons, one table for the word (`EQ` … `GE_S`), i32 and i64 forms, and
//! their meaning, so engines, the compiled tier and the translator derive them from here.

use crate::isa::Opcode;

/// The type an integer comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// The whole word (`EQ`, `LT_S`, …).
    Word,
    /// A WebAssembly i32 (`I32_EQ`, …).
    I32,
    /// A WebAssembly i64 (`I64_EQ`, …).
    I64,
}

/// Declares [`Comparison`] and its opcodes: `Name: WORD_OPCODE, I32_OPCODE, I64_OPCODE`.
macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident: $word:ident, $i32:ident, $i64:ident;)*) => {
        /// An integer comparison; its result is 1 when it holds and 0 otherwise.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Comparison {
            $($(#[$doc])* $name,)*
        }

        impl Comparison {
            /// Every comparison.
            pub const ALL: [Comparison; 10] = [$(Comparison::$name),*];

            /// The comparison `opcode` performs and the type it reads, if it is an integer
            /// comparison.
            pub const fn of(opcode: Opcode) -> Option<(Comparison, Compared)> {
                Some(match opcode {
                    $(
                        Opcode::$word => (Comparison::$name, Compared::Word),
                        Opcode::$i32 => (Comparison::$name, Compared::I32),
                        Opcode::$i64 => (Comparison::$name, Compared::I64),
                    )*
                    _ => return None,
                })
            }

            /// The opcode performing this comparison on `compared`.
            pub const fn opcode(self, compared: Compared) -> Opcode {
                match (self, compared) {
                    $(
                        (Comparison::$name, Compared::Word) => Opcode::$word,
                        (Comparison::$name, Compared::I32) => Opcode::$i32,
                        (Comparison::$name, Compared::I64) => Opcode::$i64,
                    )*
                }
            }
        }
    };
}

comparisons! {
    /// `a == b`.
    Eq: Eq, I32Eq, I64Eq;
    /// `a != b`.
    Ne: Ne, I32Ne, I64Ne;
    /// `a < b`, unsigned.
    LtU: LtU, I32LtU, I64LtU;
    /// `a < b`, two's complement.
    LtS: LtS, I32LtS, I64LtS;
    /// `a > b`, unsigned.
    GtU: GtU, I32GtU, I64GtU;
    /// `a > b`, two's complement.
    GtS: GtS, I32GtS, I64GtS;
    /// `a <= b`, unsigned.
    LeU: LeU, I32LeU, I64LeU;
    /// `a <= b`, two's complement.
    LeS: LeS, I32LeS, I64LeS;
    /// `a >= b`, unsigned.
    GeU: GeU, I32GeU, I64GeU;
    /// `a >= b`, two's complement.
    GeS: GeS, I32GeS, I64GeS;
}

impl Comparison {
    /// True when the comparison reads its operands as two's complement.
    pub const fn is_signed(self) -> bool {
        matches!(
            self,
            Comparison::LtS | Comparison::GtS | Comparison::LeS | Comparison::GeS
        )
    }

    /// Whether `a self b` holds, given `less(x, y)`: `x < y` in the comparison's signedness
    /// (unsigned `<` or two's complement, see [`is_signed`](Self::is_signed)). Every
    /// ordering is derived from that one test, so an engine supplies only `<`.
    #[inline(always)]
    pub fn holds<T: Copy + PartialEq>(self, a: T, b: T, less: impl Fn(T, T) -> bool) -> bool {
        match self {
            Comparison::Eq => a == b,
            Comparison::Ne => a != b,
            Comparison::LtU | Comparison::LtS => less(a, b),
            Comparison::GtU | Comparison::GtS => less(b, a),
            Comparison::LeU | Comparison::LeS => !less(b, a),
            Comparison::GeU | Comparison::GeS => !less(a, b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_comparison_maps_to_three_opcodes_and_back() {
        for c in Comparison::ALL {
            for t in [Compared::Word, Compared::I32, Compared::I64] {
                assert_eq!(Comparison::of(c.opcode(t)), Some((c, t)), "{c:?} {t:?}");
            }
        }
        assert_eq!(Comparison::of(Opcode::Add), None);
        assert_eq!(Comparison::of(Opcode::F64Lt), None);
    }

    #[test]
    fn orderings_follow_from_less_than() {
        let signed: fn(i8, i8) -> bool = |x, y| x < y;
        let unsigned: fn(i8, i8) -> bool = |x, y| (x as u8) < (y as u8);
        for (a, b) in [(-1i8, 1i8), (1, -1), (3, 3), (0, 5)] {
            let expect = |c: Comparison| match c {
                Comparison::Eq => a == b,
                Comparison::Ne => a != b,
                Comparison::LtU => (a as u8) < (b as u8),
                Comparison::LtS => a < b,
                Comparison::GtU => (a as u8) > (b as u8),
                Comparison::GtS => a > b,
                Comparison::LeU => (a as u8) <= (b as u8),
                Comparison::LeS => a <= b,
                Comparison::GeU => (a as u8) >= (b as u8),
                Comparison::GeS => a >= b,
            };
            for c in Comparison::ALL {
                let less = if c.is_signed() { signed } else { unsigned };
                assert_eq!(c.holds(a, b, less), expect(c), "{a} {c:?} {b}");
            }
        }
    }
}
