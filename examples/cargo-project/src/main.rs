//! A Cargo project with a crates.io dependency (`fnv`), run by DotVM:
//! `dotvm run examples/cargo-project -- alpha beta`.

use fnv::{FnvHashMap, FnvHasher};
use std::hash::Hasher;

/// FNV-1a 64 of `text`.
fn fnv64(text: &str) -> u64 {
    let mut hasher = FnvHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let words = if words.is_empty() {
        vec!["dotvm".to_string(), "wasm".to_string(), "dotvm".to_string()]
    } else {
        words
    };
    let mut counts: FnvHashMap<&str, usize> = FnvHashMap::default();
    for word in &words {
        *counts.entry(word).or_default() += 1;
    }
    let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
    sorted.sort();
    for (word, count) in sorted {
        println!("{word}: count {count}, fnv1a64 {:016x}", fnv64(word));
    }
}
