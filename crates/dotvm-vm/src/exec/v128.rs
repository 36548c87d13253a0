//! Lane arithmetic on 128-bit vectors (`[u8; 16]`, lane 0 in the lowest bytes): the
//! building blocks of the simd128 instructions (`exec::simd`). Every helper loops over the
//! lanes of a fixed width, which LLVM turns into vector code for some lane widths and
//! operations and not for others (`dotvm-bench v128` measures them); on x86-64 the float
//! arithmetic and the byte shuffles come from `exec::v128_sse` instead, and the integer
//! operations whose SSE2 form was measured faster from the table of `exec::v128_int`.

/// A 128-bit vector's bytes.
pub(super) type V128 = [u8; 16];

/// A lane type: how one lane is read from and written to a vector.
pub(super) trait Lane: Copy {
    /// Bytes per lane.
    const BYTES: usize;
    /// Lanes per vector.
    const COUNT: usize = 16 / Self::BYTES;
    /// Lane `i` of `v`.
    fn get(v: &V128, i: usize) -> Self;
    /// Sets lane `i` of `v`.
    fn put(self, v: &mut V128, i: usize);
}

macro_rules! lane {
    ($($t:ty),*) => {$(
        impl Lane for $t {
            const BYTES: usize = size_of::<$t>();

            #[inline(always)]
            fn get(v: &V128, i: usize) -> Self {
                let mut b = [0u8; size_of::<$t>()];
                b.copy_from_slice(&v[i * Self::BYTES..(i + 1) * Self::BYTES]);
                <$t>::from_le_bytes(b)
            }

            #[inline(always)]
            fn put(self, v: &mut V128, i: usize) {
                v[i * Self::BYTES..(i + 1) * Self::BYTES].copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

lane!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

/// Every lane of type `T` set to `x`.
#[inline(always)]
pub(super) fn splat<T: Lane>(x: T) -> V128 {
    let mut r = [0; 16];
    for i in 0..T::COUNT {
        x.put(&mut r, i);
    }
    r
}

/// `f` applied to every lane.
#[inline(always)]
pub(super) fn map<T: Lane, U: Lane>(a: V128, f: impl Fn(T) -> U) -> V128 {
    debug_assert_eq!(T::BYTES, U::BYTES);
    let mut r = [0; 16];
    for i in 0..T::COUNT {
        f(T::get(&a, i)).put(&mut r, i);
    }
    r
}

/// `f` applied to every pair of lanes.
#[inline(always)]
pub(super) fn zip<T: Lane>(a: V128, b: V128, f: impl Fn(T, T) -> T) -> V128 {
    let mut r = [0; 16];
    for i in 0..T::COUNT {
        f(T::get(&a, i), T::get(&b, i)).put(&mut r, i);
    }
    r
}

/// A lane mask: all ones in lane `i` where `f` holds for lane `i` of `a` and `b`.
#[inline(always)]
pub(super) fn compare<T: Lane>(a: V128, b: V128, f: impl Fn(T, T) -> bool) -> V128 {
    let mut r = [0; 16];
    for i in 0..T::COUNT {
        if f(T::get(&a, i), T::get(&b, i)) {
            r[i * T::BYTES..(i + 1) * T::BYTES].fill(0xFF);
        }
    }
    r
}

/// Whether every lane is non-zero.
pub(super) fn all_true<T: Lane + PartialEq + Default>(a: V128) -> bool {
    (0..T::COUNT).all(|i| T::get(&a, i) != T::default())
}

/// The top bit of every lane, lane 0 in bit 0.
pub(super) fn bitmask<T: Lane>(a: V128) -> u32 {
    (0..T::COUNT)
        .map(|i| u32::from(a[(i + 1) * T::BYTES - 1] >> 7) << i)
        .sum()
}

/// The lanes of the low (`high` false) or high half of `a`, each widened by `f` to a lane
/// twice as wide.
#[inline(always)]
pub(super) fn widen<T: Lane, U: Lane>(a: V128, high: bool, f: impl Fn(T) -> U) -> V128 {
    let mut r = [0; 16];
    let first = if high { U::COUNT } else { 0 };
    for i in 0..U::COUNT {
        f(T::get(&a, first + i)).put(&mut r, i);
    }
    r
}

/// The lanes of `a`, then those of `b`, each narrowed by `f` to a lane half as wide.
#[inline(always)]
pub(super) fn narrow<T: Lane, U: Lane>(a: V128, b: V128, f: impl Fn(T) -> U) -> V128 {
    let mut r = [0; 16];
    for i in 0..T::COUNT {
        f(T::get(&a, i)).put(&mut r, i);
        f(T::get(&b, i)).put(&mut r, T::COUNT + i);
    }
    r
}

/// Adjacent lane pairs of `a` combined by `f` into lanes twice as wide.
#[inline(always)]
pub(super) fn pairwise<T: Lane, U: Lane>(a: V128, b: V128, f: impl Fn(T, T, T, T) -> U) -> V128 {
    let mut r = [0; 16];
    for i in 0..U::COUNT {
        let (a0, a1) = (T::get(&a, 2 * i), T::get(&a, 2 * i + 1));
        let (b0, b1) = (T::get(&b, 2 * i), T::get(&b, 2 * i + 1));
        f(a0, a1, b0, b1).put(&mut r, i);
    }
    r
}

/// The lanes of the low or high halves of `a` and `b`, widened and combined by `f`.
#[inline(always)]
pub(super) fn widen_zip<T: Lane, U: Lane>(
    a: V128,
    b: V128,
    high: bool,
    f: impl Fn(T, T) -> U,
) -> V128 {
    let mut r = [0; 16];
    let first = if high { U::COUNT } else { 0 };
    for i in 0..U::COUNT {
        f(T::get(&a, first + i), T::get(&b, first + i)).put(&mut r, i);
    }
    r
}

/// Bytes of `a` selected by the byte indices of `s` (0 for an index of 16 or more).
pub(super) fn swizzle(a: V128, s: V128) -> V128 {
    #[cfg(target_arch = "x86_64")]
    if let Some(r) = super::v128_sse::swizzle(&a, &s) {
        return r;
    }
    swizzle_portable(a, s)
}

/// [`swizzle`] as a lane loop.
pub(super) fn swizzle_portable(a: V128, s: V128) -> V128 {
    s.map(|i| a.get(usize::from(i)).copied().unwrap_or(0))
}

/// Bytes of `a` and `b` (indices 16..32 for `b`) selected by `lanes` (each taken modulo
/// 32).
pub(super) fn shuffle(a: V128, b: V128, lanes: &V128) -> V128 {
    #[cfg(target_arch = "x86_64")]
    if let Some(r) = super::v128_sse::shuffle(&a, &b, lanes) {
        return r;
    }
    shuffle_portable(a, b, lanes)
}

/// [`shuffle`] as a lane loop.
pub(super) fn shuffle_portable(a: V128, b: V128, lanes: &V128) -> V128 {
    lanes.map(|i| {
        let i = usize::from(i) & 31;
        if i < 16 { a[i] } else { b[i - 16] }
    })
}

/// A float lane operation whose NaN results are canonical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arith {
    /// `x + y`.
    Add,
    /// `x - y`.
    Sub,
    /// `x * y`.
    Mul,
    /// `x / y`.
    Div,
}

/// Float lane arithmetic: `op` on the lanes of type `$t` of two vectors, NaNs canonical;
/// vector code on x86-64, the lane loop `$portable` elsewhere.
macro_rules! float_arith {
    ($name:ident, $portable:ident, $t:ty, $sse:ident) => {
        #[doc = concat!("`op` on the ", stringify!($t), " lanes of `a` and `b`, NaN results canonical.")]
        #[inline(always)]
        pub(super) fn $name(op: Arith, a: V128, b: V128) -> V128 {
            #[cfg(target_arch = "x86_64")]
            {
                super::v128_sse::$sse(op, &a, &b)
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                $portable(op, a, b)
            }
        }

        #[doc = concat!("[`", stringify!($name), "`] as a lane loop.")]
        #[cfg(any(not(target_arch = "x86_64"), test, feature = "bench"))]
        pub(super) fn $portable(op: Arith, a: V128, b: V128) -> V128 {
            use super::float::WasmFloat;
            zip::<$t>(a, b, |x, y| {
                match op {
                    Arith::Add => x + y,
                    Arith::Sub => x - y,
                    Arith::Mul => x * y,
                    Arith::Div => x / y,
                }
                .canonical()
            })
        }
    };
}

float_arith!(f32_arith, f32_arith_portable, f32, f32x4);
float_arith!(f64_arith, f64_arith_portable, f64, f64x2);

/// `a` as one 128-bit integer.
pub(super) fn bits(a: V128) -> u128 {
    u128::from_le_bytes(a)
}

/// The vector of a 128-bit integer.
pub(super) fn from_bits(x: u128) -> V128 {
    x.to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i32x4(lanes: [i32; 4]) -> V128 {
        let mut v = [0; 16];
        for (i, x) in lanes.into_iter().enumerate() {
            x.put(&mut v, i);
        }
        v
    }

    #[test]
    fn lanes_are_little_endian_lane_zero_first() {
        let v = i32x4([1, -2, 3, -4]);
        assert_eq!(v[0], 1);
        assert_eq!(i32::get(&v, 1), -2);
        assert_eq!(u16::get(&v, 2), 0xFFFE);
        assert_eq!(bitmask::<i32>(v), 0b1010);
        assert_eq!(bitmask::<i8>(v), 0xF0F0);
    }

    #[test]
    fn widening_narrowing_and_pairs() {
        let v = i32x4([-1, 2, -3, 4]);
        let high = widen::<i32, i64>(v, true, i64::from);
        assert_eq!((i64::get(&high, 0), i64::get(&high, 1)), (-3, 4));
        let low = widen::<i32, u64>(v, false, |x| u64::from(x as u32));
        assert_eq!(u64::get(&low, 0), 0xFFFF_FFFF);
        let n = narrow::<i32, i16>(v, i32x4([70000, -70000, 0, 1]), |x| {
            x.clamp(i16::MIN.into(), i16::MAX.into()) as i16
        });
        assert_eq!(i16::get(&n, 0), -1);
        assert_eq!(i16::get(&n, 4), i16::MAX);
        assert_eq!(i16::get(&n, 5), i16::MIN);
        let dot = pairwise::<i32, i64>(v, v, |a0, a1, b0, b1| {
            i64::from(a0) * i64::from(b0) + i64::from(a1) * i64::from(b1)
        });
        assert_eq!(i64::get(&dot, 0), 5);
        assert_eq!(i64::get(&dot, 1), 25);
    }

    #[test]
    fn byte_selection() {
        let a: V128 = std::array::from_fn(|i| i as u8);
        let b: V128 = std::array::from_fn(|i| 100 + i as u8);
        let mut s = a;
        s[0] = 15;
        s[1] = 16;
        s[2] = 255;
        let w = swizzle(a, s);
        assert_eq!(&w[..4], &[15, 0, 0, 3]);
        let lanes: V128 = std::array::from_fn(|i| 31 - i as u8);
        let r = shuffle(a, b, &lanes);
        assert_eq!((r[0], r[15]), (115, 100));
        assert_eq!(compare::<u8>(a, s, |x, y| x == y)[3], 0xFF);
        assert!(!all_true::<u8>(a));
        assert!(all_true::<u16>(splat(1u16)));
        assert_eq!(bits(from_bits(7 << 64)), 7 << 64);
    }
}
