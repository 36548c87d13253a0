//! Wasm values in DotVM slots: arguments in, results out, and the spec's comparisons (NaN
//! patterns compared bitwise).

use dotvm_core::module::SigType;
use dotvm_core::{Arch, Imm};
use wast::core::{NanPattern, WastArgCore, WastRetCore};

/// A wasm value as bits: numbers by their bits, references as 0 (null) or index + 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Value {
    pub(super) ty: SigType,
    pub(super) bits: u64,
}

/// The value of a wast argument.
pub(super) fn arg(arg: &WastArgCore<'_>) -> Option<Value> {
    let (ty, bits) = match *arg {
        WastArgCore::I32(v) => (SigType::I32, u64::from(v as u32)),
        WastArgCore::I64(v) => (SigType::I64, v as u64),
        WastArgCore::F32(f) => (SigType::F32, u64::from(f.bits)),
        WastArgCore::F64(f) => (SigType::F64, f.bits),
        WastArgCore::RefNull(wast::core::HeapType::Abstract { ty, .. }) => {
            let sig = match ty {
                wast::core::AbstractHeapType::Func => SigType::FuncRef,
                _ => SigType::ExternRef,
            };
            (sig, 0)
        }
        WastArgCore::RefExtern(n) => (SigType::ExternRef, u64::from(n) + 1),
        _ => return None,
    };
    Some(Value { ty, bits })
}

/// The slots of `values` on `arch` (64-bit values as two slots on Arch32, low first).
pub(super) fn to_slots(values: &[Value], arch: Arch) -> Vec<Imm> {
    let mut slots = Vec::new();
    for v in values {
        if v.ty.val_type().slots(arch) == 2 {
            slots.push(Imm::from(v.bits & 0xFFFF_FFFF));
            slots.push(Imm::from(v.bits >> 32));
        } else {
            slots.push(Imm::from(v.bits));
        }
    }
    slots
}

/// Reassembles values of `types` from result slots.
pub(super) fn from_slots(slots: &[Imm], types: &[SigType], arch: Arch) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    let mut i = 0;
    for &ty in types {
        let low = |i: usize| slots.get(i).map(|s| s.as_limbs()[0]);
        let bits = if ty.val_type().slots(arch) == 2 {
            let (lo, hi) = (low(i)?, low(i + 1)?);
            i += 2;
            (lo & 0xFFFF_FFFF) | (hi << 32)
        } else {
            i += 1;
            low(i - 1)?
        };
        values.push(Value { ty, bits });
    }
    (i == slots.len()).then_some(values)
}

/// Whether `got` matches the expected result.
pub(super) fn matches(got: &Value, want: &WastRetCore<'_>) -> bool {
    match want {
        WastRetCore::I32(v) => got.ty == SigType::I32 && got.bits == u64::from(*v as u32),
        WastRetCore::I64(v) => got.ty == SigType::I64 && got.bits == *v as u64,
        WastRetCore::F32(pattern) => {
            got.ty == SigType::F32
                && got.bits >> 32 == 0
                && match pattern {
                    NanPattern::CanonicalNan => got.bits & 0x7FFF_FFFF == 0x7FC0_0000,
                    NanPattern::ArithmeticNan => got.bits & 0x7FC0_0000 == 0x7FC0_0000,
                    NanPattern::Value(f) => got.bits == u64::from(f.bits),
                }
        }
        WastRetCore::F64(pattern) => {
            got.ty == SigType::F64
                && match pattern {
                    NanPattern::CanonicalNan => {
                        got.bits & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000
                    }
                    NanPattern::ArithmeticNan => {
                        got.bits & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
                    }
                    NanPattern::Value(f) => got.bits == f.bits,
                }
        }
        WastRetCore::RefNull(_) => {
            matches!(got.ty, SigType::FuncRef | SigType::ExternRef) && got.bits == 0
        }
        WastRetCore::RefExtern(None) => got.ty == SigType::ExternRef && got.bits != 0,
        WastRetCore::RefExtern(Some(n)) => {
            got.ty == SigType::ExternRef && got.bits == u64::from(*n) + 1
        }
        WastRetCore::RefFunc(_) => got.ty == SigType::FuncRef && got.bits != 0,
        WastRetCore::Either(options) => options.iter().any(|w| matches(got, w)),
        _ => false,
    }
}
