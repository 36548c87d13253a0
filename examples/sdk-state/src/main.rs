//! State that persists across runs through `dotvm-sdk`: a counter and a small collection
//! of JSON documents, queried with a filter. Run it several times on one state file:
//! `dotvm run examples/sdk-state --state app.redb`.

use dotvm_sdk::db::{self, Cmp, Query};

fn main() {
    let previous = db::get_vec(b"app", b"counter")
        .expect("read the counter")
        .map_or(0, |v| {
            String::from_utf8_lossy(&v).parse::<u64>().unwrap_or(0)
        });
    let count = previous + 1;
    db::put(b"app", b"counter", count.to_string().as_bytes()).expect("write the counter");
    println!("run {count}");

    let parity = if count % 2 == 0 { "even" } else { "odd" };
    let doc = format!("{{\"run\":{count},\"parity\":\"{parity}\"}}");
    db::put(
        b"runs",
        format!("run-{count:03}").as_bytes(),
        doc.as_bytes(),
    )
    .expect("add a document");

    // A write undone by a savepoint never reaches the state.
    let savepoint = db::savepoint();
    db::put(b"runs", b"scratch", b"{}").expect("scratch write");
    db::rollback_to(&savepoint).expect("roll back");
    db::release(savepoint).expect("release");
    assert_eq!(db::get_vec(b"runs", b"scratch"), Ok(None));

    let total = db::count(b"runs", &Query::all()).expect("count");
    println!("documents: {total}");
    let odd = Query::all().filter("parity", Cmp::Eq, "\"odd\"");
    for (key, value) in db::query(b"runs", &odd).expect("query") {
        println!(
            "odd {} {}",
            String::from_utf8_lossy(&key),
            String::from_utf8_lossy(&value)
        );
    }
    let latest = Query::prefix(b"run-").descending().limit(1);
    if let Some((key, _)) = db::query(b"runs", &latest).expect("query").first() {
        println!("latest {}", String::from_utf8_lossy(key));
    }
}
