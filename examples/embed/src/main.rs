//! Embeds DotVM: runs a Rust guest that calls a host function, calls the guest's exported
//! function with an argument, and runs an assembly program that keeps a counter in a state
//! file, the second time in slices of fuel that the host tops up.
//!
//! Usage: `cargo run -- STATE_FILE` (default `embed-state.redb`).

use dotvm::{Config, Engine, Error, Linker, Module, Progress, Store};

/// The guest, built by build.rs from guest/guest.rs.
const GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));

/// An assembly program with database opcodes (see examples/counter.dasm).
const COUNTER: &str = include_str!("../../counter.dasm");

fn main() -> Result<(), Error> {
    let state = std::env::args().nth(1).unwrap_or("embed-state.redb".into());
    let engine = Engine::default();

    // A Rust guest and a host function it imports as `host.mix`.
    let guest = Module::from_wasm(&engine, GUEST)?;
    let mut linker = Linker::new();
    linker.func_wrap("host", "mix", |a: i32, b: i32| a * 10 + b)?;
    let mut instance = linker.instantiate(&guest)?;
    let mut store = Store::new(&engine);
    let code = instance.run(&mut store)?;
    print!("{}", String::from_utf8_lossy(&store.take_stdout()));
    println!("host: the guest exited with code {code}");

    // An exported function called with an argument.
    let fib = instance.call::<u32, u64>(&mut store, "fib", 90)?;
    println!("host: fib(90) = {fib}");

    // A state store: one run in one go...
    // (A redb file is open in one store at a time: this store closes it at the end of the
    // block.)
    {
        let counter = Module::from_assembly(&engine, COUNTER)?;
        let mut store = Store::new(&engine);
        store.open_state(&state)?;
        let outcome = counter.run(&mut store)?;
        println!(
            "host: counter run used {} fuel:\n{}",
            outcome.instructions,
            String::from_utf8_lossy(&store.take_stdout()).trim_end()
        );
    }

    // ...and one in slices of 50 fuel, topped up whenever it runs out.
    let mut config = Config::default();
    config.fuel(50);
    let metered = Engine::new(&config);
    let counter = Module::from_assembly(&metered, COUNTER)?;
    let mut store = Store::new(&metered);
    store.open_state(&state)?;
    let mut run = counter.start(&store)?;
    let mut slices = 1;
    let outcome = loop {
        match run.resume(&mut store)? {
            Progress::Finished(outcome) => break outcome,
            Progress::OutOfFuel { .. } => {
                slices += 1;
                run.add_fuel(50);
            }
        }
    };
    println!(
        "host: counter run resumed in {slices} slices, {} fuel, exit code {}:\n{}",
        outcome.instructions,
        outcome.exit_code,
        String::from_utf8_lossy(&store.take_stdout()).trim_end()
    );
    Ok(())
}
