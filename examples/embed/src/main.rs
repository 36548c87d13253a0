//! Embeds DotVM: runs a Rust guest that calls host functions (two of them read and write
//! the guest's memory), calls the guest's exported function with an argument, runs the
//! guest again in slices of fuel, and runs an assembly program that keeps a counter in a
//! state file, the second time in slices of fuel that the host tops up.
//!
//! Usage: `cargo run -- STATE_FILE` (default `embed-state.redb`).

use dotvm::{Caller, Config, Engine, Error, HostError, Linker, Module, Progress, Store};

/// The guest, built by build.rs from guest/guest.rs.
const GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));

/// An assembly program with database opcodes (see examples/counter.dasm).
const COUNTER: &str = include_str!("../../counter.dasm");

fn main() -> Result<(), Box<Error>> {
    let state = std::env::args().nth(1).unwrap_or("embed-state.redb".into());
    let engine = Engine::default();

    // A Rust guest and the host functions it imports from `host`. Guest pointers arrive
    // as `i32` offsets into its memory, which `Caller` reads and writes bounds-checked.
    let guest = Module::from_wasm(&engine, GUEST)?;
    let mut linker = Linker::new();
    linker.func_wrap("host", "mix", |a: i32, b: i32| a * 10 + b)?;
    linker.func_wrap("host", "log", |caller: Caller<'_>, text: i32, len: i32| {
        let text = caller.read_str(text as u32 as u64, len as u32 as u64)?;
        println!("host: the guest logs \"{text}\"");
        Ok::<(), HostError>(())
    })?;
    linker.func_wrap(
        "host",
        "host_name",
        |mut caller: Caller<'_>, buf: i32, cap: i32| {
            let name = b"the embed example";
            let len = name.len().min(cap as u32 as usize);
            caller.write(buf as u32 as u64, &name[..len])?;
            Ok::<i32, HostError>(len as i32)
        },
    )?;
    let mut instance = linker.instantiate(&guest)?;
    let mut store = Store::new(&engine);
    store.set_args(&["guest", "embedder"]);
    let code = instance.run(&mut store)?;
    print!("{}", String::from_utf8_lossy(&store.take_stdout()));
    println!("host: the guest exited with code {code}");

    // An exported function called with an argument.
    let fib = instance.call::<u32, u64>(&mut store, "fib", 90)?;
    println!("host: fib(90) = {fib}");

    // The guest again, with its host functions, in slices of 1 000 fuel.
    let mut sliced = Config::default();
    sliced.fuel(1_000);
    let sliced = Engine::new(&sliced);
    let guest = Module::from_wasm(&sliced, GUEST)?;
    let mut store = Store::new(&sliced);
    store.set_args(&["guest", "slices"]);
    let mut run = linker.start(&guest, &store)?;
    let mut slices = 1;
    let outcome = loop {
        match run.resume(&mut store)? {
            Progress::Finished(outcome) => break outcome,
            Progress::OutOfFuel { .. } => {
                slices += 1;
                run.add_fuel(1_000);
            }
        }
    };
    print!("{}", String::from_utf8_lossy(&store.take_stdout()));
    println!(
        "host: the metered guest exited with code {} after more than one slice: {}",
        outcome.exit_code,
        slices > 1
    );

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
