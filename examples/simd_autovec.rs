//! Plain loops that LLVM turns into 128-bit vector code when the program is built with
//! `dotvm run --simd simd_autovec.rs` (WebAssembly's `simd128`); the output is the same
//! with or without it, and natively.

/// A byte buffer filled from a fixed linear congruential sequence.
fn bytes(n: usize) -> Vec<u8> {
    let mut x = 12_345u32;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect()
}

/// Sum of squares of the bytes, as u32 lanes.
fn sum_of_squares(data: &[u8]) -> u32 {
    data.iter().map(|&b| u32::from(b) * u32::from(b)).sum()
}

/// `y[i] = a * x[i] + y[i]` over i32s (wrapping).
fn axpy(a: i32, x: &[i32], y: &mut [i32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = a.wrapping_mul(x).wrapping_add(*y);
    }
}

/// The largest byte of each 64-byte block.
fn block_maxima(data: &[u8]) -> Vec<u8> {
    data.chunks(64)
        .map(|block| block.iter().copied().max().unwrap_or(0))
        .collect()
}

fn main() {
    let data = bytes(1 << 16);
    println!("sum of squares of 65536 bytes: {}", sum_of_squares(&data));

    let x: Vec<i32> = data.iter().map(|&b| i32::from(b) - 128).collect();
    let mut y: Vec<i32> = data.iter().rev().map(|&b| i32::from(b) * 3).collect();
    for round in 0..8 {
        axpy(round * 7 - 20, &x, &mut y);
    }
    let checksum = y.iter().fold(0u64, |s, &v| s.wrapping_mul(31).wrapping_add(v as u32 as u64));
    println!("axpy checksum after 8 rounds: {checksum}");

    let maxima = block_maxima(&data);
    let distinct = maxima.iter().collect::<std::collections::BTreeSet<_>>().len();
    println!("block maxima: {} blocks, {distinct} distinct, first {:?}", maxima.len(), &maxima[..8]);
}
