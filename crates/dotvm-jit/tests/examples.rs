//! Every example program (`examples/*.dasm`) gives the same output, exit code or trap and
//! instruction count under the JIT as under the interpreter, on its own architecture and
//! reassembled for every other architecture, with and without a small fuel limit.

// Each test file uses part of the shared helpers.
#[allow(dead_code)]
mod common;

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_jit::JitError;
use dotvm_vm::{BufferIo, Host, Limits, RunError};
use std::path::PathBuf;

/// What a run did, comparably.
fn observe(result: Result<dotvm_vm::Outcome, RunError>, io: &BufferIo) -> String {
    format!("{}\n{}", common::end(result), io.output_text())
}

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dasm"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "found only {} examples", paths.len());
    paths
}

/// Runs `module` under both engines with `input` and returns both observations.
fn both(module: &Verified, input: &[u8], limits: &Limits) -> Result<(String, String), JitError> {
    let compiled = dotvm_jit::compile(module)?;
    let mut interp_io = BufferIo::with_input(input);
    let interp = dotvm_vm::run_hosted(
        module,
        limits,
        &mut interp_io,
        &mut Host::default(),
        None,
        None,
    );
    let mut jit_io = BufferIo::with_input(input);
    let jit = compiled.run(module, limits, &mut jit_io, &mut Host::default(), None);
    Ok((observe(jit, &jit_io), observe(interp, &interp_io)))
}

#[test]
fn examples_agree_under_both_engines() {
    let mut runs = 0;
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("read example");
        let name = path.display().to_string();
        let input = std::fs::read(path.with_extension("in")).unwrap_or_default();
        let own = assemble(&source, &name, &AsmOptions::default())
            .expect("assemble")
            .arch;
        let small = Limits {
            instructions: 777,
            ..Limits::default()
        };
        // The example on its own architecture, then reassembled for each of the others
        // (some do not assemble or verify on every word size: those are skipped).
        for arch in Arch::ALL {
            let options = AsmOptions {
                arch: Some(arch),
                ..AsmOptions::default()
            };
            let Ok(module) = assemble(&source, &name, &options) else {
                assert_ne!(arch, own, "{name} does not assemble for its own {arch}");
                continue;
            };
            let Ok(module) = Verified::new(module) else {
                assert_ne!(arch, own, "{name} does not verify on its own {arch}");
                continue;
            };
            for limits in [&Limits::default(), &small] {
                let (jit, interp) = both(&module, &input, limits)
                    .unwrap_or_else(|e| panic!("{name} on {arch}: {e}"));
                assert_eq!(
                    jit, interp,
                    "{name} on {arch} with fuel {}",
                    limits.instructions
                );
                runs += 1;
            }
        }
    }
    assert!(runs >= 50, "only {runs} runs");
}
