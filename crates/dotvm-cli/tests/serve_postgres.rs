//! Many hosts, one store: three `dotvm serve` processes on one PostgreSQL database, driven
//! by a bounded load generator that spreads increments over them. Every answer is 200 or
//! 503, and the counter equals the number of 200s exactly: no lost update, no double apply.

mod postgres_server;
mod serve_http;

use dotvm_state::Store;
use dotvm_vm::StateStore;
use serve_http::{INCREMENT, Server, bytecode, id_of};

#[test]
fn three_servers_on_one_database_behave_as_one_system() {
    let Some(url) = postgres_server::fresh("three_servers_on_one_database") else {
        return;
    };
    let servers: Vec<Server> = (0..3)
        .map(|_| Server::start(&["--state", &url, "--max-concurrent", "2"]))
        .collect();
    let (status, body) = servers[0].request("POST", "/v1/dots", None, &bytecode(INCREMENT));
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    // Every server sees the deployment.
    for server in &servers {
        let (status, body) = server.request("GET", &format!("/v1/dots/{id}"), None, b"");
        assert_eq!((status, id_of(&body)), (200, id.clone()));
    }
    let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
    let run = format!("/v1/dots/{id}/run");
    // 6 clients × 30 requests, each client cycling through the servers.
    let clients: Vec<_> = (0..6)
        .map(|client| {
            let (addrs, run) = (addrs.clone(), run.clone());
            std::thread::spawn(move || {
                let (mut ok, mut busy) = (0u64, 0u64);
                for request in 0..30 {
                    let addr = addrs[(client + request) % addrs.len()];
                    let (status, body) = serve_http::request(addr, "POST", &run, None, b"{}");
                    match status {
                        200 => {
                            assert!(body.contains("\"committed\":true"), "{body}");
                            assert!(body.contains("\"stdout\":\"ok\\n\""), "{body}");
                            ok += 1;
                        }
                        503 => busy += 1,
                        other => panic!("unexpected status {other}: {body}"),
                    }
                }
                (ok, busy)
            })
        })
        .collect();
    let (mut ok, mut busy) = (0, 0);
    for client in clients {
        let (o, b) = client.join().unwrap();
        ok += o;
        busy += b;
    }
    eprintln!("{ok} runs answered 200, {busy} answered 503");
    assert_eq!(ok + busy, 180);
    assert!(ok > 0);
    let mut store = Store::connect(&url).unwrap();
    let value = store.get(b"counter", b"n").unwrap().expect("the counter");
    assert_eq!(u64::from_le_bytes(value.try_into().unwrap()), ok);
    // The servers' metrics add up to the same number of committed runs.
    let committed: u64 = servers
        .iter()
        .map(|server| {
            let (_, metrics) = server.request("GET", "/metrics", None, b"");
            metrics
                .lines()
                .find_map(|l| l.strip_prefix("dotvm_runs_total{result=\"committed\"} "))
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(committed, ok);
}
