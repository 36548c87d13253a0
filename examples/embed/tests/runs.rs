//! The embedding example runs its guest and prints what `expected.out` says (the build
//! script needs the `wasm32-wasip1` target for the guest, and installs it with rustup when
//! it is missing).

use std::path::Path;
use std::process::Command;

#[test]
fn the_embedding_example_runs_a_guest_with_host_functions_state_and_fuel() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let output = Command::new(env!("CARGO_BIN_EXE_dotvm-embed-example"))
        .arg(&state)
        .output()
        .expect("start the example");
    assert!(
        output.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("expected.out"))
            .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}
