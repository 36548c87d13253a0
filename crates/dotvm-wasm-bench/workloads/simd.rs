//! 128-bit vectors (the benchmark builds this workload with `-C target-feature=+simd128`):
//! an i16 dot product and a byte histogram written with `core::arch::wasm32` intrinsics
//! (lane-by-lane Rust on other targets, so the native build prints the same), and an
//! alpha blend of two byte images left to the auto-vectoriser.

/// Elements of the dot product's vectors.
const DOT_LEN: usize = 1 << 14;
/// Bytes of the histogram's input and of each image.
const BYTES: usize = 1 << 16;

/// `n` pseudo-random numbers (xorshift32 from `seed`).
fn numbers(n: usize, seed: u32) -> Vec<u32> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        })
        .collect()
}

/// i16 values in -30000..30000 (no pair of products overflows an i32 lane).
fn shorts(n: usize, seed: u32) -> Vec<i16> {
    numbers(n, seed)
        .into_iter()
        .map(|x| (x % 60_000) as i16 - 30_000)
        .collect()
}

fn bytes(n: usize, seed: u32) -> Vec<u8> {
    numbers(n, seed)
        .into_iter()
        .map(|x| (x >> 24) as u8)
        .collect()
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod kernels {
    use core::arch::wasm32::*;

    /// Dot product of two i16 slices whose length is a multiple of eight.
    pub(super) fn dot(a: &[i16], b: &[i16]) -> i64 {
        let mut acc = i64x2_splat(0);
        for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
            // SAFETY: each chunk is eight i16s, 16 readable bytes; v128_load has no
            // alignment requirement.
            let (x, y) = unsafe { (v128_load(x.as_ptr().cast()), v128_load(y.as_ptr().cast())) };
            let products = i32x4_dot_i16x8(x, y);
            acc = i64x2_add(acc, i64x2_extend_low_i32x4(products));
            acc = i64x2_add(acc, i64x2_extend_high_i32x4(products));
        }
        i64x2_extract_lane::<0>(acc) + i64x2_extract_lane::<1>(acc)
    }

    /// Counts of the high nibbles of `data` (whose length is a multiple of 16).
    pub(super) fn histogram(data: &[u8]) -> [u32; 16] {
        let mut totals = [u32x4_splat(0); 16];
        // Byte counters are flushed to the 32-bit totals before they can wrap.
        for block in data.chunks(16 * 255) {
            let mut counts = [u8x16_splat(0); 16];
            for chunk in block.chunks_exact(16) {
                // SAFETY: the chunk is 16 readable bytes.
                let v = unsafe { v128_load(chunk.as_ptr().cast()) };
                let nibbles = u8x16_shr(v, 4);
                for (k, count) in counts.iter_mut().enumerate() {
                    let hit = u8x16_eq(nibbles, u8x16_splat(k as u8));
                    *count = u8x16_sub(*count, hit);
                }
            }
            for (total, count) in totals.iter_mut().zip(counts) {
                let wide = u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(count));
                *total = u32x4_add(*total, wide);
            }
        }
        totals.map(|t| {
            u32x4_extract_lane::<0>(t)
                + u32x4_extract_lane::<1>(t)
                + u32x4_extract_lane::<2>(t)
                + u32x4_extract_lane::<3>(t)
        })
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod kernels {
    /// Dot product, lane by lane.
    pub(super) fn dot(a: &[i16], b: &[i16]) -> i64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| i64::from(x) * i64::from(y))
            .sum()
    }

    /// Counts of the high nibbles of `data`, byte by byte.
    pub(super) fn histogram(data: &[u8]) -> [u32; 16] {
        let mut counts = [0u32; 16];
        for &b in data {
            counts[usize::from(b >> 4)] += 1;
        }
        counts
    }
}

/// `a` over `b` with weight `alpha`/256 per byte: a loop the compiler vectorises itself.
fn blend(a: &[u8], b: &[u8], alpha: u16, out: &mut [u8]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = ((u16::from(x) * alpha + u16::from(y) * (256 - alpha)) >> 8) as u8;
    }
}

/// The workload's output.
pub(crate) fn run() -> String {
    let (a, b) = (shorts(DOT_LEN, 1), shorts(DOT_LEN, 2));
    let mut dot = 0i64;
    for round in 0..300 {
        dot = dot.wrapping_add(kernels::dot(&a, &b) >> (round % 4));
    }
    let data = bytes(BYTES, 3);
    let mut histogram = [0u32; 16];
    for _ in 0..20 {
        for (h, n) in histogram.iter_mut().zip(kernels::histogram(&data)) {
            *h += n;
        }
    }
    let (x, y) = (bytes(BYTES, 4), bytes(BYTES, 5));
    let mut image = vec![0u8; BYTES];
    let mut checksum = 0u32;
    for alpha in 0..100u16 {
        blend(&x, &y, alpha * 2 + 1, &mut image);
        let sum: u32 = image.iter().map(|&p| u32::from(p)).sum();
        checksum = checksum.rotate_left(5) ^ sum;
    }
    format!("dot {dot}, histogram {histogram:?}, blend checksum {checksum:#010x}\n")
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
