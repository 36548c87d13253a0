//! Hash maps: std `HashMap` (SipHash, seeded by the random source) inserts, lookups and
//! removals; the output does not depend on the seed.

use std::collections::HashMap;

/// The workload's output.
pub(crate) fn run() -> String {
    let mut map: HashMap<u64, u64> = HashMap::new();
    for i in 0..150_000u64 {
        *map.entry(i.wrapping_mul(7919) % 100_003).or_insert(0) += i;
    }
    let mut hits = 0u64;
    let mut sum = 0u64;
    for i in 0..300_000u64 {
        if let Some(v) = map.get(&(i % 120_000)) {
            hits += 1;
            sum = sum.wrapping_add(*v);
        }
    }
    for i in 0..50_000u64 {
        map.remove(&i);
    }
    format!("entries {}, hits {hits}, sum {sum}\n", map.len())
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
