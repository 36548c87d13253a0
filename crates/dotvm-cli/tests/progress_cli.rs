//! Progress bars through the `dotvm` binary: translating a large module and long
//! `dotvm db import`/`export` show one when standard error is a terminal (a pseudo-terminal
//! from util-linux `script` here), never when it is not, and never with `--quiet` or
//! `--json`.

use std::path::Path;
use std::process::Command;

fn dotvm() -> &'static str {
    env!("CARGO_BIN_EXE_dotvm")
}

/// Runs `command` (a shell command line) with a pseudo-terminal as its standard streams;
/// returns what the terminal showed.
fn on_terminal(command: &str) -> String {
    let output = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .output()
        .expect("these tests need util-linux `script` for a pseudo-terminal");
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{command}: {shown}");
    shown
}

/// Runs `dotvm` with pipes (no terminal); returns its stderr.
fn piped(args: &[&str]) -> String {
    let output = Command::new(dotvm()).args(args).output().unwrap();
    assert!(output.status.success(), "{:?}", output);
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A WebAssembly text module whose binary is over 1 MiB: 14 000 functions of 90 bytes.
fn large_module(dir: &Path) -> String {
    let body = "local.get 0 i32.const 1000 i32.add i32.const 3000 i32.mul i32.const 7777 \
                i32.xor i32.add "
        .repeat(6);
    let mut text = String::from("(module\n");
    for _ in 0..14_000 {
        text.push_str(&format!(
            "(func (param i32) (result i32) local.get 0 {body})\n"
        ));
    }
    text.push_str("(func (export \"_start\")))\n");
    let path = dir.join("large.wat");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn translating_a_large_module_shows_a_bar_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let wat = large_module(dir.path());
    let out = dir.path().join("large.dotvm").display().to_string();
    let transpile = format!("{} transpile -i {wat} -o {out}", dotvm());
    let shown = on_terminal(&transpile);
    assert!(shown.contains("translating ["), "{shown}");
    assert!(shown.contains("/14001 functions"), "{shown}");
    assert!(!on_terminal(&format!("{transpile} --quiet")).contains("translating"));
    let json = on_terminal(&format!("{transpile} --json"));
    assert!(!json.contains("translating"), "{json}");
    assert!(json.trim_start().starts_with('{'), "{json}");
    let stderr = piped(&["transpile", "-i", &wat, "-o", &out]);
    assert!(!stderr.contains("translating"), "{stderr}");
}

#[test]
fn long_db_import_and_export_show_a_bar_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..40_000)
        .map(|i| {
            format!(
                "{{\"collection\":\"c\",\"key\":\"k{i:06}\",\"value\":\"{}\"}}\n",
                "v".repeat(40)
            )
        })
        .collect();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &lines).unwrap();
    let (input, state) = (
        input.display().to_string(),
        dir.path().join("state.redb").display().to_string(),
    );
    let db = format!("{} db --state {state}", dotvm());
    let shown = on_terminal(&format!("{db} import {input}"));
    assert!(shown.contains("importing ["), "{shown}");
    assert!(
        shown.contains("imported 40000 entries and 0 indexes"),
        "{shown}"
    );
    let export = dir.path().join("out.jsonl").display().to_string();
    let shown = on_terminal(&format!("{db} export > {export}"));
    assert!(shown.contains("exporting ["), "{shown}");
    assert!(shown.contains("/40000 entries"), "{shown}");
    // The export holds the lines, not the bar.
    assert_eq!(std::fs::read_to_string(&export).unwrap(), lines);
    assert!(!on_terminal(&format!("{db} --quiet export > {export}")).contains("exporting"));
    assert!(!on_terminal(&format!("{db} --json export > {export}")).contains("exporting"));
    let state2 = dir.path().join("state2.redb").display().to_string();
    let quiet = on_terminal(&format!(
        "{} db --state {state2} --quiet import {input}",
        dotvm()
    ));
    assert!(!quiet.contains("importing"), "{quiet}");
    assert!(quiet.contains("imported 40000 entries"), "{quiet}");
    let stderr = piped(&["db", "--state", &state, "export", &export]);
    assert!(!stderr.contains("exporting"), "{stderr}");
}
