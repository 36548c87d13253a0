//! Memory-heavy: the sieve of Eratosthenes over a large byte array.

/// The workload's output.
pub(crate) fn run() -> String {
    const LIMIT: usize = 4_000_000;
    let mut composite = vec![false; LIMIT + 1];
    let mut count = 0;
    let mut last = 0;
    for i in 2..=LIMIT {
        if !composite[i] {
            count += 1;
            last = i;
            // i * i would overflow a 32-bit usize (wasm32) for large i: test i <= LIMIT / i.
            if i <= LIMIT / i {
                let mut j = i * i;
                while j <= LIMIT {
                    composite[j] = true;
                    j += i;
                }
            }
        }
    }
    format!("primes up to {LIMIT}: {count}, largest {last}\n")
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
