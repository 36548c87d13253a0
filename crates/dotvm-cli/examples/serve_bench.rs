//! Benchmark of `dotvm serve`: runs per second and latency (p50, p99) of a small
//! state-touching dot (read a counter, write it back incremented) through 1 or more
//! servers on one store, and the wall time of `dotvm run` of the same dot (process start,
//! connect, run, commit).
//!
//! ```sh
//! cargo build --release -p dotvm-cli --example serve_bench
//! target/release/examples/serve_bench --state /tmp/bench.redb
//! target/release/examples/serve_bench --state postgres://dotvm@127.0.0.1:5432/bench --servers 3
//! ```
//!
//! Options: `--dotvm PATH` (default `target/release/dotvm`), `--servers N` (default 1; a
//! redb file allows 1), `--clients N` (default 8), `--requests N` per client (default
//! 250), `--contended` (every run increments one counter; default: one counter per client),
//! `--runs N` sequential `dotvm run` processes to time (default 20).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Increments the counter named by its standard input (up to 16 bytes) in `bench`.
const DOT: &str = r#"
.pool coll str "bench"
.data key zero 16
.data value zero 8
.func main
    .local klen
    PUSH key
    PUSH 16
    SYSCALL read_stdin
    LOCAL_SET klen
    PUSH_CONST coll
    PUSH key
    LOCAL_GET klen
    PUSH value
    PUSH 8
    DB_GET
    PUSH 1
    GT_U
    SWAP
    POP
    JNZ fail
    PUSH value
    PUSH value
    LOAD64_U
    PUSH 1
    ADD
    STORE64
    PUSH_CONST coll
    PUSH key
    LOCAL_GET klen
    PUSH value
    PUSH 8
    DB_PUT
    JNZ fail
    HALT
fail:
    UNREACHABLE
.end
"#;

/// The command-line settings.
struct Settings {
    dotvm: String,
    state: String,
    servers: usize,
    clients: usize,
    requests: usize,
    contended: bool,
    runs: usize,
}

fn parse() -> Result<Settings, String> {
    let mut settings = Settings {
        dotvm: "target/release/dotvm".into(),
        state: String::new(),
        servers: 1,
        clients: 8,
        requests: 250,
        contended: false,
        runs: 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let number = |text: String| text.parse::<usize>().map_err(|e| format!("{text}: {e}"));
        match arg.as_str() {
            "--dotvm" => settings.dotvm = value()?,
            "--state" => settings.state = value()?,
            "--servers" => settings.servers = number(value()?)?.max(1),
            "--clients" => settings.clients = number(value()?)?.max(1),
            "--requests" => settings.requests = number(value()?)?.max(1),
            "--runs" => settings.runs = number(value()?)?,
            "--contended" => settings.contended = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if settings.state.is_empty() {
        return Err("--state PATH|URL is required".into());
    }
    Ok(settings)
}

/// A `dotvm serve` process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(settings: &Settings) -> Result<Server, String> {
    let mut child = Command::new(&settings.dotvm)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state",
            &settings.state,
        ])
        .args(["--max-concurrent", "64"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", settings.dotvm))?;
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines
        .next()
        .ok_or("the server printed nothing")?
        .map_err(|e| e.to_string())?;
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|addr| addr.parse().ok())
        .ok_or(format!("the server said: {line}"))?;
    std::thread::spawn(move || for _ in lines {});
    Ok(Server { child, addr })
}

/// One request; the status and body.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("no HTTP status")?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    Ok((status, body.to_string()))
}

/// The p-th percentile (0..=100) of sorted durations, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

fn bench(settings: &Settings) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("dotvm-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let source = dir.join("bench.dasm");
    let program = dir.join("bench.dotvm");
    std::fs::write(&source, DOT).map_err(|e| e.to_string())?;
    let status = Command::new(&settings.dotvm)
        .arg("asm")
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cannot assemble the benchmark dot".into());
    }
    let servers = (0..settings.servers)
        .map(|_| start(settings))
        .collect::<Result<Vec<_>, _>>()?;
    let bytecode = std::fs::read(&program).map_err(|e| e.to_string())?;
    let (status, body) = request(servers[0].addr, "POST", "/v1/dots", &bytecode)?;
    if status != 200 && status != 201 {
        return Err(format!("deploy failed: {status} {body}"));
    }
    let id: String = body
        .split("\"id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no id in the deploy answer")?
        .to_string();
    let path = format!("/v1/dots/{id}/run");
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let started = Instant::now();
    let clients: Vec<_> = (0..settings.clients)
        .map(|client| {
            let (addrs, path) = (addrs.clone(), path.clone());
            let key = if settings.contended {
                "shared".to_string()
            } else {
                format!("client-{client}")
            };
            let requests = settings.requests;
            std::thread::spawn(move || {
                let body = format!("{{\"stdin\":\"{key}\"}}");
                let (mut latencies, mut busy, mut failed) = (Vec::new(), 0, 0);
                for index in 0..requests {
                    let addr = addrs[(client + index) % addrs.len()];
                    let sent = Instant::now();
                    match request(addr, "POST", &path, body.as_bytes()) {
                        Ok((200, _)) => latencies.push(sent.elapsed()),
                        Ok((503, _)) => busy += 1,
                        _ => failed += 1,
                    }
                }
                (latencies, busy, failed)
            })
        })
        .collect();
    let (mut latencies, mut busy, mut failed) = (Vec::new(), 0, 0);
    for client in clients {
        let (l, b, f) = client.join().map_err(|_| "a client panicked")?;
        latencies.extend(l);
        busy += b;
        failed += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "serve: {} server(s), {} clients x {} requests ({}): {} runs in {:.2} s = {:.0} runs/s; \
         latency p50 {:.2} ms, p99 {:.2} ms; {busy} answered 503, {failed} failed",
        settings.servers,
        settings.clients,
        settings.requests,
        if settings.contended {
            "one shared counter"
        } else {
            "one counter per client"
        },
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
    drop(servers);
    if settings.runs > 0 {
        let mut times = Vec::new();
        for _ in 0..settings.runs {
            let started = Instant::now();
            let mut child = Command::new(&settings.dotvm)
                .arg("run")
                .arg(&program)
                .args(["--state", &settings.state])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .map_err(|e| e.to_string())?;
            let _ = child.stdin.take().unwrap().write_all(b"cli");
            if !child.wait().map_err(|e| e.to_string())?.success() {
                return Err("dotvm run failed".into());
            }
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "dotvm run (process start, open, run, commit): p50 {:.2} ms, p99 {:.2} ms over {} runs",
            percentile(&times, 50.0),
            percentile(&times, 99.0),
            times.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|settings| bench(&settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("serve_bench: {message}");
            ExitCode::FAILURE
        }
    }
}
