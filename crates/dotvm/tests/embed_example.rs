//! The embedding example (`examples/embed/`, a Cargo project outside the workspace) builds,
//! runs and prints what `examples/embed/expected.out` says. It needs the `wasm32-wasip1`
//! target for its guest.

use std::path::Path;
use std::process::Command;

#[test]
fn the_embedding_example_runs_a_guest_with_host_functions_state_and_fuel() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/embed");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(example.join("Cargo.toml"))
        .arg("--")
        .arg(&state)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("start cargo");
    assert!(
        output.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = std::fs::read_to_string(example.join("expected.out")).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}
