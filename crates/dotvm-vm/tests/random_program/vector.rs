//! The simd128 part of the random programs: vector expressions (built from scalars, memory,
//! constants and locals, combined by lane operations) reduced to one slot by a lane
//! extract or a test, and vector stores and local writes. A vector takes four slots on
//! Arch32, two on Arch64 and one above, so reading a vector local reads that many locals.

use super::{Builder, Expr, LOCALS};
use dotvm_core::instruction::Operand;
use dotvm_core::{Opcode, isa::ValType};
use proptest::prelude::*;

/// A vector expression: leaves one `v128`.
#[derive(Debug, Clone)]
pub(super) enum VExpr {
    Const([u8; 16]),
    /// The vector in the locals from `l` on (read in order, or last slot first when the
    /// flag is set, so the engine cannot read them as one run).
    Local(u8, bool),
    /// A splat, or a load (`op`, offset) of the address.
    Splat(Opcode, Box<Expr>),
    Load(Opcode, u32, Box<Expr>),
    Unary(Opcode, Box<VExpr>),
    Binary(Opcode, Box<VExpr>, Box<VExpr>),
    /// A shift by the scalar.
    Shift(Opcode, Box<VExpr>, Box<Expr>),
    /// `v; x; REPLACE_LANE lane`.
    Replace(Opcode, u8, Box<VExpr>, Box<Expr>),
    Bitselect(Box<VExpr>, Box<VExpr>, Box<VExpr>),
    Shuffle([u8; 16], Box<VExpr>, Box<VExpr>),
    /// `addr; v; LOAD*_LANE offset lane`.
    LoadLane(Opcode, u32, u8, Box<Expr>, Box<VExpr>),
}

/// Lane-wise and whole-vector operations on two vectors.
const BINARY: &[Opcode] = &[
    Opcode::I8x16Add,
    Opcode::I8x16Sub,
    Opcode::I8x16AddSatS,
    Opcode::I8x16AddSatU,
    Opcode::I8x16SubSatS,
    Opcode::I8x16SubSatU,
    Opcode::I8x16MinS,
    Opcode::I8x16MinU,
    Opcode::I8x16MaxU,
    Opcode::I8x16AvgrU,
    Opcode::I8x16Eq,
    Opcode::I8x16LtS,
    Opcode::I8x16GeU,
    Opcode::I8x16Swizzle,
    Opcode::I8x16NarrowI16x8S,
    Opcode::I8x16NarrowI16x8U,
    Opcode::I16x8Add,
    Opcode::I16x8Sub,
    Opcode::I16x8Mul,
    Opcode::I16x8Eq,
    Opcode::I16x8Ne,
    Opcode::I16x8Q15MulrSatS,
    Opcode::I16x8GtS,
    Opcode::I16x8LtS,
    Opcode::I16x8AddSatS,
    Opcode::I16x8AddSatU,
    Opcode::I16x8SubSatS,
    Opcode::I16x8SubSatU,
    Opcode::I16x8MinS,
    Opcode::I16x8MaxS,
    Opcode::I16x8AvgrU,
    Opcode::I16x8LeU,
    Opcode::I16x8NarrowI32x4S,
    Opcode::I16x8ExtMulLowI8x16S,
    Opcode::I32x4Add,
    Opcode::I32x4Sub,
    Opcode::I32x4Mul,
    Opcode::I32x4MinU,
    Opcode::I32x4Eq,
    Opcode::I32x4GtS,
    Opcode::I32x4LtS,
    Opcode::I32x4LtU,
    Opcode::I32x4DotI16x8S,
    Opcode::I32x4ExtMulHighI16x8U,
    Opcode::I64x2Add,
    Opcode::I64x2Sub,
    Opcode::I64x2Mul,
    Opcode::I64x2Eq,
    Opcode::I64x2LtS,
    Opcode::I64x2ExtMulLowI32x4S,
    Opcode::F32x4Add,
    Opcode::F32x4Sub,
    Opcode::F32x4Mul,
    Opcode::F32x4Div,
    Opcode::F32x4Min,
    Opcode::F32x4Max,
    Opcode::F32x4PMin,
    Opcode::F32x4Lt,
    Opcode::F64x2Add,
    Opcode::F64x2Mul,
    Opcode::F64x2Div,
    Opcode::F64x2Min,
    Opcode::F64x2Max,
    Opcode::F64x2Le,
    Opcode::V128And,
    Opcode::V128Or,
    Opcode::V128Xor,
    Opcode::V128AndNot,
];

const UNARY: &[Opcode] = &[
    Opcode::V128Not,
    Opcode::I8x16Abs,
    Opcode::I8x16Neg,
    Opcode::I8x16Popcnt,
    Opcode::I16x8ExtAddPairwiseI8x16S,
    Opcode::I32x4ExtAddPairwiseI16x8U,
    Opcode::I16x8ExtAddPairwiseI8x16U,
    Opcode::I32x4ExtAddPairwiseI16x8S,
    Opcode::I16x8ExtendLowI8x16S,
    Opcode::I16x8ExtendHighI8x16U,
    Opcode::I32x4ExtendLowI16x8U,
    Opcode::I64x2ExtendHighI32x4S,
    Opcode::I16x8ExtendLowI8x16U,
    Opcode::I16x8ExtendHighI8x16S,
    Opcode::I32x4ExtendLowI16x8S,
    Opcode::I32x4ExtendHighI16x8S,
    Opcode::I32x4ExtendHighI16x8U,
    Opcode::I64x2ExtendLowI32x4S,
    Opcode::I64x2ExtendLowI32x4U,
    Opcode::I64x2ExtendHighI32x4U,
    Opcode::I32x4Abs,
    Opcode::I64x2Neg,
    Opcode::F32x4Abs,
    Opcode::F32x4Neg,
    Opcode::F32x4Sqrt,
    Opcode::F32x4Ceil,
    Opcode::F32x4Nearest,
    Opcode::F64x2Floor,
    Opcode::F64x2Sqrt,
    Opcode::I32x4TruncSatF32x4S,
    Opcode::F32x4ConvertI32x4U,
    Opcode::I32x4TruncSatF64x2UZero,
    Opcode::F64x2ConvertLowI32x4S,
    Opcode::F32x4DemoteF64x2Zero,
    Opcode::F64x2PromoteLowF32x4,
];

const SHIFTS: &[Opcode] = &[
    Opcode::I8x16Shl,
    Opcode::I8x16ShrS,
    Opcode::I16x8ShrU,
    Opcode::I32x4Shl,
    Opcode::I32x4ShrS,
    Opcode::I64x2ShrU,
    Opcode::I8x16ShrU,
    Opcode::I16x8Shl,
    Opcode::I16x8ShrS,
    Opcode::I32x4ShrU,
    Opcode::I64x2Shl,
    Opcode::I64x2ShrS,
];

/// Splats of an i32 scalar (one slot everywhere), then of an i64 (one slot from Arch64).
const SPLATS: &[Opcode] = &[
    Opcode::I8x16Splat,
    Opcode::I16x8Splat,
    Opcode::I32x4Splat,
    Opcode::F32x4Splat,
];
const SPLATS_64: &[Opcode] = &[Opcode::I64x2Splat, Opcode::F64x2Splat];

/// Lane replacements by an i32 scalar, then by an i64.
const REPLACES: &[Opcode] = &[
    Opcode::I8x16ReplaceLane,
    Opcode::I16x8ReplaceLane,
    Opcode::I32x4ReplaceLane,
    Opcode::F32x4ReplaceLane,
];
const REPLACES_64: &[Opcode] = &[Opcode::I64x2ReplaceLane, Opcode::F64x2ReplaceLane];

/// Lane extracts to an i32, then to an i64.
const EXTRACTS: &[Opcode] = &[
    Opcode::I8x16ExtractLaneS,
    Opcode::I8x16ExtractLaneU,
    Opcode::I16x8ExtractLaneS,
    Opcode::I16x8ExtractLaneU,
    Opcode::I32x4ExtractLane,
    Opcode::F32x4ExtractLane,
];
const EXTRACTS_64: &[Opcode] = &[Opcode::I64x2ExtractLane, Opcode::F64x2ExtractLane];

/// Tests of a whole vector (an i32 result).
const TESTS: &[Opcode] = &[
    Opcode::V128AnyTrue,
    Opcode::I8x16AllTrue,
    Opcode::I16x8AllTrue,
    Opcode::I32x4AllTrue,
    Opcode::I64x2AllTrue,
    Opcode::I8x16Bitmask,
    Opcode::I16x8Bitmask,
    Opcode::I32x4Bitmask,
    Opcode::I64x2Bitmask,
];

const LOADS: &[Opcode] = &[
    Opcode::V128Load,
    Opcode::V128Load8x8S,
    Opcode::V128Load16x4U,
    Opcode::V128Load32x2S,
    Opcode::V128Load8x8U,
    Opcode::V128Load16x4S,
    Opcode::V128Load32x2U,
    Opcode::V128Load8Splat,
    Opcode::V128Load16Splat,
    Opcode::V128Load32Splat,
    Opcode::V128Load64Splat,
    Opcode::V128Load32Zero,
    Opcode::V128Load64Zero,
];

const LOAD_LANES: &[Opcode] = &[
    Opcode::V128Load8Lane,
    Opcode::V128Load16Lane,
    Opcode::V128Load32Lane,
    Opcode::V128Load64Lane,
];

/// `V128_STORE` (lane ignored) and the lane stores.
pub(super) const STORES: &[Opcode] = &[
    Opcode::V128Store,
    Opcode::V128Store8Lane,
    Opcode::V128Store16Lane,
    Opcode::V128Store32Lane,
    Opcode::V128Store64Lane,
];

/// Lanes of the shape that `op`'s name starts with (`I8x16…` has 16), for lane indices;
/// 16 for the byte-lane loads and stores and 1 for whole-vector opcodes.
fn lanes(op: Opcode) -> u8 {
    let name = format!("{op:?}");
    for (shape, count) in [("I8x16", 16), ("I16x8", 8), ("I32x4", 4), ("F32x4", 4)] {
        if name.starts_with(shape) {
            return count;
        }
    }
    for (width, count) in [("8Lane", 16), ("16Lane", 8), ("32Lane", 4), ("64Lane", 2)] {
        if name.ends_with(width) {
            return count;
        }
    }
    if name.starts_with("I64x2") || name.starts_with("F64x2") {
        2
    } else {
        1
    }
}

/// `base` plus, in wide programs, `wide_only`.
fn ops(base: &[Opcode], wide_only: &[Opcode], wide: bool) -> Vec<Opcode> {
    let extra = if wide { wide_only } else { &[] };
    base.iter().chain(extra).copied().collect()
}

/// Vector expressions over the scalar expressions of `scalar`.
pub(super) fn vexpr(wide: bool, scalar: BoxedStrategy<Expr>) -> impl Strategy<Value = VExpr> {
    let splats = ops(SPLATS, SPLATS_64, wide);
    let replaces = ops(REPLACES, REPLACES_64, wide);
    let s = scalar.clone();
    let leaf = prop_oneof![
        2 => any::<[u8; 16]>().prop_map(VExpr::Const),
        2 => (0..LOCALS, any::<bool>()).prop_map(|(l, rev)| VExpr::Local(l, rev)),
        2 => (prop::sample::select(splats), s.clone())
            .prop_map(|(op, x)| VExpr::Splat(op, Box::new(x))),
        1 => (prop::sample::select(LOADS), 0u32..32, s)
            .prop_map(|(op, offset, a)| VExpr::Load(op, offset, Box::new(a))),
    ];
    leaf.prop_recursive(3, 12, 3, move |inner| {
        let s = scalar.clone();
        prop_oneof![
            3 => (prop::sample::select(BINARY), inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| VExpr::Binary(op, Box::new(a), Box::new(b))),
            2 => (prop::sample::select(UNARY), inner.clone())
                .prop_map(|(op, a)| VExpr::Unary(op, Box::new(a))),
            1 => (prop::sample::select(SHIFTS), inner.clone(), s.clone())
                .prop_map(|(op, a, n)| VExpr::Shift(op, Box::new(a), Box::new(n))),
            1 => (prop::sample::select(replaces.clone()), any::<u8>(), inner.clone(), s.clone())
                .prop_map(|(op, lane, a, x)| {
                    VExpr::Replace(op, lane % lanes(op), Box::new(a), Box::new(x))
                }),
            1 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| VExpr::Bitselect(Box::new(a), Box::new(b), Box::new(c))),
            1 => (any::<[u8; 16]>(), inner.clone(), inner.clone()).prop_map(|(lanes, a, b)| {
                VExpr::Shuffle(lanes.map(|i| i % 32), Box::new(a), Box::new(b))
            }),
            1 => (prop::sample::select(LOAD_LANES), 0u32..32, any::<u8>(), s, inner)
                .prop_map(|(op, offset, lane, a, v)| {
                    VExpr::LoadLane(op, offset, lane % lanes(op), Box::new(a), Box::new(v))
                }),
        ]
    })
}

/// A vector reduced to one slot: a lane extract (`Expr::Extract`) or a test.
pub(super) fn reduce(wide: bool, scalar: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    let extracts = ops(EXTRACTS, EXTRACTS_64, wide);
    prop_oneof![
        (
            prop::sample::select(extracts),
            any::<u8>(),
            vexpr(wide, scalar.clone())
        )
            .prop_map(|(op, lane, v)| Expr::Vector(op, lane % lanes(op), Box::new(v))),
        (prop::sample::select(TESTS), vexpr(wide, scalar)).prop_map(|(op, v)| Expr::Vector(
            op,
            0,
            Box::new(v)
        )),
    ]
}

/// The lane of a lane store `op` (0 for `V128_STORE`, which has none).
pub(super) fn store_lane(op: Opcode, lane: u8) -> u8 {
    lane % lanes(op)
}

impl Builder {
    /// Slots of a vector on the program's architecture.
    fn vector_slots(&self) -> u8 {
        ValType::V128.slots(self.arch) as u8
    }

    /// The first local of a vector read or written at local `l` (all its slots fit).
    pub(super) fn vector_local(&self, l: u8) -> u8 {
        l.min(LOCALS - self.vector_slots())
    }

    pub(super) fn vexpr(&mut self, v: &VExpr) {
        match v {
            VExpr::Const(bytes) => self.with(Opcode::V128Const, Operand::Bytes16(*bytes)),
            VExpr::Local(l, reversed) => {
                let first = self.vector_local(*l);
                let n = self.vector_slots();
                for k in 0..n {
                    let k = if *reversed { n - 1 - k } else { k };
                    self.with(Opcode::LocalGet, Operand::Index(u32::from(first + k)));
                }
            }
            VExpr::Splat(op, x) => {
                self.expr(x);
                self.op(*op);
            }
            VExpr::Load(op, offset, a) => {
                self.expr(a);
                self.with(*op, Operand::Offset(*offset));
            }
            VExpr::Unary(op, a) => {
                self.vexpr(a);
                self.op(*op);
            }
            VExpr::Binary(op, a, b) => {
                self.vexpr(a);
                self.vexpr(b);
                self.op(*op);
            }
            VExpr::Shift(op, a, n) => {
                self.vexpr(a);
                self.expr(n);
                self.op(*op);
            }
            VExpr::Replace(op, lane, a, x) => {
                self.vexpr(a);
                self.expr(x);
                self.with(*op, Operand::Lane(*lane));
            }
            VExpr::Bitselect(a, b, c) => {
                self.vexpr(a);
                self.vexpr(b);
                self.vexpr(c);
                self.op(Opcode::V128Bitselect);
            }
            VExpr::Shuffle(lanes, a, b) => {
                self.vexpr(a);
                self.vexpr(b);
                self.with(Opcode::I8x16Shuffle, Operand::Bytes16(*lanes));
            }
            VExpr::LoadLane(op, offset, lane, a, v) => {
                self.expr(a);
                self.vexpr(v);
                self.with(*op, Operand::MemLane(*offset, *lane));
            }
        }
    }

    /// Pops a vector into the locals from `l` on.
    pub(super) fn set_vector(&mut self, l: u8) {
        let first = self.vector_local(l);
        for k in (0..self.vector_slots()).rev() {
            self.with(Opcode::LocalSet, Operand::Index(u32::from(first + k)));
        }
    }
}
