//! 128-bit vectors written by hand: with `dotvm run --simd simd_intrinsics.rs` the
//! `core::arch::wasm32` intrinsics below become DotVM's v128 instructions; built for any
//! other target (or without `--simd`) the same computations run lane by lane, so every
//! build prints the same lines.

/// `n` pseudo-random numbers (a fixed linear congruential sequence).
fn numbers(n: usize, seed: u32) -> Vec<u32> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x >> 8
        })
        .collect()
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod kernels {
    use core::arch::wasm32::*;

    /// Wrapping dot product of two i32 slices whose length is a multiple of four.
    pub fn dot(a: &[i32], b: &[i32]) -> i32 {
        let mut acc = i32x4_splat(0);
        for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
            let x = i32x4(x[0], x[1], x[2], x[3]);
            let y = i32x4(y[0], y[1], y[2], y[3]);
            acc = i32x4_add(acc, i32x4_mul(x, y));
        }
        i32x4_extract_lane::<0>(acc)
            .wrapping_add(i32x4_extract_lane::<1>(acc))
            .wrapping_add(i32x4_extract_lane::<2>(acc))
            .wrapping_add(i32x4_extract_lane::<3>(acc))
    }

    /// Saturating byte sums of two 16-byte blocks, reversed.
    pub fn saturated_reversed(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
        let sum = u8x16_add_sat(v128_from(a), v128_from(b));
        let reversed = i8x16_shuffle::<15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0>(
            sum, sum,
        );
        let mut out = [0u8; 16];
        // SAFETY: `out` is 16 writable bytes; v128_store has no alignment requirement.
        unsafe { v128_store(out.as_mut_ptr().cast(), reversed) };
        out
    }

    /// Per lane: the square root of the larger of two f32s.
    pub fn sqrt_of_max(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
        let r = f32x4_sqrt(f32x4_max(
            f32x4(a[0], a[1], a[2], a[3]),
            f32x4(b[0], b[1], b[2], b[3]),
        ));
        [
            f32x4_extract_lane::<0>(r),
            f32x4_extract_lane::<1>(r),
            f32x4_extract_lane::<2>(r),
            f32x4_extract_lane::<3>(r),
        ]
    }

    fn v128_from(bytes: [u8; 16]) -> v128 {
        // SAFETY: `bytes` is 16 readable bytes; v128_load has no alignment requirement.
        unsafe { v128_load(bytes.as_ptr().cast()) }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod kernels {
    /// Wrapping dot product of two i32 slices whose length is a multiple of four.
    pub fn dot(a: &[i32], b: &[i32]) -> i32 {
        let mut acc = [0i32; 4];
        for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
            for lane in 0..4 {
                acc[lane] = acc[lane].wrapping_add(x[lane].wrapping_mul(y[lane]));
            }
        }
        acc.iter().fold(0i32, |s, &v| s.wrapping_add(v))
    }

    /// Saturating byte sums of two 16-byte blocks, reversed.
    pub fn saturated_reversed(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
        let mut out = [0u8; 16];
        for i in 0..16 {
            out[15 - i] = a[i].saturating_add(b[i]);
        }
        out
    }

    /// Per lane: the square root of the larger of two f32s.
    pub fn sqrt_of_max(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
        let mut out = [0f32; 4];
        for i in 0..4 {
            out[i] = a[i].max(b[i]).sqrt();
        }
        out
    }
}

fn main() {
    let a: Vec<i32> = numbers(1024, 7).into_iter().map(|x| x as i32 - (1 << 23)).collect();
    let b: Vec<i32> = numbers(1024, 11).into_iter().map(|x| x as i32 % 1000).collect();
    println!("dot product of 1024 i32 pairs: {}", kernels::dot(&a, &b));

    let bytes: Vec<u8> = numbers(32, 3).into_iter().map(|x| x as u8).collect();
    let (x, y) = bytes.split_at(16);
    let sums = kernels::saturated_reversed(x.try_into().unwrap(), y.try_into().unwrap());
    println!("saturating byte sums, reversed: {sums:?}");

    let roots = kernels::sqrt_of_max([4.0, 2.0, -1.0, 0.25], [1.0, 9.0, 16.0, 0.0]);
    println!("sqrt(max(a, b)) per lane: {roots:?}");
}
