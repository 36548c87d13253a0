//! Sorting with allocation: numbers, then strings built on the heap.

/// The workload's output.
pub(crate) fn run() -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 7;
        state ^= state >> 9;
        state
    };
    let mut numbers: Vec<u64> = (0..200_000).map(|_| next() % 1_000_000).collect();
    numbers.sort_unstable();
    let mut words: Vec<String> = (0..60_000)
        .map(|_| format!("w{:x}", next() % 0xFFFFF))
        .collect();
    words.sort();
    words.dedup();
    let median = numbers[numbers.len() / 2];
    format!(
        "median {median}, distinct words {}, first {}, last {}\n",
        words.len(),
        words[0],
        words[words.len() - 1]
    )
}

#[allow(dead_code)]
fn main() {
    print!("{}", run());
}
