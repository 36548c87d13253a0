//! `dotvm batch`: the jobs' outputs, exit statuses and final state equal running them one by
//! one with `dotvm run --deterministic --seed S`; bad batch files are refused, with line
//! numbers, before anything runs.

mod postgres_server;

use dotvm_state::{RawEntry, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The script interpreter of the dotvm-parallel tests.
const SCRIPT: &str = include_str!("../../dotvm-parallel/tests/script.dasm");

/// Scripts with conflicts, savepoints, deletes, queries, failures and traps.
const SCRIPTS: [&str; 10] = [
    "ia",
    "iaib",
    "gac_",
    "wbq_",
    "dasxwar_c_l_",
    "iax_",
    "ibt_",
    "ma",
    "c_q_da",
    "sxibl_",
];

/// Runs `dotvm ARGS` in `dir` with `stdin`.
fn dotvm(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dotvm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Every stored byte of a state file.
fn dump(path: &Path) -> Vec<RawEntry> {
    Store::open(path).unwrap().dump().unwrap()
}

#[test]
fn a_batch_equals_its_jobs_run_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("script.dasm"), SCRIPT).unwrap();
    let scripts: Vec<&str> = (0..4).flat_map(|_| SCRIPTS).collect();
    let lines: String = scripts
        .iter()
        .map(|script| {
            format!(
                "{{\"program\": \"script.dasm\", \"args\": [\"x\"], \"stdin\": \"{script}\"}}\n"
            )
        })
        .collect();
    std::fs::write(dir.join("batch.jsonl"), lines).unwrap();

    // One by one, with `dotvm run`.
    let mut want = Vec::new();
    for (index, script) in scripts.iter().enumerate() {
        let seed = dotvm_parallel::job_seed(7, index).to_string();
        let output = dotvm(
            dir,
            &[
                "run",
                "script.dasm",
                "--state",
                "serial.redb",
                "--deterministic",
                "--seed",
                &seed,
                "--",
                "x",
            ],
            script,
        );
        want.push(output);
    }
    let serial = dump(&dir.join("serial.redb"));

    for threads in ["1", "2", "4"] {
        let state = format!("batch{threads}.redb");
        let output = dotvm(
            dir,
            &[
                "batch",
                "--state",
                &state,
                "--jobs",
                threads,
                "--seed",
                "7",
                "--verbose",
                "batch.jsonl",
            ],
            "",
        );
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("re-executions"), "{stderr}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), scripts.len());
        for (index, (line, want)) in lines.iter().zip(&want).enumerate() {
            let job: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(job["job"], index);
            assert_eq!(
                job["exit"],
                want.status.code().unwrap(),
                "job {index}: {line}"
            );
            assert_eq!(
                job["stdout"],
                String::from_utf8_lossy(&want.stdout).as_ref(),
                "job {index}"
            );
            assert_eq!(
                job["stderr"],
                String::from_utf8_lossy(&want.stderr).as_ref(),
                "job {index}"
            );
            assert!(job["executions"].as_u64().unwrap() >= 1);
        }
        assert_eq!(dump(&dir.join(&state)), serial, "{threads} threads");
    }
}

#[test]
fn bad_batches_are_refused_with_line_numbers_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("script.dasm"), SCRIPT).unwrap();
    // Pops from an empty stack: the verifier refuses it.
    std::fs::write(
        dir.join("bad.dasm"),
        ".func main max_stack=4\n    POP\n    HALT\n.end\n",
    )
    .unwrap();
    std::fs::write(dir.join("junk.dotvm"), b"not bytecode").unwrap();
    let lines = [
        r#"{"program": "script.dasm", "stdin": "ia"}"#,
        r#"{"program": "script.dasm", "stdin": 5}"#,
        r#"{"program": "missing.dasm"}"#,
        r#"{"program": "bad.dasm"}"#,
        "",
        r#"{"program": "junk.dotvm"}"#,
        r#"{"program": "script.dasm""#,
        r#"{"program": "script.dasm", "colour": "red"}"#,
    ];
    std::fs::write(dir.join("batch.jsonl"), lines.join("\n")).unwrap();
    let output = dotvm(dir, &["batch", "--state", "s.redb", "batch.jsonl"], "");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for wanted in [
        "6 bad lines",
        "batch.jsonl:2: \"stdin\" must be a string",
        "batch.jsonl:3: cannot read",
        "batch.jsonl:4: ",
        "verification failed",
        "batch.jsonl:6: ",
        "invalid bytecode",
        "batch.jsonl:7: not JSON",
        "batch.jsonl:8: unknown field \"colour\"",
    ] {
        assert!(stderr.contains(wanted), "{wanted:?} not in:\n{stderr}");
    }
    assert!(output.stdout.is_empty());
    assert!(
        !dir.join("s.redb").exists(),
        "the state was not even opened"
    );

    let output = dotvm(dir, &["batch", "--state", "s.redb", "nothing.jsonl"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read nothing.jsonl"));
    let output = dotvm(dir, &["batch", "--jobs", "0", "batch.jsonl"], "");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_counter_example_with_an_index_matches_serial_runs() {
    // counter.dasm counts with a JSON filter on an indexed field and lists with a
    // descending, limited query: every job depends on all earlier ones.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let counter = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/counter.dasm");
    std::fs::copy(counter, dir.join("counter.dasm")).unwrap();
    let lines = "{\"program\": \"counter.dasm\"}\n".repeat(12);
    std::fs::write(dir.join("batch.jsonl"), lines).unwrap();
    let mut want = Vec::new();
    for state in ["serial.redb", "batch.redb"] {
        let index = ["db", "--state", state, "index", "create", "docs", "parity"];
        assert!(dotvm(dir, &index, "").status.success());
    }
    for index in 0..12 {
        let seed = dotvm_parallel::job_seed(0, index).to_string();
        let run = [
            "run",
            "counter.dasm",
            "--state",
            "serial.redb",
            "--deterministic",
            "--seed",
            &seed,
        ];
        want.push(String::from_utf8(dotvm(dir, &run, "").stdout).unwrap());
    }
    let output = dotvm(
        dir,
        &[
            "batch",
            "--state",
            "batch.redb",
            "--jobs",
            "4",
            "batch.jsonl",
        ],
        "",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    for (line, want) in stdout.lines().zip(&want) {
        let job: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(job["stdout"], want.as_str());
    }
    assert_eq!(stdout.lines().count(), 12);
    assert_eq!(
        dump(&dir.join("batch.redb")),
        dump(&dir.join("serial.redb"))
    );
}

#[test]
fn a_batch_on_postgres_commits_all_its_increments() {
    let Some(url) = postgres_server::fresh("a_batch_on_postgres_commits_all_its_increments") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("script.dasm"), SCRIPT).unwrap();
    let lines = "{\"program\": \"script.dasm\", \"stdin\": \"ik\"}\n".repeat(60);
    std::fs::write(dir.join("batch.jsonl"), lines).unwrap();
    for round in 1..=2u64 {
        let output = dotvm(
            dir,
            &["batch", "--state", &url, "--jobs", "4", "batch.jsonl"],
            "",
        );
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let last = stdout.lines().last().unwrap();
        assert!(
            last.contains(&format!("\"stdout\":\"0{};", 60 * round)),
            "{last}"
        );
    }
}
