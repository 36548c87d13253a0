//! Decoded instructions and their byte encoding (the encoder and the checked decoder).

use crate::isa::{Opcode, OperandKind, is_prefix_byte};
use crate::lanes::LaneWidth;
use crate::selector::Selector;
use ruint::aliases::U512;
use std::fmt;

/// The widest word immediate (Arch512), used for every architecture's immediates in
/// architecture-independent code; the verifier checks it fits the file's word.
pub type Imm = U512;

/// The operand of one instruction; its variant always matches [`Opcode::operand`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    /// For [`OperandKind::None`].
    None,
    /// For [`OperandKind::Imm`].
    Imm(Imm),
    /// For [`OperandKind::Const`], [`OperandKind::Local`], [`OperandKind::Global`],
    /// [`OperandKind::Func`], [`OperandKind::Table`], [`OperandKind::Elem`],
    /// [`OperandKind::Data`] and [`OperandKind::Import`].
    Index(u32),
    /// For [`OperandKind::Target`]: byte offset from the start of the function.
    Target(u32),
    /// For [`OperandKind::Offset`].
    Offset(u32),
    /// For [`OperandKind::Depth`].
    Depth(u8),
    /// For [`OperandKind::Syscall`].
    Syscall(u16),
    /// For [`OperandKind::Selector`]: always a member of the opcode's family.
    Selector(Selector),
    /// For [`OperandKind::Targets`]: byte offsets from the start of the function, the
    /// default target last (never empty).
    Targets(Vec<u32>),
    /// For [`OperandKind::Pair`].
    Pair(u32, u32),
    /// For [`OperandKind::Lanes`]: the lane width.
    Lanes(LaneWidth),
    /// For [`OperandKind::WordLane`]: the lane width and a lane index (the verifier checks it
    /// against the lanes per word).
    WordLane(LaneWidth, u8),
    /// For [`OperandKind::Lane`]: below the lane count of the opcode's shape.
    Lane(u8),
    /// For [`OperandKind::MemLane`]: the memory offset and the lane index.
    MemLane(u32, u8),
    /// For [`OperandKind::V128`] (the constant's bytes, lane 0 first) and
    /// [`OperandKind::Shuffle`] (sixteen lane indices, each below 32).
    Bytes16([u8; 16]),
}

/// One instruction: an opcode and its operand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instruction {
    /// What to do.
    pub opcode: Opcode,
    /// Its operand.
    pub operand: Operand,
}

/// Why bytes could not be decoded as an instruction. Offsets are relative to the start of
/// the function's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No opcode has this number.
    #[error("unknown opcode 0x{code:02X} at pc {pc}")]
    UnknownOpcode {
        /// The number read (prefix byte included for two-byte codes).
        code: u16,
        /// Where the instruction starts.
        pc: u32,
    },
    /// The code ended inside an instruction.
    #[error("truncated {what} of instruction at pc {pc}")]
    Truncated {
        /// Which part is missing (`opcode`, `operand`).
        what: &'static str,
        /// Where the instruction starts.
        pc: u32,
    },
    /// A word immediate declares more than 64 bytes.
    #[error("immediate of {len} bytes at pc {pc} is wider than the widest word (64 bytes)")]
    ImmediateTooLong {
        /// Declared length.
        len: u8,
        /// Where the instruction starts.
        pc: u32,
    },
    /// A jump table with no targets (it needs at least the default).
    #[error("jump table at pc {pc} has no targets (it needs at least the default)")]
    EmptyJumpTable {
        /// Where the instruction starts.
        pc: u32,
    },
    /// A word immediate is not in minimal form (its last byte is zero).
    #[error("immediate at pc {pc} is not minimally encoded (trailing zero byte)")]
    NonCanonicalImmediate {
        /// Where the instruction starts.
        pc: u32,
    },
    /// A lane-width byte is not 8, 16, 32 or 64.
    #[error("lane width {bits} at pc {pc} is not 8, 16, 32 or 64 bits")]
    BadLaneWidth {
        /// The byte read.
        bits: u8,
        /// Where the instruction starts.
        pc: u32,
    },
    /// A lane index at or past the lane count of the opcode's shape (or a shuffle lane
    /// index of 32 or more).
    #[error("lane {lane} at pc {pc} is out of range for {mnemonic} (fewer than {limit})")]
    BadLane {
        /// The index read.
        lane: u8,
        /// The opcode's mnemonic.
        mnemonic: &'static str,
        /// The number of lanes the index must stay below.
        limit: usize,
        /// Where the instruction starts.
        pc: u32,
    },
    /// A selector byte names no selector, or one the opcode does not accept.
    #[error("selector 0x{selector:02X} at pc {pc} is not a {expected} of {mnemonic}")]
    BadSelector {
        /// The byte read.
        selector: u8,
        /// The opcode's mnemonic.
        mnemonic: &'static str,
        /// The family the opcode accepts.
        expected: &'static str,
        /// Where the instruction starts.
        pc: u32,
    },
}

/// The assembly text of a 16-byte operand, with a leading space: a `V128_CONST` as four
/// hexadecimal `i32x4` lanes (every bit pattern, NaNs included, round-trips), a shuffle as
/// its sixteen lane indices.
pub(crate) fn bytes16_text(opcode: Opcode, bytes: &[u8; 16]) -> String {
    let mut text = String::new();
    if opcode.operand() == OperandKind::V128 {
        text.push_str(" i32x4");
        for lane in bytes.chunks_exact(4) {
            let lane = u32::from_le_bytes(lane.try_into().expect("4 bytes"));
            text.push_str(&format!(" {lane:#010x}"));
        }
    } else {
        for lane in bytes {
            text.push_str(&format!(" {lane}"));
        }
    }
    text
}

/// `lane` when it is below the lane count of `opcode`'s shape.
fn lane_operand(opcode: Opcode, lane: u8, pc: u32) -> Result<u8, DecodeError> {
    let limit = crate::shape::Shape::of_opcode(opcode).map_or(0, |s| s.lanes());
    if usize::from(lane) < limit {
        Ok(lane)
    } else {
        Err(DecodeError::BadLane {
            lane,
            mnemonic: opcode.mnemonic(),
            limit,
            pc,
        })
    }
}

impl Instruction {
    /// An instruction without an operand.
    pub fn simple(opcode: Opcode) -> Instruction {
        debug_assert_eq!(opcode.operand(), OperandKind::None);
        Instruction {
            opcode,
            operand: Operand::None,
        }
    }

    /// Appends the encoding of this instruction to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let code = self.opcode.code();
        if self.opcode.is_prefixed() {
            out.push((code >> 8) as u8);
        }
        out.push(code as u8);
        match &self.operand {
            Operand::None => {}
            Operand::Imm(value) => {
                let bytes = value.to_le_bytes::<64>();
                let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                out.push(len as u8);
                out.extend_from_slice(&bytes[..len]);
            }
            Operand::Index(v) | Operand::Target(v) | Operand::Offset(v) => {
                out.extend_from_slice(&v.to_le_bytes())
            }
            Operand::Depth(d) => out.push(*d),
            Operand::Syscall(n) => out.extend_from_slice(&n.to_le_bytes()),
            Operand::Selector(selector) => out.push(selector.code()),
            Operand::Targets(targets) => {
                out.extend_from_slice(&(targets.len() as u32).to_le_bytes());
                for t in targets {
                    out.extend_from_slice(&t.to_le_bytes());
                }
            }
            Operand::Pair(a, b) => {
                out.extend_from_slice(&a.to_le_bytes());
                out.extend_from_slice(&b.to_le_bytes());
            }
            Operand::Lanes(width) => out.push(width.bits() as u8),
            Operand::WordLane(width, index) => out.extend_from_slice(&[width.bits() as u8, *index]),
            Operand::Lane(lane) => out.push(*lane),
            Operand::MemLane(offset, lane) => {
                out.extend_from_slice(&offset.to_le_bytes());
                out.push(*lane);
            }
            Operand::Bytes16(bytes) => out.extend_from_slice(bytes),
        }
    }

    /// Encodes a sequence of instructions, one after another (a function body).
    pub fn encode_all(instructions: &[Instruction]) -> Vec<u8> {
        let mut out = Vec::new();
        for instruction in instructions {
            instruction.encode(&mut out);
        }
        out
    }

    /// The encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        let mut buf = Vec::with_capacity(16);
        self.encode(&mut buf);
        buf.len()
    }

    /// Decodes the instruction starting at `pc` in `code`, returning it and its length.
    pub fn decode(code: &[u8], pc: u32) -> Result<(Instruction, usize), DecodeError> {
        let start = pc as usize;
        let mut cursor = start;
        let mut take = |n: usize, what: &'static str| -> Result<&[u8], DecodeError> {
            let bytes = cursor
                .checked_add(n)
                .and_then(|end| code.get(cursor..end))
                .ok_or(DecodeError::Truncated { what, pc })?;
            cursor += n;
            Ok(bytes)
        };
        let first = take(1, "opcode")?[0];
        let number = if is_prefix_byte(first) {
            (u16::from(first) << 8) | u16::from(take(1, "opcode")?[0])
        } else {
            u16::from(first)
        };
        let opcode =
            Opcode::from_code(number).ok_or(DecodeError::UnknownOpcode { code: number, pc })?;
        let u32_operand = |bytes: &[u8]| u32::from_le_bytes(bytes.try_into().expect("4 bytes"));
        let operand = match opcode.operand() {
            OperandKind::None => Operand::None,
            OperandKind::Imm => {
                let len = take(1, "operand")?[0];
                if len > 64 {
                    return Err(DecodeError::ImmediateTooLong { len, pc });
                }
                let bytes = take(len as usize, "operand")?;
                if bytes.last() == Some(&0) {
                    return Err(DecodeError::NonCanonicalImmediate { pc });
                }
                let mut full = [0u8; 64];
                full[..bytes.len()].copy_from_slice(bytes);
                Operand::Imm(Imm::from_le_bytes(full))
            }
            OperandKind::Const
            | OperandKind::Local
            | OperandKind::Global
            | OperandKind::Func
            | OperandKind::Table
            | OperandKind::Elem
            | OperandKind::Data
            | OperandKind::Import => Operand::Index(u32_operand(take(4, "operand")?)),
            OperandKind::Target => Operand::Target(u32_operand(take(4, "operand")?)),
            OperandKind::Offset => Operand::Offset(u32_operand(take(4, "operand")?)),
            OperandKind::Depth => Operand::Depth(take(1, "operand")?[0]),
            OperandKind::Syscall => {
                let b = take(2, "operand")?;
                Operand::Syscall(u16::from_le_bytes([b[0], b[1]]))
            }
            OperandKind::Selector(family) => {
                let byte = take(1, "operand")?[0];
                match Selector::from_code(byte) {
                    Some(selector) if family.accepts(selector) => Operand::Selector(selector),
                    _ => {
                        return Err(DecodeError::BadSelector {
                            selector: byte,
                            mnemonic: opcode.mnemonic(),
                            expected: family.name(),
                            pc,
                        });
                    }
                }
            }
            OperandKind::Targets => {
                let count = u32_operand(take(4, "operand")?);
                if count == 0 {
                    return Err(DecodeError::EmptyJumpTable { pc });
                }
                // Each target takes 4 bytes, so a count beyond the code left is truncated
                // before anything is allocated for it.
                let bytes = take((count as usize).saturating_mul(4), "operand")?;
                Operand::Targets(bytes.chunks_exact(4).map(u32_operand).collect())
            }
            OperandKind::Pair => {
                let a = u32_operand(take(4, "operand")?);
                let b = u32_operand(take(4, "operand")?);
                Operand::Pair(a, b)
            }
            OperandKind::Lanes => Operand::Lanes(lane_width(take(1, "operand")?[0], pc)?),
            OperandKind::WordLane => {
                let bytes = take(2, "operand")?;
                Operand::WordLane(lane_width(bytes[0], pc)?, bytes[1])
            }
            OperandKind::Lane => Operand::Lane(lane_operand(opcode, take(1, "operand")?[0], pc)?),
            OperandKind::MemLane => {
                let offset = u32_operand(take(4, "operand")?);
                Operand::MemLane(offset, lane_operand(opcode, take(1, "operand")?[0], pc)?)
            }
            OperandKind::V128 => {
                Operand::Bytes16(take(16, "operand")?.try_into().expect("16 bytes"))
            }
            OperandKind::Shuffle => {
                let lanes: [u8; 16] = take(16, "operand")?.try_into().expect("16 bytes");
                if let Some(&lane) = lanes.iter().find(|&&l| l >= 32) {
                    return Err(DecodeError::BadLane {
                        lane,
                        mnemonic: opcode.mnemonic(),
                        limit: 32,
                        pc,
                    });
                }
                Operand::Bytes16(lanes)
            }
        };
        Ok((Instruction { opcode, operand }, cursor - start))
    }

    /// Decodes a whole function body into `(pc, instruction)` pairs.
    pub fn decode_all(code: &[u8]) -> Result<Vec<(u32, Instruction)>, DecodeError> {
        let mut out = Vec::new();
        let mut pc = 0usize;
        while pc < code.len() {
            let (inst, len) = Instruction::decode(code, pc as u32)?;
            out.push((pc as u32, inst));
            pc += len;
        }
        Ok(out)
    }
}

/// The lane width whose byte on disk is `bits`.
fn lane_width(bits: u8, pc: u32) -> Result<LaneWidth, DecodeError> {
    LaneWidth::from_bits(u32::from(bits)).ok_or(DecodeError::BadLaneWidth { bits, pc })
}

impl fmt::Display for Instruction {
    /// Assembly syntax, with numeric operands (`PUSH 0x2a`, `JMP @12`, `LOAD8_U +4`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.opcode.mnemonic())?;
        match &self.operand {
            Operand::None => Ok(()),
            Operand::Imm(v) => write!(f, " {v:#x}"),
            Operand::Index(i) => write!(f, " {i}"),
            Operand::Target(t) => write!(f, " @{t}"),
            Operand::Offset(o) => write!(f, " +{o}"),
            Operand::Depth(d) => write!(f, " {d}"),
            Operand::Syscall(n) => match crate::syscall::Syscall::from_number(*n) {
                Some(call) => write!(f, " {}", call.name()),
                None => write!(f, " {n}"),
            },
            Operand::Selector(selector) => write!(f, " {}", selector.name()),
            Operand::Targets(targets) => {
                for t in targets {
                    write!(f, " @{t}")?;
                }
                Ok(())
            }
            Operand::Pair(a, b) => write!(f, " {a} {b}"),
            Operand::Lanes(width) => write!(f, " {}", width.bits()),
            Operand::WordLane(width, index) => write!(f, " {} {index}", width.bits()),
            Operand::Lane(lane) => write!(f, " {lane}"),
            Operand::MemLane(offset, lane) => write!(f, " +{offset} {lane}"),
            Operand::Bytes16(bytes) => f.write_str(&bytes16_text(self.opcode, bytes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_operands_out_of_range_are_decode_errors() {
        // I32X4_EXTRACT_LANE 4: i32x4 has lanes 0..=3.
        let code = [0xFB, 0x1B, 4];
        assert!(matches!(
            Instruction::decode(&code, 0),
            Err(DecodeError::BadLane {
                lane: 4,
                limit: 4,
                ..
            })
        ));
        // V128_LOAD8_LANE +0 lane 16: sixteen byte lanes.
        let code = [0xFB, 0x54, 0, 0, 0, 0, 16];
        assert!(matches!(
            Instruction::decode(&code, 0),
            Err(DecodeError::BadLane { lane: 16, .. })
        ));
        let mut code = vec![0xFB, 0x0D];
        code.extend([0u8; 15]);
        code.push(32);
        assert!(matches!(
            Instruction::decode(&code, 0),
            Err(DecodeError::BadLane {
                lane: 32,
                limit: 32,
                ..
            })
        ));
    }

    #[test]
    fn encode_decode_round_trip_for_every_opcode() {
        for &opcode in Opcode::ALL {
            let operand = match opcode.operand() {
                OperandKind::None => Operand::None,
                OperandKind::Imm => Operand::Imm(Imm::from(0x1234_5678_9abc_u64)),
                OperandKind::Const
                | OperandKind::Local
                | OperandKind::Global
                | OperandKind::Func
                | OperandKind::Table
                | OperandKind::Elem
                | OperandKind::Data
                | OperandKind::Import => Operand::Index(7),
                OperandKind::Targets => Operand::Targets(vec![8, 16, 0]),
                OperandKind::Pair => Operand::Pair(2, 9),
                OperandKind::Lanes => Operand::Lanes(LaneWidth::L16),
                OperandKind::WordLane => Operand::WordLane(LaneWidth::L8, 5),
                OperandKind::Target => Operand::Target(40),
                OperandKind::Offset => Operand::Offset(16),
                OperandKind::Depth => Operand::Depth(3),
                OperandKind::Syscall => Operand::Syscall(1),
                OperandKind::Selector(family) => {
                    Operand::Selector(family.members().last().expect("non-empty family"))
                }
                OperandKind::Lane => Operand::Lane(1),
                OperandKind::MemLane => Operand::MemLane(16, 1),
                OperandKind::V128 => Operand::Bytes16(std::array::from_fn(|i| i as u8 * 17)),
                OperandKind::Shuffle => Operand::Bytes16(std::array::from_fn(|i| 31 - i as u8)),
            };
            let inst = Instruction { opcode, operand };
            let mut bytes = Vec::new();
            inst.encode(&mut bytes);
            assert_eq!(
                Instruction::decode(&bytes, 0),
                Ok((inst.clone(), bytes.len()))
            );
            assert_eq!(inst.encoded_len(), bytes.len());
        }
    }

    #[test]
    fn zero_and_max_immediates_are_minimal() {
        let zero = Instruction {
            opcode: Opcode::Push,
            operand: Operand::Imm(Imm::ZERO),
        };
        let mut bytes = Vec::new();
        zero.encode(&mut bytes);
        assert_eq!(bytes, [0x10, 0]);
        let max = Instruction {
            opcode: Opcode::Push,
            operand: Operand::Imm(Imm::MAX),
        };
        bytes.clear();
        max.encode(&mut bytes);
        assert_eq!(bytes.len(), 66);
        assert_eq!(Instruction::decode(&bytes, 0).unwrap().0, max);
    }

    #[test]
    fn malformed_encodings_are_rejected() {
        assert_eq!(
            Instruction::decode(&[0xEE], 0),
            Err(DecodeError::UnknownOpcode { code: 0xEE, pc: 0 })
        );
        assert_eq!(
            Instruction::decode(&[0x03, 1, 2], 0),
            Err(DecodeError::Truncated {
                what: "operand",
                pc: 0
            })
        );
        assert_eq!(
            Instruction::decode(&[0x10, 65], 0),
            Err(DecodeError::ImmediateTooLong { len: 65, pc: 0 })
        );
        assert_eq!(
            Instruction::decode(&[0x10, 2, 1, 0], 0),
            Err(DecodeError::NonCanonicalImmediate { pc: 0 })
        );
        assert_eq!(
            Instruction::decode(&[0xF9, 0x00, 0x20], 0),
            Err(DecodeError::BadSelector {
                selector: 0x20,
                mnemonic: "HASH",
                expected: "hash algorithm",
                pc: 0
            })
        );
        assert!(matches!(
            Instruction::decode(&[0xF9, 0x00, 0xEE], 0),
            Err(DecodeError::BadSelector { selector: 0xEE, .. })
        ));
        assert_eq!(
            Instruction::decode(&[0x08, 0, 0, 0, 0], 0),
            Err(DecodeError::EmptyJumpTable { pc: 0 })
        );
        assert_eq!(
            Instruction::decode(&[0x08, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4], 0),
            Err(DecodeError::Truncated {
                what: "operand",
                pc: 0
            })
        );
        assert_eq!(
            Instruction::decode(&[0xF3], 0),
            Err(DecodeError::Truncated {
                what: "opcode",
                pc: 0
            })
        );
    }
}
