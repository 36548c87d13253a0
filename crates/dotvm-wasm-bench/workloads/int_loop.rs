//! Tight integer loops: Collatz chain lengths and an xorshift generator.

fn collatz_steps(mut n: u64) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

/// The workload's output.
pub(crate) fn run() -> String {
    let (mut longest, mut at) = (0, 0);
    for n in 1..150_000u64 {
        let steps = collatz_steps(n);
        if steps > longest {
            (longest, at) = (steps, n);
        }
    }
    let mut x: u32 = 2_463_534_242;
    let mut acc: u32 = 0;
    for _ in 0..3_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        acc = acc.wrapping_add(x);
    }
    format!("longest collatz below 150000: {at} ({longest} steps), xorshift sum {acc}\n")
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
