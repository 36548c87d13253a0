//! Writes the module of one seed to /tmp/seedN.wasm and prints what wasmi and DotVM (every
//! architecture, -O2) observe (used by `scripts/diff-judge`).
fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let wasm = dotvm_diff::module_for_seed(seed).expect("module");
    eprintln!("generated {} bytes", wasm.len());
    std::fs::write(format!("/tmp/seed{seed}.wasm"), &wasm).unwrap();
    let w = dotvm_diff::wasmi_side::observe(&wasm, seed);
    eprintln!("wasmi: {w:?}");
    wasmi_message(&wasm);
    for arch in dotvm_diff::compare::ARCHS {
        let d = dotvm_diff::dotvm_side::observe(&wasm, seed, arch, 2);
        eprintln!("dotvm {arch}: {d:?}");
    }
}

/// Prints wasmi's instantiation error message, if any.
fn wasmi_message(wasm: &[u8]) {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).unwrap();
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    if let Err(e) = linker.instantiate_and_start(&mut store, &module) {
        eprintln!("wasmi error: {e} / {:?}", e.kind());
    }
}
