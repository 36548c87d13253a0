//! Reproducers of the known differences (`dotvm_diff::known`): for each, what DotVM and
//! wasmi 2.0.0 compute, what the reference (wabt's `wasm-interp`, run here when it is
//! installed) computes, and that the differential test's detector explains the divergence.
//! If a wasmi upgrade fixes its bug, `wasmi_is_still_wrong` fails: remove the exclusion then.

use dotvm_diff::compare::ARCHS;
use dotvm_diff::known::{KnownBug, explain};
use dotvm_diff::{Ending, Observation, Value, dotvm_side, wasmi_side};
use std::process::Command;

/// `(select 10 20 (i32.eqz x))` for x = 7 and 0: 20 and 10.
const SELECT_EQZ: &str = r#"
(module
  (func $sel (param i32) (result i32)
    i32.const 10
    i32.const 20
    local.get 0
    i32.eqz
    select)
  (func (export "sel_nonzero") (result i32) i32.const 7 call $sel)
  (func (export "sel_zero") (result i32) i32.const 0 call $sel))
"#;

/// Found by the `differential` fuzz target: `copysign(0, promote(-nan))` is -0 or +0, as
/// the promoted NaN's sign is nondeterministic in the spec.
const CONVERSION_NAN_SIGN: &str = r#"
(module
  (func (export "") (result i32 f64)
    i32.const 0
    f64.const 0
    f32.const -nan:0x7ffdff
    f64.promote_f32
    f64.copysign))
"#;

/// Found by `scripts/fuzz-differential` (seed 3003176): `f32.demote_f64` of a NaN with a
/// payload, reinterpreted as an i32. wasmi keeps sign and payload (0xFFFFFFFF), DotVM and
/// wabt return the canonical NaN (0x7FC00000); the spec allows any NaN here.
const DEMOTED_NAN_BITS: &str = r#"
(module
  (func (export "") (result i32)
    f64.const -nan:0xfffffffe00000
    f32.demote_f64
    i32.reinterpret_f32))
"#;

/// `local.get 0` left on the stack across `if (param i32) (result i32)` whose body
/// overwrites local 0: x + 8 for x = 0 and 5 (a stale read would use 1000).
const IF_PARAMS: &str = r#"
(module
  (type $t (func (param i32) (result i32)))
  (func $g (param i32) (result i32)
    local.get 0
    i32.const 7
    i32.const 1
    if (type $t) (param i32) (result i32)
      i32.const 1000
      local.set 0
      i32.const 1
      i32.add
    else
      i32.const 2
      i32.add
    end
    i32.add)
  (func (export "ifp_0") (result i32) i32.const 0 call $g)
  (func (export "ifp_5") (result i32) i32.const 5 call $g))
"#;

fn results(observation: &Observation) -> Vec<Ending> {
    observation.calls.iter().map(|c| c.ending.clone()).collect()
}

fn i32s(values: &[u32]) -> Vec<Ending> {
    values
        .iter()
        .map(|&v| Ending::Returned(vec![Value::I32(v)]))
        .collect()
}

/// What wasmi and DotVM (every configuration) observe.
fn both(wat: &str) -> (Vec<u8>, Observation, Vec<Observation>) {
    let wasm = wat::parse_str(wat).unwrap();
    let wasmi = wasmi_side::observe(&wasm, 0).unwrap();
    let dotvm = ARCHS
        .into_iter()
        .flat_map(|arch| (0..=3).map(move |level| (arch, level)))
        .map(|(arch, level)| dotvm_side::observe(&wasm, 0, arch, level).unwrap())
        .collect();
    (wasm, wasmi, dotvm)
}

#[test]
fn select_eqz_dotvm_is_right_and_the_detector_explains_it() {
    let (wasm, wasmi, dotvm) = both(SELECT_EQZ);
    for observed in &dotvm {
        assert_eq!(results(observed), i32s(&[20, 10]));
        assert_eq!(explain(&wasm, &wasmi, observed), Some(KnownBug::SelectEqz));
    }
}

#[test]
fn wasmi_is_still_wrong() {
    let (_, wasmi, _) = both(SELECT_EQZ);
    assert_ne!(
        results(&wasmi),
        i32s(&[20, 10]),
        "wasmi now computes it correctly ({}): remove the exclusion",
        KnownBug::SelectEqz.describe()
    );
}

#[test]
fn the_nan_sign_after_a_conversion_may_differ_and_is_explained() {
    let (wasm, wasmi, dotvm) = both(CONVERSION_NAN_SIGN);
    let signed = |bits: u64| vec![Ending::Returned(vec![Value::I32(0), Value::F64(bits)])];
    // wasmi (and wabt, below) keep the NaN's sign; DotVM returns the canonical NaN.
    assert_eq!(results(&wasmi), signed(1 << 63));
    for observed in &dotvm {
        assert_eq!(results(observed), signed(0));
        assert_eq!(
            explain(&wasm, &wasmi, observed),
            Some(KnownBug::ConversionNanSign)
        );
    }
    // Any other difference in the same module is not explained away.
    let mut wrong = dotvm[0].clone();
    wrong.calls[0].ending = Ending::Returned(vec![Value::I32(1), Value::F64(0)]);
    assert_eq!(explain(&wasm, &wasmi, &wrong), None);
}

#[test]
fn a_reinterpreted_nan_after_a_conversion_may_differ_and_is_explained() {
    let (wasm, wasmi, dotvm) = both(DEMOTED_NAN_BITS);
    assert_eq!(results(&wasmi), i32s(&[0xFFFF_FFFF]));
    for observed in &dotvm {
        assert_eq!(results(observed), i32s(&[0x7FC0_0000]));
        assert_eq!(
            explain(&wasm, &wasmi, observed),
            Some(KnownBug::ConversionNanSign)
        );
    }
    // An integer that is no NaN pattern is not explained away.
    let mut wrong = dotvm[0].clone();
    wrong.calls[0].ending = Ending::Returned(vec![Value::I32(0x7F80_0000)]);
    assert_eq!(explain(&wasm, &wasmi, &wrong), None);
}

#[test]
fn the_if_params_reproducer_is_not_a_wasmi_2_0_0_bug() {
    // The issue reports a stale read across `if` with block parameters; this reproducer
    // runs correctly in both engines, so there is no exclusion for it.
    let (wasm, wasmi, dotvm) = both(IF_PARAMS);
    assert_eq!(results(&wasmi), i32s(&[8, 13]));
    for observed in &dotvm {
        assert_eq!(results(observed), i32s(&[8, 13]));
        assert_eq!(explain(&wasm, &wasmi, observed), None);
    }
}

#[test]
fn the_reference_interpreter_agrees_when_installed() {
    let Ok(version) = Command::new("wasm-interp").arg("--version").output() else {
        eprintln!("wasm-interp (Debian package wabt) is not installed; skipped");
        return;
    };
    assert!(version.status.success());
    let dir = std::env::temp_dir().join(format!("dotvm-known-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, wat, want) in [
        (
            "select",
            SELECT_EQZ,
            "sel_nonzero() => i32:20\nsel_zero() => i32:10",
        ),
        ("promote", CONVERSION_NAN_SIGN, "() => i32:0, f64:-0.000000"),
        // wabt returns the canonical NaN here, as DotVM does.
        ("demote", DEMOTED_NAN_BITS, "() => i32:2143289344"),
        ("if", IF_PARAMS, "ifp_0() => i32:8\nifp_5() => i32:13"),
    ] {
        let path = dir.join(format!("{name}.wasm"));
        std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
        let output = Command::new("wasm-interp")
            .arg(&path)
            .arg("--run-all-exports")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            want,
            "{name}"
        );
    }
}
