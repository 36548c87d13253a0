//! The typed i32, i64, f32 and f64 instructions done inline, and the tables that describe them.

use super::words::{Division, int_cc};
use super::{Kind, Tx, flags};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use cranelift_frontend::FunctionBuilder;
use dotvm_core::Opcode;
use dotvm_core::compare::{Compared, Comparison};
use dotvm_core::instruction::Operand;

/// The kind of the float operands `op` reads with [`Tx::typed_nan_blind`] (its result is
/// the same for every NaN input), if it is such an operation: `Tx::typed_op`'s
/// truncations, canonicalising float arithmetic and float comparisons.
pub(super) fn nan_blind_operand(op: Opcode) -> Option<Kind> {
    let kind = if let Some((from, ..)) = truncation(op) {
        from
    } else if let Some((kind, Result_::Float(true) | Result_::Flag, _)) = typed_binary(op) {
        kind
    } else if let Some((kind, Unary::Same(true) | Unary::To(_, true), _)) = typed_unary(op) {
        kind
    } else {
        return None;
    };
    matches!(kind, Kind::F32 | Kind::F64).then_some(kind)
}

/// What a typed binary operation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Result_ {
    /// A value of the operand kind; for floats, `true` when a NaN result is canonicalised.
    Float(bool),
    /// A value of the operand kind (integers).
    Same,
    /// A comparison flag (`I8`), pushed as an i32 0 or 1.
    Flag,
}

/// What a typed unary operation produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unary {
    /// A value of the operand kind; `true` when a NaN result is canonicalised.
    Same(bool),
    /// A value of another kind; `true` when a NaN result is canonicalised.
    To(Kind, bool),
    /// A test flag (`I8`), pushed as an i32 0 or 1.
    Flag,
}

/// A binary builder.
pub(super) type BinaryFn = fn(&mut FunctionBuilder<'_>, Value, Value) -> Value;
/// A unary builder.
pub(super) type UnaryFn = fn(&mut FunctionBuilder<'_>, Value) -> Value;

/// The typed binary operations: operand kind, result, builder.
pub(super) fn typed_binary(op: Opcode) -> Option<(Kind, Result_, BinaryFn)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    macro_rules! fcmp {
        ($cc:expr) => {
            (|b, x, y| b.ins().fcmp($cc, x, y)) as BinaryFn
        };
    }
    let int = |op: Opcode| -> Option<(Result_, BinaryFn)> {
        Some(match op {
            O::I32Add | O::I64Add => (Result_::Same, |b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => (Result_::Same, |b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => (Result_::Same, |b, x, y| b.ins().imul(x, y)),
            O::I32And | O::I64And => (Result_::Same, |b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => (Result_::Same, |b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => (Result_::Same, |b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => (Result_::Same, |b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => (Result_::Same, |b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => (Result_::Same, |b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => (Result_::Same, |b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => (Result_::Same, |b, x, y| b.ins().rotr(x, y)),
            _ => return None,
        })
    };
    let float = |op: Opcode| -> Option<(Result_, BinaryFn)> {
        Some(match op {
            O::F32Eq | O::F64Eq => (Result_::Flag, fcmp!(FloatCC::Equal)),
            O::F32Ne | O::F64Ne => (Result_::Flag, fcmp!(FloatCC::NotEqual)),
            O::F32Lt | O::F64Lt => (Result_::Flag, fcmp!(FloatCC::LessThan)),
            O::F32Gt | O::F64Gt => (Result_::Flag, fcmp!(FloatCC::GreaterThan)),
            O::F32Le | O::F64Le => (Result_::Flag, fcmp!(FloatCC::LessThanOrEqual)),
            O::F32Ge | O::F64Ge => (Result_::Flag, fcmp!(FloatCC::GreaterThanOrEqual)),
            O::F32Add | O::F64Add => (Result_::Float(true), |b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => (Result_::Float(true), |b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => (Result_::Float(true), |b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => (Result_::Float(true), |b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => (Result_::Float(true), |b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => (Result_::Float(true), |b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => {
                (Result_::Float(false), |b, x, y| b.ins().fcopysign(x, y))
            }
            _ => return None,
        })
    };
    let category = op.info().category;
    use dotvm_core::isa::Category;
    let (kind, (result, f)) = match category {
        Category::Int32 => (KI32, int(op)?),
        Category::Int64 => (KI64, int(op)?),
        Category::Float32 => (KF32, float(op)?),
        Category::Float64 => (KF64, float(op)?),
        _ => return None,
    };
    Some((kind, result, f))
}

/// The typed unary operations (tests, bit counts, float rounding, conversions that cannot
/// trap): operand kind, result, builder.
pub(super) fn typed_unary(op: Opcode) -> Option<(Kind, Unary, UnaryFn)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32Eqz => (KI32, Unary::Flag, |b, x| {
            b.ins().icmp_imm_s(IntCC::Equal, x, 0)
        }),
        O::I64Eqz => (KI64, Unary::Flag, |b, x| {
            b.ins().icmp_imm_s(IntCC::Equal, x, 0)
        }),
        O::I32Clz => (KI32, Unary::Same(false), |b, x| b.ins().clz(x)),
        O::I32Ctz => (KI32, Unary::Same(false), |b, x| b.ins().ctz(x)),
        O::I32Popcnt => (KI32, Unary::Same(false), |b, x| b.ins().popcnt(x)),
        O::I64Clz => (KI64, Unary::Same(false), |b, x| b.ins().clz(x)),
        O::I64Ctz => (KI64, Unary::Same(false), |b, x| b.ins().ctz(x)),
        O::I64Popcnt => (KI64, Unary::Same(false), |b, x| b.ins().popcnt(x)),
        O::I32Extend8S => (KI32, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I8, x);
            b.ins().sextend(I32, n)
        }),
        O::I32Extend16S => (KI32, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I16, x);
            b.ins().sextend(I32, n)
        }),
        O::I64Extend8S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I8, x);
            b.ins().sextend(I64, n)
        }),
        O::I64Extend16S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I16, x);
            b.ins().sextend(I64, n)
        }),
        O::I64Extend32S => (KI64, Unary::Same(false), |b, x| {
            let n = b.ins().ireduce(I32, x);
            b.ins().sextend(I64, n)
        }),
        O::F32Abs => (KF32, Unary::Same(false), |b, x| b.ins().fabs(x)),
        O::F64Abs => (KF64, Unary::Same(false), |b, x| b.ins().fabs(x)),
        O::F32Neg => (KF32, Unary::Same(false), |b, x| b.ins().fneg(x)),
        O::F64Neg => (KF64, Unary::Same(false), |b, x| b.ins().fneg(x)),
        O::F32Ceil => (KF32, Unary::Same(true), |b, x| b.ins().ceil(x)),
        O::F64Ceil => (KF64, Unary::Same(true), |b, x| b.ins().ceil(x)),
        O::F32Floor => (KF32, Unary::Same(true), |b, x| b.ins().floor(x)),
        O::F64Floor => (KF64, Unary::Same(true), |b, x| b.ins().floor(x)),
        O::F32Trunc => (KF32, Unary::Same(true), |b, x| b.ins().trunc(x)),
        O::F64Trunc => (KF64, Unary::Same(true), |b, x| b.ins().trunc(x)),
        O::F32Nearest => (KF32, Unary::Same(true), |b, x| b.ins().nearest(x)),
        O::F64Nearest => (KF64, Unary::Same(true), |b, x| b.ins().nearest(x)),
        O::F32Sqrt => (KF32, Unary::Same(true), |b, x| b.ins().sqrt(x)),
        O::F64Sqrt => (KF64, Unary::Same(true), |b, x| b.ins().sqrt(x)),
        O::I32WrapI64 => (KI64, Unary::To(KI32, false), |b, x| b.ins().ireduce(I32, x)),
        O::I64ExtendI32S => (KI32, Unary::To(KI64, false), |b, x| b.ins().sextend(I64, x)),
        O::I64ExtendI32U => (KI32, Unary::To(KI64, false), |b, x| b.ins().uextend(I64, x)),
        O::F32ConvertI32S => (KI32, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_sint(F32, x)
        }),
        O::F32ConvertI32U => (KI32, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_uint(F32, x)
        }),
        O::F32ConvertI64S => (KI64, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_sint(F32, x)
        }),
        O::F32ConvertI64U => (KI64, Unary::To(KF32, false), |b, x| {
            b.ins().fcvt_from_uint(F32, x)
        }),
        O::F64ConvertI32S => (KI32, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_sint(F64, x)
        }),
        O::F64ConvertI32U => (KI32, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_uint(F64, x)
        }),
        O::F64ConvertI64S => (KI64, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_sint(F64, x)
        }),
        O::F64ConvertI64U => (KI64, Unary::To(KF64, false), |b, x| {
            b.ins().fcvt_from_uint(F64, x)
        }),
        O::F32DemoteF64 => (KF64, Unary::To(KF32, true), |b, x| b.ins().fdemote(F32, x)),
        O::F64PromoteF32 => (KF32, Unary::To(KF64, true), |b, x| b.ins().fpromote(F64, x)),
        O::I32ReinterpretF32 | O::F32ReinterpretI32 => (KI32, Unary::Same(false), |_, x| x),
        O::I64ReinterpretF64 | O::F64ReinterpretI64 => (KI64, Unary::Same(false), |_, x| x),
        _ => return None,
    })
}

/// The float-to-integer truncations: source kind, result kind, signed, saturating.
pub(super) fn truncation(op: Opcode) -> Option<(Kind, Kind, bool, bool)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32TruncF32S => (KF32, KI32, true, false),
        O::I32TruncF32U => (KF32, KI32, false, false),
        O::I32TruncF64S => (KF64, KI32, true, false),
        O::I32TruncF64U => (KF64, KI32, false, false),
        O::I64TruncF32S => (KF32, KI64, true, false),
        O::I64TruncF32U => (KF32, KI64, false, false),
        O::I64TruncF64S => (KF64, KI64, true, false),
        O::I64TruncF64U => (KF64, KI64, false, false),
        O::I32TruncSatF32S => (KF32, KI32, true, true),
        O::I32TruncSatF32U => (KF32, KI32, false, true),
        O::I32TruncSatF64S => (KF64, KI32, true, true),
        O::I32TruncSatF64U => (KF64, KI32, false, true),
        O::I64TruncSatF32S => (KF32, KI64, true, true),
        O::I64TruncSatF32U => (KF32, KI64, false, true),
        O::I64TruncSatF64S => (KF64, KI64, true, true),
        O::I64TruncSatF64U => (KF64, KI64, false, true),
        _ => return None,
    })
}

impl Tx<'_, '_, '_> {
    /// The typed instructions done inline. Returns false when `op` is not one of them.
    pub(super) fn typed_op(&mut self, index: u32, op: Opcode, h: u32) -> bool {
        use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
        use Opcode as O;
        let word_div = |op: Opcode| match op {
            O::DivU => Some(Division::DivU),
            O::DivS => Some(Division::DivS),
            O::ModU => Some(Division::RemU),
            O::ModS => Some(Division::RemS),
            _ => None,
        };
        if let Some(division) = word_div(op) {
            let kind = match self.env.word {
                I32 if self.limbs.is_none() => KI32,
                I64 if self.limbs.is_none() => KI64,
                _ => return false,
            };
            let x = self.get(h - 2);
            let y = self.get(h - 1);
            self.division(index, h, division, (x, y), h - 2, kind);
            return true;
        }
        let int_div = |op: Opcode| match op {
            O::I32DivS => Some((KI32, Division::DivS)),
            O::I32DivU => Some((KI32, Division::DivU)),
            O::I32RemS => Some((KI32, Division::RemS)),
            O::I32RemU => Some((KI32, Division::RemU)),
            O::I64DivS => Some((KI64, Division::DivS)),
            O::I64DivU => Some((KI64, Division::DivU)),
            O::I64RemS => Some((KI64, Division::RemS)),
            O::I64RemU => Some((KI64, Division::RemU)),
            _ => None,
        };
        if let Some((kind, division)) = int_div(op) {
            let n = self.width(kind);
            let x = self.typed(h - 2 * n, kind);
            let y = self.typed(h - n, kind);
            self.division(index, h, division, (x, y), h - 2 * n, kind);
            return true;
        }
        if let Some((ty, signed, wide)) = typed_load(op) {
            let Operand::Offset(offset) = self.f.instruction(index).operand else {
                return false;
            };
            let (start, bad) = self.address(h - 1, offset, ty.bytes(), false);
            // Floats are loaded into float registers, where their users take them.
            let float = match op {
                O::F32Load => Some((KF32, F32)),
                O::F64Load => Some((KF64, F64)),
                _ => None,
            };
            if let Some((kind, fty)) = float {
                self.guarded_load(index, h, &bad, (h - 1, kind), |tx| {
                    let at = tx.host_address(start);
                    tx.b.ins().load(fty, flags(), at, 0)
                });
                return true;
            }
            self.guarded_any(index, h, &bad, |tx| {
                let at = tx.host_address(start);
                let raw = tx.b.ins().load(ty, flags(), at, 0);
                let target = if wide { I64 } else { I32 };
                let value = if ty == target {
                    raw
                } else if signed {
                    tx.b.ins().sextend(target, raw)
                } else {
                    tx.b.ins().uextend(target, raw)
                };
                tx.put(h - 1, if wide { KI64 } else { KI32 }, value);
            });
            return true;
        }
        if let Some((kind, ty)) = typed_store(op) {
            let Operand::Offset(offset) = self.f.instruction(index).operand else {
                return false;
            };
            let n = self.width(kind);
            // Floats are stored from their float registers (same size as `ty`).
            let bits = self.typed(h - n, kind);
            let (start, bad) = self.address(h - n - 1, offset, ty.bytes(), true);
            self.guarded_any(index, h, &bad, |tx| {
                let at = tx.host_address(start);
                let narrow = if tx.b.func.dfg.value_type(bits).bytes() == ty.bytes() {
                    bits
                } else {
                    tx.b.ins().ireduce(ty, bits)
                };
                tx.b.ins().store(flags(), narrow, at, 0);
            });
            return true;
        }
        if let Some((from, to, signed, sat)) = truncation(op) {
            let at = h - self.width(from);
            let x = self.typed_nan_blind(at, from);
            let ty = if to == KI32 { I32 } else { I64 };
            let convert = move |tx: &mut Self| {
                let r = if signed {
                    tx.b.ins().fcvt_to_sint_sat(ty, x)
                } else {
                    tx.b.ins().fcvt_to_uint_sat(ty, x)
                };
                tx.put(at, to, r);
            };
            if sat {
                convert(self);
            } else {
                let wide = if from == KF32 {
                    self.b.ins().fpromote(F64, x)
                } else {
                    x
                };
                let (low, high) = match (to, signed) {
                    (KI32, true) => (-2_147_483_648.0, 2_147_483_648.0),
                    (KI32, false) => (0.0, 4_294_967_296.0),
                    (_, true) => (-9_223_372_036_854_775_808.0, 9_223_372_036_854_775_808.0),
                    (_, false) => (0.0, 18_446_744_073_709_551_616.0),
                };
                let t = self.b.ins().trunc(wide);
                let nan = self.b.ins().fcmp(FloatCC::Unordered, wide, wide);
                let low = self.b.ins().f64const(low);
                let high = self.b.ins().f64const(high);
                let below = self.b.ins().fcmp(FloatCC::LessThan, t, low);
                let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, t, high);
                let out = self.b.ins().bor(below, above);
                let bad = self.b.ins().bor(nan, out);
                self.guarded(index, h, bad, convert);
            }
            return true;
        }
        // Integer comparisons, from the one comparison table.
        if let Some((comparison, compared @ (Compared::I32 | Compared::I64))) = Comparison::of(op) {
            let kind = if compared == Compared::I32 {
                KI32
            } else {
                KI64
            };
            let n = self.width(kind);
            let a = self.typed(h - 2 * n, kind);
            let b = self.typed(h - n, kind);
            let c = self.b.ins().icmp(int_cc(comparison), a, b);
            let c = self.b.ins().uextend(I32, c);
            self.put(h - 2 * n, KI32, c);
            return true;
        }
        // Plain unary and binary typed operations: (operand kind, result kind, builder).
        if let Some((kind, result, f)) = typed_binary(op) {
            let n = self.width(kind);
            let (a, b) = if matches!(result, Result_::Float(true) | Result_::Flag) {
                (
                    self.typed_nan_blind(h - 2 * n, kind),
                    self.typed_nan_blind(h - n, kind),
                )
            } else {
                (self.typed(h - 2 * n, kind), self.typed(h - n, kind))
            };
            let r = f(&mut self.b, a, b);
            match result {
                Result_::Flag => {
                    let c = self.b.ins().uextend(I32, r);
                    self.put(h - 2 * n, KI32, c);
                }
                Result_::Float(true) => self.put_canonical(index, h - 2 * n, kind, r),
                _ => self.put(h - 2 * n, kind, r),
            }
            return true;
        }
        if let Some((kind, result, f)) = typed_unary(op) {
            let at = h - self.width(kind);
            let (out_kind, canonical) = match result {
                Unary::Same(c) => (kind, c),
                Unary::To(k, c) => (k, c),
                Unary::Flag => (KI32, false),
            };
            let a = if canonical {
                self.typed_nan_blind(at, kind)
            } else {
                self.typed(at, kind)
            };
            let r = f(&mut self.b, a);
            if canonical {
                self.put_canonical(index, at, out_kind, r);
                return true;
            }
            let r = if result == Unary::Flag {
                self.b.ins().uextend(I32, r)
            } else {
                r
            };
            self.put(at, out_kind, r);
            return true;
        }
        match op {
            O::Select | O::Select64 => {
                // `n` slots each (two for a 64-bit value on 32-bit words), the condition on
                // top; every slot (or limb) is selected.
                let n = self.env.shape.effects[index as usize].1;
                let c = self.typed(h - 1, KI32);
                for k in 0..n {
                    let a = self.read_slot(self.base + h - 1 - 2 * n + k);
                    let b = self.read_slot(self.base + h - 1 - n + k);
                    let r: Vec<Value> = a
                        .into_iter()
                        .zip(b)
                        .map(|(a, b)| self.b.ins().select(c, a, b))
                        .collect();
                    self.write_slot(self.base + h - 1 - 2 * n + k, &r);
                }
                true
            }
            _ => false,
        }
    }
}

/// The typed loads: memory type, sign-extending, 64-bit result.
pub(super) fn typed_load(op: Opcode) -> Option<(Type, bool, bool)> {
    use Opcode as O;
    Some(match op {
        O::I32Load => (I32, false, false),
        O::F32Load => (I32, false, false),
        O::I64Load => (I64, false, true),
        O::F64Load => (I64, false, true),
        O::I32Load8S => (I8, true, false),
        O::I32Load8U => (I8, false, false),
        O::I32Load16S => (I16, true, false),
        O::I32Load16U => (I16, false, false),
        O::I64Load8S => (I8, true, true),
        O::I64Load8U => (I8, false, true),
        O::I64Load16S => (I16, true, true),
        O::I64Load16U => (I16, false, true),
        O::I64Load32S => (I32, true, true),
        O::I64Load32U => (I32, false, true),
        _ => return None,
    })
}

/// The typed stores: value kind, memory type.
pub(super) fn typed_store(op: Opcode) -> Option<(Kind, Type)> {
    use Kind::{F32 as KF32, F64 as KF64, I32 as KI32, I64 as KI64};
    use Opcode as O;
    Some(match op {
        O::I32Store => (KI32, I32),
        O::I64Store => (KI64, I64),
        O::F32Store => (KF32, I32),
        O::F64Store => (KF64, I64),
        O::I32Store8 => (KI32, I8),
        O::I32Store16 => (KI32, I16),
        O::I64Store8 => (KI64, I8),
        O::I64Store16 => (KI64, I16),
        O::I64Store32 => (KI64, I32),
        _ => return None,
    })
}
