//! `dotvm run --audit` and `dotvm audit verify|show`: the records of a run, tampering
//! (an edited, deleted, reordered or inserted line) named by `audit verify`, damaged logs
//! refused, and concurrent runs leaving one valid chain.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dotvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotvm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("start dotvm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn records(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A log with the records of three runs: a committed state run, a denied call, a timeout.
fn three_runs(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("audit.log");
    let state = dir.join("s.redb");
    let counter = example("counter.dasm");
    let run = dotvm(&["run", &counter, "--state", s(&state), "--audit", s(&log)]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let clock = dir.join("clock.dasm");
    std::fs::write(
        &clock,
        ".data a zero 8\n.func main results=1\nPUSH 0\nPUSH 0\nPUSH a\nSYSCALL clock_time_get\nRET\n.end\n",
    )
    .unwrap();
    let run = dotvm(&["run", s(&clock), "--deny", "clock", "--audit", s(&log)]);
    assert_eq!(run.status.code(), Some(76));
    let spin = dir.join("spin.dasm");
    std::fs::write(&spin, ".func main\nloop:\n    JMP loop\n.end\n").unwrap();
    let run = dotvm(&["run", s(&spin), "--timeout", "50ms", "--audit", s(&log)]);
    assert_eq!(run.status.code(), Some(70));
    log
}

#[test]
fn a_run_records_its_start_denials_state_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let log = three_runs(dir.path());
    let records = records(&log);
    let events: Vec<&str> = records
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "start", "state", "exit", "start", "denied", "state", "exit", "start", "state", "trap"
        ]
    );
    let start = &records[0];
    assert_eq!(start["arch"], "arch64");
    assert_eq!(start["module_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(start["signer"], Value::Null);
    assert_eq!(start["limits"]["time_ms"], 60000);
    assert!(
        start["capabilities"]
            .as_array()
            .unwrap()
            .contains(&"db".into())
    );
    assert_eq!(records[1]["outcome"], "committed");
    assert_eq!(records[1]["writes"]["docs"], 1);
    assert_eq!(records[2]["code"], 0);
    assert_eq!(records[4]["call"], "clock_time_get");
    assert_eq!(
        records[4]["reason"],
        "denied: clock_time_get (`clock` withheld with --deny)"
    );
    assert!(
        !records[3]["capabilities"]
            .as_array()
            .unwrap()
            .contains(&"clock".into())
    );
    assert_eq!(
        records[9]["message"],
        "time limit reached (50ms) in main at pc 0"
    );
    assert_eq!(records[9]["limit"], true);
    // The chain: seq 1.., each prev is the hash before, the first prev is zero.
    assert_eq!(records[0]["prev"], "0".repeat(64));
    for pair in records.windows(2) {
        assert_eq!(pair[1]["prev"], pair[0]["hash"]);
        assert_eq!(
            pair[1]["seq"].as_u64().unwrap(),
            pair[0]["seq"].as_u64().unwrap() + 1
        );
    }
    assert_eq!(records[0]["run"], records[2]["run"]);
    assert_ne!(records[0]["run"], records[3]["run"]);
    let verify = dotvm(&["audit", "verify", s(&log)]);
    assert!(verify.status.success());
    assert!(text(&verify.stdout).contains(": ok, 10 records, last hash "));
    let show = text(&dotvm(&["audit", "show", s(&log)]).stdout);
    assert_eq!(show.lines().count(), 10);
    assert!(
        show.lines().nth(1).unwrap().contains("state       "),
        "{show}"
    );
    let json = text(&dotvm(&["audit", "show", s(&log), "--json"]).stdout);
    assert_eq!(json.lines().count(), 10);
}

/// Writes `lines` to a copy of the log and returns `audit verify`'s stderr.
fn verify_lines(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let output = dotvm(&["audit", "verify", s(&path)]);
    assert_eq!(output.status.code(), Some(1), "{name} passed");
    text(&output.stderr)
}

#[test]
fn tampering_is_named_by_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let log = three_runs(dir.path());
    let lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let d = dir.path();
    // Edited: the exit code of the first run.
    let mut edited = lines.clone();
    edited[2] = edited[2].replace("\"code\":0", "\"code\":1");
    assert!(
        verify_lines(d, "edited", &edited)
            .contains("record 3 (line 3) was edited: its hash does not match its contents")
    );
    // Deleted: the denial.
    let mut deleted = lines.clone();
    deleted.remove(4);
    assert!(verify_lines(d, "deleted", &deleted).contains(
        "record 5 (line 5) has seq 6 after seq 4: record(s) 5..5 are missing (deleted or moved) before it"
    ));
    // Reordered: two lines swapped.
    let mut swapped = lines.clone();
    swapped.swap(5, 6);
    assert!(verify_lines(d, "swapped", &swapped).contains(
        "record 6 (line 6) has seq 7 after seq 5: record(s) 6..6 are missing (deleted or moved) before it"
    ));
    // Inserted: a copy of another run's record.
    let mut inserted = lines.clone();
    inserted.insert(3, lines[8].clone());
    assert!(
        verify_lines(d, "inserted", &inserted).contains("record 4 (line 4) has seq 9 after seq 3")
    );
    // Inserted with a forged but consistent seq: the chain breaks.
    let mut forged = lines.clone();
    forged[3] = lines[3].replace("\"seq\":4", "\"seq\":4 ");
    assert!(verify_lines(d, "forged", &forged).contains("record 4 (line 4) was edited"));
    // Not a hash line at all.
    let mut junk = lines.clone();
    junk[0] = "{\"event\":\"start\"}".into();
    assert!(
        verify_lines(d, "junk", &junk).contains("record 1 (line 1): has no valid `hash` field")
    );
    // Truncated in the middle of a record.
    let path = d.join("cut");
    let all = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&path, &all[..all.len() - 10]).unwrap();
    let output = dotvm(&["audit", "verify", s(&path)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("record 10 (line 10) is incomplete"));
    // A damaged log is not appended to.
    let spin = d.join("ok.dasm");
    std::fs::write(&spin, ".func main\n    HALT\n.end\n").unwrap();
    let run = dotvm(&["run", s(&spin), "--audit", s(&path)]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("cannot append to the audit log")
            && text(&run.stderr).contains("the last record is not complete"),
        "{}",
        text(&run.stderr)
    );
    // Not text.
    let binary = d.join("binary");
    std::fs::write(&binary, [0xff, 0xfe, b'\n']).unwrap();
    let output = dotvm(&["audit", "show", s(&binary)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("not UTF-8 text"));
    let missing = dotvm(&["audit", "verify", s(&d.join("nope"))]);
    assert!(text(&missing.stderr).contains("cannot read the audit log"));
}

#[test]
fn concurrent_runs_leave_one_valid_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let prog = dir.path().join("p.dasm");
    std::fs::write(&prog, ".func main results=1\n    PUSH 0\n    RET\n.end\n").unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_dotvm"))
                .args(["run", s(&prog), "--audit", s(&log)])
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Rotate while the runs append: every record lands in one of the two files, and the
    // new file continues the old one's chain.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let rotate = dotvm(&["audit", "rotate", s(&log)]);
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let old = dir.path().join("audit.log.1");
    let mut records = records(&log);
    if rotate.status.success() {
        let verify = dotvm(&["audit", "verify", s(&log), "--after", s(&old)]);
        assert!(verify.status.success(), "{}", text(&verify.stderr));
        assert_eq!(records.remove(0)["event"], "rotated");
        let mut all = self::records(&old);
        all.extend(records);
        records = all;
    } else {
        // The log was still empty when the rotation ran.
        assert!(
            text(&rotate.stderr).contains("the log is empty"),
            "{}",
            text(&rotate.stderr)
        );
    }
    let verify = dotvm(&["audit", "verify", s(&log)]);
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert_eq!(records.len(), 8 * 3);
    // Each run's records are its own: start, state, exit.
    let mut runs = std::collections::BTreeMap::<String, Vec<String>>::new();
    for record in &records {
        runs.entry(record["run"].as_str().unwrap().into())
            .or_default()
            .push(record["event"].as_str().unwrap().into());
    }
    assert_eq!(runs.len(), 8);
    assert!(
        runs.values()
            .all(|events| events == &["start", "state", "exit"])
    );
}

#[test]
fn a_rotated_log_continues_the_chain_of_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = three_runs(dir.path());
    let rotate = dotvm(&["audit", "rotate", s(&log)]);
    assert!(rotate.status.success(), "{}", text(&rotate.stderr));
    let old = dir.path().join("audit.log.1");
    assert!(text(&rotate.stdout).contains("moved to"));
    let prog = dir.path().join("p.dasm");
    std::fs::write(&prog, ".func main\n    HALT\n.end\n").unwrap();
    assert!(
        dotvm(&["run", s(&prog), "--audit", s(&log)])
            .status
            .success()
    );
    let new = records(&log);
    let events: Vec<&str> = new.iter().map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["rotated", "start", "state", "exit"]);
    assert_eq!(new[0]["previous"], "audit.log.1");
    assert_eq!(new[0]["seq"], 11);
    assert_eq!(new[0]["prev"], records(&old)[9]["hash"]);
    let verify = dotvm(&["audit", "verify", s(&log), "--after", s(&old)]);
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(text(&verify.stdout).contains("continues a log whose last hash is"));
    // Against another log, the link is named as broken.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = three_runs(&other_dir);
    let verify = dotvm(&["audit", "verify", s(&log), "--after", s(&other)]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        text(&verify.stderr).contains("record 1 (line 1) does not continue"),
        "{}",
        text(&verify.stderr)
    );
    // A second rotation picks the next free name.
    assert!(dotvm(&["audit", "rotate", s(&log)]).status.success());
    assert!(dir.path().join("audit.log.2").exists());
}
