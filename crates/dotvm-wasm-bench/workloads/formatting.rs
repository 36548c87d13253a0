//! String formatting: integers, floats and padding through `format!` into a growing
//! `String`.

use std::fmt::Write;

/// The workload's output.
pub(crate) fn run() -> String {
    let mut text = String::new();
    for i in 0..60_000u32 {
        let x = i as f64 * 0.37;
        let _ = writeln!(text, "{i:>8} {x:.3} {:#x} {:e}", i * 31, x / 7.0);
    }
    let checksum = text.bytes().fold(0u32, |h, b| h.rotate_left(5) ^ b as u32);
    format!(
        "formatted {} bytes, {} lines, checksum {checksum:08x}\n",
        text.len(),
        text.lines().count()
    )
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
