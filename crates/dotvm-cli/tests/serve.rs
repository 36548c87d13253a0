//! `dotvm serve` over HTTP on a redb store: tokens and scopes, deployments, runs, precise
//! 4xx answers for bad input, 503 past the concurrency bound, the wall-clock limit,
//! metrics, and a graceful shutdown on SIGTERM.

mod serve_http;

use serve_http::{INCREMENT, SPIN, Server, bytecode, id_of};
use std::process::Command;
use std::time::Duration;

const TOKENS: &str = "# test tokens\ndeployer-token deploy\nrunner-token run\nboss-token-1 admin\n";

/// A server on a fresh redb file with the test tokens and `extra` arguments.
fn server(dir: &tempfile::TempDir, extra: &[&str]) -> Server {
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, TOKENS).unwrap();
    let state = dir.path().join("state.redb");
    let mut args = vec![
        "--state",
        state.to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Server::start(&args)
}

#[test]
fn tokens_and_scopes_guard_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir, &[]);
    let module = bytecode(INCREMENT);
    assert_eq!(server.request("GET", "/healthz", None, b"").0, 200);
    assert_eq!(server.request("POST", "/v1/dots", None, &module).0, 401);
    assert_eq!(
        server
            .request("POST", "/v1/dots", Some("wrong-token"), &module)
            .0,
        401
    );
    let (status, body) = server.request("POST", "/v1/dots", Some("runner-token"), &module);
    assert_eq!(
        (status, body.contains("lacks the scope deploy")),
        (403, true),
        "{body}"
    );
    let (status, body) = server.request("POST", "/v1/dots", Some("deployer-token"), &module);
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    // Deploying the same module again names the same dot.
    let (status, again) = server.request("POST", "/v1/dots", Some("deployer-token"), &module);
    assert_eq!((status, id_of(&again)), (200, id.clone()));
    let run = format!("/v1/dots/{id}/run");
    assert_eq!(server.request("POST", &run, None, b"{}").0, 401);
    assert_eq!(
        server
            .request("POST", &run, Some("deployer-token"), b"{}")
            .0,
        403
    );
    for expected in 1..=3 {
        let (status, body) = server.request("POST", &run, Some("runner-token"), b"{}");
        assert_eq!(status, 200, "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["exit"], 0);
        assert_eq!(answer["committed"], true);
        assert_eq!(answer["stdout"], "ok\n");
        assert!(
            answer["instructions"].as_u64().unwrap() > 0,
            "run {expected}"
        );
    }
    let (status, body) = server.request("GET", "/v1/dots", Some("runner-token"), b"");
    assert_eq!(status, 200);
    assert!(body.contains(&id));
    let path = format!("/v1/dots/{id}");
    let (status, body) = server.request("GET", &path, Some("deployer-token"), b"");
    assert_eq!((status, id_of(&body)), (200, id.clone()));
    assert_eq!(
        server
            .request("GET", "/metrics", Some("runner-token"), b"")
            .0,
        403
    );
    let (status, metrics) = server.request("GET", "/metrics", Some("boss-token-1"), b"");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("dotvm_runs_total{result=\"committed\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("dotvm_deploys_total 1"), "{metrics}");
    assert_eq!(
        server
            .request("DELETE", &path, Some("deployer-token"), b"")
            .0,
        403
    );
    assert_eq!(
        server.request("DELETE", &path, Some("boss-token-1"), b"").0,
        200
    );
    assert_eq!(
        server.request("POST", &run, Some("runner-token"), b"{}").0,
        404
    );
    assert_eq!(
        server.request("DELETE", &path, Some("boss-token-1"), b"").0,
        404
    );
}

#[test]
fn sighup_reloads_the_token_file_and_a_bad_file_keeps_the_old_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir, &[]);
    let tokens = dir.path().join("tokens");
    let status = |token| server.request("GET", "/v1/dots", Some(token), b"").0;
    assert_eq!(status("new-token-1"), 401);
    std::fs::write(&tokens, "new-token-1 run\n").unwrap();
    server.signal("-HUP");
    let started = std::time::Instant::now();
    while status("new-token-1") != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the tokens were not reloaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status("runner-token"), 401);
    // A broken file is refused and the tokens in force stay.
    std::fs::write(&tokens, "new-token-1 superuser\n").unwrap();
    server.signal("-HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status("new-token-1"), 200);
}

#[test]
fn bad_requests_get_precise_client_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&dir, &["--max-body", "4096"]);
    let token = Some("boss-token-1");
    let check = |method: &str, path: &str, body: &[u8], status: u16, message: &str| {
        let (got, text) = server.request(method, path, token, body);
        assert_eq!(got, status, "{method} {path}: {text}");
        assert!(text.contains(message), "{method} {path}: {text}");
    };
    check("POST", "/v1/dots", &[0u8; 8192], 413, "--max-body");
    check("POST", "/v1/dots", b"", 400, "the body is empty");
    check("POST", "/v1/dots", b"hello", 400, "not a module");
    check(
        "POST",
        "/v1/dots",
        b"DOTV\x01garbage",
        422,
        "invalid bytecode",
    );
    check(
        "POST",
        "/v1/dots",
        b"(module (func",
        422,
        "invalid WebAssembly text",
    );
    check(
        "POST",
        "/v1/dots",
        b"(module (func $f (result i32)))",
        422,
        "cannot translate the WebAssembly module",
    );
    // Well-formed bytecode whose code pops from an empty stack.
    let unverifiable = bytecode(".func main max_stack=4\n    ADD\n    HALT\n.end\n");
    check(
        "POST",
        "/v1/dots",
        &unverifiable,
        422,
        "verification failed",
    );
    let (_, body) = server.request("POST", "/v1/dots", token, &bytecode(INCREMENT));
    let run = format!("/v1/dots/{}/run", id_of(&body));
    check("POST", &run, b"{\"args\":", 400, "malformed run request");
    check("POST", &run, b"{\"argz\":[]}", 400, "unknown field `argz`");
    check("POST", &run, b"[1]", 400, "expected a JSON object");
    check("POST", &run, &[b' '; 8192], 413, "--max-body");
    let unknown = format!("/v1/dots/{}/run", "0".repeat(64));
    check("POST", &unknown, b"{}", 404, "no dot is deployed");
    check(
        "POST",
        "/v1/dots/not-an-id/run",
        b"{}",
        404,
        "no dot is deployed",
    );
    check("GET", "/v1/nothing", b"", 404, "no such endpoint");
    // The server is still healthy after all of that.
    assert_eq!(server.request("POST", &run, token, b"").0, 200);
}

#[test]
fn runs_past_the_bound_get_503_and_slow_runs_stop_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(
        &dir,
        &[
            "--max-concurrent",
            "1",
            "--timeout-ms",
            "1500",
            "--max-instructions",
            "18446744073709551615",
        ],
    );
    let token = Some("boss-token-1");
    let (_, body) = server.request("POST", "/v1/dots", token, &bytecode(SPIN));
    let run = format!("/v1/dots/{}/run", id_of(&body));
    let addr = server.addr;
    let slow = {
        let run = run.clone();
        std::thread::spawn(move || serve_http::request(addr, "POST", &run, token, b"{}"))
    };
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = server.request("POST", &run, token, b"{}");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("busy"), "{body}");
    let (status, body) = slow.join().unwrap();
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["exit"], serde_json::Value::Null);
    assert_eq!(answer["committed"], false);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("wall-clock limit of 1500 ms"),
        "{body}"
    );
    let (_, metrics) = server.request("GET", "/metrics", token, b"");
    assert!(metrics.contains("dotvm_busy_total 1"), "{metrics}");
}

#[test]
fn sigterm_lets_the_run_in_progress_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = server(
        &dir,
        &[
            "--timeout-ms",
            "1000",
            "--max-instructions",
            "18446744073709551615",
        ],
    );
    let token = Some("boss-token-1");
    let (_, body) = server.request("POST", "/v1/dots", token, &bytecode(SPIN));
    let run = format!("/v1/dots/{}/run", id_of(&body));
    let addr = server.addr;
    let slow = std::thread::spawn(move || serve_http::request(addr, "POST", &run, token, b"{}"));
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let (status, body) = slow.join().unwrap();
    assert_eq!(status, 200, "{body}");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn servers_refuse_unsafe_or_broken_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_dotvm"))
            .arg("serve")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let state = dir.path().join("s.redb");
    let state = state.to_str().unwrap();
    let (code, stderr) = serve(&["--state", state, "--listen", "0.0.0.0:0"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("without --tokens"), "{stderr}");
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "good-token-1 run\nbad-token-2 root\n").unwrap();
    let (code, stderr) = serve(&["--state", state, "--tokens", tokens.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("line 2: unknown scope `root`"), "{stderr}");
    let (code, stderr) = serve(&["--state", state, "--tokens", "/nonexistent/tokens"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot read the token file"), "{stderr}");
    let (code, stderr) = serve(&["--state", state, "--listen", "not-an-address"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("invalid value"), "{stderr}");
}
