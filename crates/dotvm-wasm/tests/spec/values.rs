//! Wasm values in DotVM slots: arguments in, results out, and the spec's comparisons (NaN
//! patterns compared bitwise).

use dotvm_core::module::SigType;
use dotvm_core::{Arch, Imm};
use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};

/// A wasm value as bits: numbers by their bits, references as 0 (null) or index + 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Value {
    pub(super) ty: SigType,
    pub(super) bits: u128,
}

/// The value of a wast argument.
pub(super) fn arg(arg: &WastArgCore<'_>) -> Option<Value> {
    let (ty, bits) = match *arg {
        WastArgCore::I32(v) => (SigType::I32, u128::from(v as u32)),
        WastArgCore::I64(v) => (SigType::I64, u128::from(v as u64)),
        WastArgCore::F32(f) => (SigType::F32, u128::from(f.bits)),
        WastArgCore::F64(f) => (SigType::F64, u128::from(f.bits)),
        WastArgCore::V128(ref v) => (SigType::V128, u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(wast::core::HeapType::Abstract { ty, .. }) => {
            let sig = match ty {
                wast::core::AbstractHeapType::Func => SigType::FuncRef,
                _ => SigType::ExternRef,
            };
            (sig, 0)
        }
        WastArgCore::RefExtern(n) => (SigType::ExternRef, u128::from(n) + 1),
        _ => return None,
    };
    Some(Value { ty, bits })
}

/// The slots of `values` on `arch` (a value wider than the word in several slots, least
/// significant first).
pub(super) fn to_slots(values: &[Value], arch: Arch) -> Vec<Imm> {
    let bits = arch.word_bits();
    let mut slots = Vec::new();
    for v in values {
        let n = v.ty.val_type().slots(arch);
        if n == 1 {
            slots.push(Imm::from(v.bits));
        } else {
            let mask = u128::MAX >> (128 - bits);
            slots.extend((0..n).map(|k| Imm::from((v.bits >> (k * bits)) & mask)));
        }
    }
    slots
}

/// Reassembles values of `types` from result slots.
pub(super) fn from_slots(slots: &[Imm], types: &[SigType], arch: Arch) -> Option<Vec<Value>> {
    let word = arch.word_bits();
    let mut values = Vec::new();
    let mut i = 0;
    for &ty in types {
        let low = |i: usize| {
            slots
                .get(i)
                .map(|s| u128::from(s.as_limbs()[0]) | u128::from(s.as_limbs()[1]) << 64)
        };
        let n = ty.val_type().slots(arch) as usize;
        let bits = if n == 1 {
            low(i)?
        } else {
            let mut bits = 0u128;
            for k in 0..n {
                let part = low(i + k)? & (u128::MAX >> (128 - word));
                bits |= part << (k as u32 * word);
            }
            bits
        };
        i += n;
        values.push(Value { ty, bits });
    }
    (i == slots.len()).then_some(values)
}

/// Whether the lanes of `bits` match `want` (NaN patterns lane by lane).
fn lanes_match(bits: u128, want: &V128Pattern) -> bool {
    let bytes = bits.to_le_bytes();
    let lane = |i: usize, width: usize| {
        let mut b = [0u8; 8];
        b[..width].copy_from_slice(&bytes[i * width..(i + 1) * width]);
        u64::from_le_bytes(b)
    };
    match want {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| lane(i, 1) == u64::from(x as u8)),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| lane(i, 2) == u64::from(x as u16)),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, &x)| lane(i, 4) == u64::from(x as u32)),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, &x)| lane(i, 8) == x as u64),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| {
            let got = lane(i, 4);
            match p {
                NanPattern::CanonicalNan => got & 0x7FFF_FFFF == 0x7FC0_0000,
                NanPattern::ArithmeticNan => got & 0x7FC0_0000 == 0x7FC0_0000,
                NanPattern::Value(f) => got == u64::from(f.bits),
            }
        }),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| {
            let got = lane(i, 8);
            match p {
                NanPattern::CanonicalNan => got & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000,
                NanPattern::ArithmeticNan => got & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000,
                NanPattern::Value(f) => got == f.bits,
            }
        }),
    }
}

/// Whether `got` matches the expected result.
pub(super) fn matches(got: &Value, want: &WastRetCore<'_>) -> bool {
    match want {
        WastRetCore::I32(v) => got.ty == SigType::I32 && got.bits == u128::from(*v as u32),
        WastRetCore::I64(v) => got.ty == SigType::I64 && got.bits == u128::from(*v as u64),
        WastRetCore::V128(pattern) => got.ty == SigType::V128 && lanes_match(got.bits, pattern),
        WastRetCore::F32(pattern) => {
            got.ty == SigType::F32
                && got.bits >> 32 == 0
                && match pattern {
                    NanPattern::CanonicalNan => got.bits & 0x7FFF_FFFF == 0x7FC0_0000,
                    NanPattern::ArithmeticNan => got.bits & 0x7FC0_0000 == 0x7FC0_0000,
                    NanPattern::Value(f) => got.bits == u128::from(f.bits),
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
                    NanPattern::Value(f) => got.bits == u128::from(f.bits),
                }
        }
        WastRetCore::RefNull(_) => {
            matches!(got.ty, SigType::FuncRef | SigType::ExternRef) && got.bits == 0
        }
        WastRetCore::RefExtern(None) => got.ty == SigType::ExternRef && got.bits != 0,
        WastRetCore::RefExtern(Some(n)) => {
            got.ty == SigType::ExternRef && got.bits == u128::from(*n) + 1
        }
        WastRetCore::RefFunc(_) => got.ty == SigType::FuncRef && got.bits != 0,
        WastRetCore::Either(options) => options.iter().any(|w| matches(got, w)),
        _ => false,
    }
}
