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

#[test]
fn dropped_connections_mid_load_give_clear_errors_and_the_server_recovers() {
    let Some(url) = postgres_server::fresh("dropped_connections_mid_load") else {
        return;
    };
    // A name of its own, so that only this server's connections are terminated.
    let named = format!("{url}&application_name=dotvm-dropped-serve");
    let server = Server::start(&["--state", &named]);
    let (status, body) = server.request("POST", "/v1/dots", None, &bytecode(INCREMENT));
    assert_eq!(status, 201, "{body}");
    let run = format!("/v1/dots/{}/run", id_of(&body));
    let addr = server.addr;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let run = run.clone();
            std::thread::spawn(move || {
                let (mut ok, mut unavailable) = (0u64, 0u64);
                for _ in 0..40 {
                    let (status, body) = serve_http::request(addr, "POST", &run, None, b"{}");
                    match status {
                        200 => ok += 1,
                        503 => {
                            assert!(body.contains("\"error\""), "{body}");
                            unavailable += 1;
                        }
                        other => panic!("unexpected status {other}: {body}"),
                    }
                }
                (ok, unavailable)
            })
        })
        .collect();
    // Kill the server's database connections a few times while the load runs.
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for _ in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(40));
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = 'dotvm-dropped-serve'",
                &[],
            )
            .unwrap();
    }
    let (mut ok, mut unavailable) = (0, 0);
    for client in clients {
        let (o, u) = client.join().unwrap();
        ok += o;
        unavailable += u;
    }
    eprintln!("{ok} runs answered 200, {unavailable} answered 503");
    // Every 200 committed once; a 503 committed nothing, except that a connection lost
    // during COMMIT leaves the outcome unknown to the server (docs/distributed.md).
    let mut store = Store::connect(&url).unwrap();
    let counter = store
        .get(b"counter", b"n")
        .unwrap()
        .map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()));
    assert!(
        counter >= ok && counter <= ok + unavailable,
        "{counter} vs {ok}/{unavailable}"
    );
    // The server recovers: new runs commit.
    let (status, body) = server.request("POST", &run, None, b"{}");
    assert_eq!(status, 200, "{body}");
}
