//! The CI differential test: a fixed set of generated modules compared between wasmi 2.0
//! and DotVM on every architecture and optimisation level; it must find no divergence that
//! is not a known wasmi bug. `DOTVM_DIFF_SEEDS=N` (and `DOTVM_DIFF_FIRST=S`) compare other
//! seeds; `scripts/fuzz-differential` runs it for hours.

use dotvm_diff::{KnownBug, compare_seed};
use std::collections::BTreeMap;

/// Seeds compared in CI (seeds 0..CI_SEEDS; see docs/wasm.md for the measured time).
const CI_SEEDS: u64 = 1000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_modules_agree_with_wasmi() {
    let first = env_u64("DOTVM_DIFF_FIRST", 0);
    let count = env_u64("DOTVM_DIFF_SEEDS", CI_SEEDS);
    let (mut compared, mut calls) = (0u64, 0u64);
    let mut divergences = Vec::new();
    let mut excluded: BTreeMap<KnownBug, Vec<u64>> = BTreeMap::new();
    for seed in first..first + count {
        let report = compare_seed(seed);
        compared += u64::from(report.compared);
        calls += report.calls;
        divergences.extend(report.divergences);
        for (bug, divergence) in report.excluded {
            let seeds = excluded.entry(bug).or_default();
            if seeds.last() != Some(&divergence.seed) {
                seeds.push(divergence.seed);
            }
        }
    }
    eprintln!(
        "differential: {compared} modules compared (seeds {first}..{}), 20 DotVM configurations \
         each, {calls} calls, {} divergences, excluded as known wasmi bugs: {:?}",
        first + count,
        divergences.len(),
        excluded
    );
    assert!(
        compared * 10 >= count * 9,
        "too few modules compared: {compared} of {count}"
    );
    assert!(
        divergences.is_empty(),
        "divergences (judge each with scripts/diff-judge SEED):\n{}",
        divergences
            .iter()
            .map(|d| format!("seed {} {} -O{}: {}", d.seed, d.arch, d.opt_level, d.detail))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
