//! Lane shapes of the 128-bit vector type: how a `v128` splits into lanes, for lane-index
//! operands, the assembler's `V128_CONST` syntax and the disassembler.

use crate::isa::{Opcode, OperandKind};

/// How the 128 bits of a `v128` are read as lanes (wasm's shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Sixteen 8-bit integers.
    I8x16,
    /// Eight 16-bit integers.
    I16x8,
    /// Four 32-bit integers.
    I32x4,
    /// Two 64-bit integers.
    I64x2,
    /// Four IEEE-754 singles.
    F32x4,
    /// Two IEEE-754 doubles.
    F64x2,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 6] = [
        Shape::I8x16,
        Shape::I16x8,
        Shape::I32x4,
        Shape::I64x2,
        Shape::F32x4,
        Shape::F64x2,
    ];

    /// The shape's name in assembly text (`i32x4`).
    pub const fn name(self) -> &'static str {
        match self {
            Shape::I8x16 => "i8x16",
            Shape::I16x8 => "i16x8",
            Shape::I32x4 => "i32x4",
            Shape::I64x2 => "i64x2",
            Shape::F32x4 => "f32x4",
            Shape::F64x2 => "f64x2",
        }
    }

    /// The shape named `name`, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Bytes per lane.
    pub const fn lane_bytes(self) -> usize {
        match self {
            Shape::I8x16 => 1,
            Shape::I16x8 => 2,
            Shape::I32x4 | Shape::F32x4 => 4,
            Shape::I64x2 | Shape::F64x2 => 8,
        }
    }

    /// Number of lanes.
    pub const fn lanes(self) -> usize {
        16 / self.lane_bytes()
    }

    /// True for the float shapes.
    pub const fn is_float(self) -> bool {
        matches!(self, Shape::F32x4 | Shape::F64x2)
    }

    /// The integer shape whose lanes are `bytes` wide.
    const fn of_width(bytes: usize) -> Option<Shape> {
        match bytes {
            1 => Some(Shape::I8x16),
            2 => Some(Shape::I16x8),
            4 => Some(Shape::I32x4),
            8 => Some(Shape::I64x2),
            _ => None,
        }
    }

    /// The shape whose lanes a [`OperandKind::Lane`] or [`OperandKind::MemLane`] operand of
    /// `opcode` indexes, derived from the mnemonic: the shape prefix of an extract or
    /// replace (`I16X8_REPLACE_LANE`), the access width of a lane load or store
    /// (`V128_LOAD32_LANE`: 32 bits, four lanes).
    pub fn of_opcode(opcode: Opcode) -> Option<Shape> {
        let mnemonic = opcode.mnemonic();
        match opcode.operand() {
            OperandKind::Lane => Shape::from_name(mnemonic.get(..5)?),
            OperandKind::MemLane => {
                let digits: String = mnemonic
                    .trim_start_matches("V128_LOAD")
                    .trim_start_matches("V128_STORE")
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                Shape::of_width(digits.parse::<usize>().ok()? / 8)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lane_operand_has_a_shape() {
        for &op in Opcode::ALL {
            if matches!(op.operand(), OperandKind::Lane | OperandKind::MemLane) {
                assert!(Shape::of_opcode(op).is_some(), "{}", op.mnemonic());
            }
        }
        assert_eq!(Shape::of_opcode(Opcode::V128Load16Lane), Some(Shape::I16x8));
        assert_eq!(
            Shape::of_opcode(Opcode::V128Store64Lane),
            Some(Shape::I64x2)
        );
        assert_eq!(
            Shape::of_opcode(Opcode::F32x4ReplaceLane),
            Some(Shape::F32x4)
        );
        assert_eq!(
            Shape::of_opcode(Opcode::I8x16ExtractLaneU).map(Shape::lanes),
            Some(16)
        );
        assert_eq!(Shape::of_opcode(Opcode::I8x16Add), None);
    }
}
