//! Module generation: the `wasm-smith` configuration and a module for a seed.

use arbitrary::Unstructured;
use wasm_smith::{Config, Module};

/// Iterations of loops plus function entries a module may perform in total before its
/// compiled-in fuel counter traps with `unreachable` (in every engine at the same point).
/// It stays below wasmi's default recursion limit (1024 frames), so recursion ends with the
/// same trap in both engines.
pub const MODULE_FUEL: u32 = 900;

/// Bytes of random input `wasm-smith` draws a module from.
const ENTROPY: usize = 16384;

/// The generator's configuration: WebAssembly 2.0 without SIMD (what DotVM translates),
/// no imports, NaNs canonicalised, every item exported, small memories and tables; with
/// `no_traps`, code that guards its divisions, conversions and memory accesses (so more of
/// it runs to the end).
pub fn config(no_traps: bool) -> Config {
    Config {
        disallow_traps: no_traps,
        max_imports: 0,
        min_funcs: 2,
        min_exports: 2,
        max_tags: 0,
        max_funcs: 12,
        max_instructions: 200,
        max_memories: 1,
        max_tables: 2,
        max_table_elements: 100,
        max_memory32_bytes: 4 * 65536,
        max_data_segments: 4,
        max_element_segments: 4,
        max_globals: 8,
        max_exports: 32,
        max_nesting_depth: 6,
        export_everything: true,
        canonicalize_nans: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        ..Config::default()
    }
}

/// The random input for `seed` (SplitMix64).
fn entropy(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(ENTROPY);
    while out.len() < ENTROPY {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// The module for `seed` (binary), with its fuel counter; `None` when the generator gives
/// up on this input.
/// Odd seeds generate code without traps.
pub fn module_for_seed(seed: u64) -> Option<Vec<u8>> {
    module_from_bytes(&entropy(seed), seed % 2 == 1)
}

/// The module drawn from arbitrary bytes (for the fuzz target), with its fuel counter.
pub fn module_from_bytes(bytes: &[u8], no_traps: bool) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(bytes);
    let mut module = Module::new(config(no_traps), &mut u).ok()?;
    module.ensure_termination(MODULE_FUEL).ok()?;
    Some(module.to_bytes())
}
