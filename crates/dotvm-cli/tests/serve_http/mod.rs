//! Helpers for `dotvm serve` tests: starting a server on a free loopback port, a minimal
//! HTTP/1.1 client, and modules as bytecode.

#![allow(dead_code)]

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::format::write_module;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `dotvm serve`, killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts `dotvm serve --listen 127.0.0.1:0 ARGS` and waits until it listens.
    pub(crate) fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dotvm"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dotvm serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.next().expect("dotvm serve printed nothing").unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .parse()
            .unwrap();
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    /// Sends one request; returns the status and the body.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        request(self.addr, method, path, token, body)
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        self.signal("-TERM");
    }

    /// Sends a signal (`-TERM`, `-HUP`) with kill(1).
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and the body.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    // A server refusing a large body may close before reading all of it.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// Assembles `source` and returns its bytecode.
pub(crate) fn bytecode(source: &str) -> Vec<u8> {
    let module = assemble(source, "test.dasm", &AsmOptions::default())
        .unwrap_or_else(|e| panic!("assembly failed: {e}"));
    write_module(&module)
}

/// The `"id"` field of a JSON answer.
pub(crate) fn id_of(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    value["id"].as_str().unwrap().to_string()
}

/// Reads `counter/n` (a little-endian u64, 0 when missing), stores it plus one, prints
/// "ok".
pub(crate) const INCREMENT: &str = r#"
.pool coll str "counter"
.pool key str "n"
.pool done str "ok\n"
.data value zero 8
.func main
    PUSH_CONST coll
    PUSH_CONST key
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
    PUSH_CONST key
    PUSH value
    PUSH 8
    DB_PUT
    JNZ fail
    PUSH_CONST done
    SYSCALL print_bytes
    HALT
fail:
    UNREACHABLE
.end
"#;

/// Loops forever (stopped by the fuel or wall-clock limit).
pub(crate) const SPIN: &str = r#"
.func main
spin:
    JMP spin
.end
"#;
