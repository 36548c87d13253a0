//! Writes the module of one seed (or of a fuzz input file: first byte the mode, the rest
//! `wasm-smith`'s input) to /tmp/seedN.wasm and prints what wasmi and DotVM (every
//! architecture, every optimisation level) observe; used by `scripts/diff-judge`.

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    let (seed, wasm) = match arg.parse::<u64>() {
        Ok(seed) => (seed, dotvm_diff::module_for_seed(seed).expect("module")),
        Err(_) => {
            let data = std::fs::read(&arg).expect("a seed or a fuzz input file");
            let (&mode, rest) = data.split_first().expect("a non-empty input");
            let wasm =
                dotvm_diff::generate::module_from_bytes(rest, mode % 2 == 1).expect("module");
            (u64::from(mode), wasm)
        }
    };
    eprintln!("generated {} bytes", wasm.len());
    std::fs::write(format!("/tmp/seed{seed}.wasm"), &wasm).unwrap();
    let w = dotvm_diff::wasmi_side::observe(&wasm, seed);
    eprintln!("wasmi: {w:?}");
    for arch in dotvm_diff::compare::ARCHS {
        for level in 0..=3 {
            let d = dotvm_diff::dotvm_side::observe(&wasm, seed, arch, level);
            eprintln!("dotvm {arch} -O{level}: {d:?}");
        }
    }
}
