//! The word-lane operations on one 64-bit limb, for lanes of `L` bits (8, 16, 32 or 64):
//! SWAR ("SIMD within a register") bit tricks where they are exact, lane by lane otherwise.
//! Every function is `inline(always)` so the lane width folds to constants.

/// The low bit of every lane (`0x0101…` for bytes; 1 for 64-bit lanes).
#[inline(always)]
const fn low_bits<const L: u32>() -> u64 {
    if L == 64 {
        1
    } else {
        u64::MAX / lane_mask::<L>()
    }
}

/// One lane's worth of ones.
#[inline(always)]
const fn lane_mask<const L: u32>() -> u64 {
    if L == 64 { u64::MAX } else { (1 << L) - 1 }
}

/// The sign bit of every lane.
#[inline(always)]
const fn high_bits<const L: u32>() -> u64 {
    low_bits::<L>() << (L - 1)
}

/// Every lane whose sign bit is set in `flags` (only sign bits set) made all ones.
#[inline(always)]
fn widen<const L: u32>(flags: u64) -> u64 {
    (flags >> (L - 1)).wrapping_mul(lane_mask::<L>())
}

/// Bits of `a` where `mask` is set, of `b` elsewhere.
#[inline(always)]
pub(super) fn select(mask: u64, a: u64, b: u64) -> u64 {
    (a & mask) | (b & !mask)
}

/// Lane `i` of `limb` (zero-extended).
#[inline(always)]
pub(super) fn lane<const L: u32>(limb: u64, i: u32) -> u64 {
    (limb >> (i * L)) & lane_mask::<L>()
}

/// `a + b` in every lane, wrapping.
#[inline(always)]
pub(super) fn add<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return a.wrapping_add(b);
    }
    let h = high_bits::<L>();
    // Add below the sign bits (no carry crosses a lane), then put the sign bits' sum back.
    ((a & !h).wrapping_add(b & !h)) ^ ((a ^ b) & h)
}

/// `a - b` in every lane, wrapping.
#[inline(always)]
pub(super) fn sub<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return a.wrapping_sub(b);
    }
    let h = high_bits::<L>();
    // Borrow from set sign bits (no borrow crosses a lane), then fix the sign bits.
    ((a | h).wrapping_sub(b & !h)) ^ ((a ^ !b) & h)
}

/// `a * b` in every lane, wrapping.
#[inline(always)]
pub(super) fn mul<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return a.wrapping_mul(b);
    }
    let mut out = 0;
    for i in 0..64 / L {
        out |= (lane::<L>(a, i).wrapping_mul(lane::<L>(b, i)) & lane_mask::<L>()) << (i * L);
    }
    out
}

/// All ones in every lane where `a < b` (unsigned).
#[inline(always)]
pub(super) fn lt_u<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return if a < b { u64::MAX } else { 0 };
    }
    // The borrow out of each lane's top bit of `a - b`.
    let d = sub::<L>(a, b);
    widen::<L>(((!a & b) | (!(a ^ b) & d)) & high_bits::<L>())
}

/// All ones in every lane where `a < b` (signed).
#[inline(always)]
pub(super) fn lt_s<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return if (a as i64) < (b as i64) { u64::MAX } else { 0 };
    }
    // Flipping the sign bits maps signed order onto unsigned order.
    let h = high_bits::<L>();
    lt_u::<L>(a ^ h, b ^ h)
}

/// All ones in every lane where `a != b`.
#[inline(always)]
pub(super) fn ne<const L: u32>(a: u64, b: u64) -> u64 {
    if L == 64 {
        return if a != b { u64::MAX } else { 0 };
    }
    let h = high_bits::<L>();
    let x = a ^ b;
    // The low bits of a lane carry into its sign bit exactly when one of them is set.
    widen::<L>((((x & !h).wrapping_add(!h)) | x) & h)
}

/// `a` shifted left by `count` (below `L`) in every lane.
#[inline(always)]
pub(super) fn shl<const L: u32>(a: u64, count: u32) -> u64 {
    if L == 64 {
        return a << count;
    }
    (a << count) & low_bits::<L>().wrapping_mul((lane_mask::<L>() << count) & lane_mask::<L>())
}

/// `a` shifted right logically by `count` (below `L`) in every lane.
#[inline(always)]
pub(super) fn shr_u<const L: u32>(a: u64, count: u32) -> u64 {
    if L == 64 {
        return a >> count;
    }
    (a >> count) & low_bits::<L>().wrapping_mul(lane_mask::<L>() >> count)
}

/// `a` shifted right arithmetically by `count` (below `L`) in every lane.
#[inline(always)]
pub(super) fn shr_s<const L: u32>(a: u64, count: u32) -> u64 {
    if L == 64 {
        return ((a as i64) >> count) as u64;
    }
    let negative = widen::<L>(a & high_bits::<L>());
    let fill = low_bits::<L>().wrapping_mul(lane_mask::<L>() & !(lane_mask::<L>() >> count));
    shr_u::<L>(a, count) | (negative & fill)
}

/// Every lane set to the low `L` bits of `value`.
#[inline(always)]
pub(super) fn splat<const L: u32>(value: u64) -> u64 {
    (value & lane_mask::<L>()).wrapping_mul(low_bits::<L>())
}

/// The sum of the lanes (unsigned; it fits 64 bits for lanes narrower than the limb).
#[inline(always)]
pub(super) fn sum<const L: u32>(limb: u64) -> u64 {
    if L == 64 {
        return limb;
    }
    (0..64 / L).map(|i| lane::<L>(limb, i)).sum()
}

/// `limb` with lane `i` replaced by the low `L` bits of `value`.
#[inline(always)]
pub(super) fn insert<const L: u32>(limb: u64, i: u32, value: u64) -> u64 {
    let shift = i * L;
    (limb & !(lane_mask::<L>() << shift)) | ((value & lane_mask::<L>()) << shift)
}
