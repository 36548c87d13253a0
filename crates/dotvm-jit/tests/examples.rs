//! Every example program (`examples/*.dasm`) gives the same output, exit code or trap and
//! instruction count under the JIT as under the interpreter, on its own architecture and
//! reassembled for Arch128; examples on architectures the JIT does not cover are refused
//! with an error naming an instruction.

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::{Arch, Verified};
use dotvm_jit::JitError;
use dotvm_vm::{BufferIo, Host, Limits, RunError};
use std::path::PathBuf;

/// What a run did, comparably.
fn observe(result: Result<dotvm_vm::Outcome, RunError>, io: &BufferIo) -> String {
    let end = match result {
        Ok(outcome) => format!(
            "exit {} after {} peak {}",
            outcome.exit_code, outcome.instructions, outcome.peak_memory
        ),
        Err(RunError::Trap(trap)) => format!(
            "trap {:?} in {} at pc {} after {}",
            trap.kind, trap.func, trap.pc, trap.instructions
        ),
        Err(other) => format!("error {other}"),
    };
    format!("{end}\n{}", io.output_text())
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
    let mut compiled = 0;
    let mut refused = 0;
    for path in examples() {
        let source = std::fs::read_to_string(&path).expect("read example");
        let name = path.display().to_string();
        let input = std::fs::read(path.with_extension("in")).unwrap_or_default();
        let module = assemble(&source, &name, &AsmOptions::default()).expect("assemble");
        let arch = module.arch;
        let module = Verified::new(module).expect("verify");
        match both(&module, &input, &Limits::default()) {
            Ok((jit, interp)) => {
                assert_eq!(jit, interp, "{name}");
                compiled += 1;
            }
            Err(JitError::Unsupported {
                arch: refused_arch,
                mnemonic,
                ..
            }) => {
                assert!(
                    matches!(arch, Arch::Arch32 | Arch::Arch256 | Arch::Arch512),
                    "{name}: {arch:?} refused"
                );
                assert_eq!(refused_arch, arch);
                assert!(!mnemonic.is_empty());
                refused += 1;
            }
            Err(other) => panic!("{name}: {other}"),
        }
        // The same program on Arch128, and with a small fuel limit on both.
        let options = AsmOptions {
            arch: Some(Arch::Arch128),
            ..AsmOptions::default()
        };
        if let Ok(wide) = assemble(&source, &name, &options)
            && let Ok(wide) = Verified::new(wide)
        {
            let (jit, interp) = both(&wide, &input, &Limits::default()).expect("Arch128");
            assert_eq!(jit, interp, "{name} on Arch128");
            let limits = Limits {
                instructions: 777,
                ..Limits::default()
            };
            let (jit, interp) = both(&wide, &input, &limits).expect("Arch128");
            assert_eq!(jit, interp, "{name} on Arch128 with fuel 777");
        }
    }
    assert!(compiled >= 5, "only {compiled} examples compiled");
    assert!(refused >= 1, "no example was refused");
}
