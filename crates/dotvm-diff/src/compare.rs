//! Comparing DotVM with wasmi on one generated module, in every configuration.

use crate::known::{self, KnownBug};
use crate::{Ending, Observation, TrapClass, dotvm_side, generate, wasmi_side};
use dotvm_core::Arch;

/// A disagreement between DotVM and wasmi.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The module's seed.
    pub seed: u64,
    /// The DotVM configuration.
    pub arch: Arch,
    /// The DotVM optimisation level.
    pub opt_level: u8,
    /// What differs.
    pub detail: String,
}

/// What comparing one seed found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The module was generated and compared (in every configuration).
    pub compared: bool,
    /// Calls compared, over all configurations.
    pub calls: u64,
    /// Unexplained divergences.
    pub divergences: Vec<Divergence>,
    /// Divergences explained by a known wasmi bug (the module has its pattern).
    pub excluded: Vec<(KnownBug, Divergence)>,
}

/// Every architecture, in order.
pub const ARCHS: [Arch; 5] = [
    Arch::Arch32,
    Arch::Arch64,
    Arch::Arch128,
    Arch::Arch256,
    Arch::Arch512,
];

/// Compares the module of `seed` under wasmi and under DotVM on every architecture and
/// optimisation level.
pub fn compare_seed(seed: u64) -> Report {
    let mut report = Report::default();
    let Some(wasm) = generate::module_for_seed(seed) else {
        return report;
    };
    compare_module(&wasm, seed, &mut report);
    report
}

/// Compares `wasm` (generated for `seed`) in every configuration into `report`.
pub fn compare_module(wasm: &[u8], seed: u64, report: &mut Report) {
    // wasmi's debug build needs a deep native stack on some modules; DotVM runs on the
    // caller's stack.
    let reference = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(scope, || wasmi_side::observe(wasm, seed))
            .ok()?
            .join()
            .ok()?
            .ok()
    });
    let Some(reference) = reference else {
        return;
    };
    report.compared = true;
    for arch in ARCHS {
        for opt_level in 0..=3 {
            let (detail, explained) = match dotvm_side::observe(wasm, seed, arch, opt_level) {
                Ok(observed) => {
                    report.calls += compared_calls(&observed);
                    let detail = disagreement(&reference, &observed);
                    let explained = detail
                        .as_ref()
                        .and_then(|_| known::explain(wasm, &reference, &observed));
                    (detail, explained)
                }
                Err(error) => (
                    Some(format!("DotVM could not run a module wasmi runs: {error}")),
                    None,
                ),
            };
            if let Some(detail) = detail {
                let divergence = Divergence {
                    seed,
                    arch,
                    opt_level,
                    detail,
                };
                match explained {
                    Some(bug) => report.excluded.push((bug, divergence)),
                    None => report.divergences.push(divergence),
                }
            }
        }
    }
}

/// How `observed` (DotVM) differs from `reference` (wasmi), if it does. A call that
/// exhausted either engine's own limits (stack, depth) is not compared.
pub fn disagreement(reference: &Observation, observed: &Observation) -> Option<String> {
    let exhausted_start = |start: &Option<TrapClass>| *start == Some(TrapClass::Exhausted);
    if exhausted_start(&reference.start) || exhausted_start(&observed.start) {
        return None;
    }
    if reference.start != observed.start {
        return Some(format!(
            "initialiser: wasmi {:?}, DotVM {:?}",
            reference.start, observed.start
        ));
    }
    if reference.calls.len() != observed.calls.len() {
        return Some(format!(
            "wasmi made {} calls, DotVM {}",
            reference.calls.len(),
            observed.calls.len()
        ));
    }
    let exhausted = |ending: &Ending| *ending == Ending::Trapped(TrapClass::Exhausted);
    for (want, got) in reference.calls.iter().zip(&observed.calls) {
        if exhausted(&want.ending) || exhausted(&got.ending) {
            continue;
        }
        if want.ending != got.ending {
            return Some(format!(
                "call {}: wasmi {:?}, DotVM {:?}",
                want.name, want.ending, got.ending
            ));
        }
        if want.memory != got.memory {
            return Some(format!(
                "after call {}: memory differs (wasmi {:?}, DotVM {:?} as (FNV-1a, size))",
                want.name, want.memory, got.memory
            ));
        }
        if want.globals != got.globals {
            return Some(format!(
                "after call {}: globals: wasmi {:?}, DotVM {:?}",
                want.name, want.globals, got.globals
            ));
        }
    }
    None
}

/// Calls compared in `observation` (not exhausted).
pub fn compared_calls(observation: &Observation) -> u64 {
    observation
        .calls
        .iter()
        .filter(|c| c.ending != Ending::Trapped(TrapClass::Exhausted))
        .count() as u64
}
