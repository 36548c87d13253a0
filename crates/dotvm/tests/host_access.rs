//! What host functions and instance calls reach: the guest's memory through a `Caller`
//! (bounds-checked, read-only region refused), the store's capabilities and state store on
//! instance calls, host functions in resumable runs, and the guest's state transaction
//! through `Caller::state`.

use dotvm::{
    Arch, Caller, Config, Engine, Error, HostError, Instance, Linker, Module, Progress, Store,
    TrapKind,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

const COUNTER: &str = include_str!("../../../examples/counter.dasm");

/// Imports `env.sum(ptr, len) -> i32` and `env.fill(ptr, len, byte)`; `run(ptr, len)`
/// fills the range with 3s and returns their sum as the host computes it.
const MEMORY_WAT: &str = r#"(module
    (import "env" "sum" (func $sum (param i32 i32) (result i32)))
    (import "env" "fill" (func $fill (param i32 i32 i32)))
    (memory (export "memory") 1)
    (func (export "run") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.const 3 call $fill
        local.get 0 local.get 1 call $sum))"#;

fn memory_linker() -> Linker {
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "sum", |caller: Caller<'_>, ptr: i32, len: i32| {
            let bytes = caller.read(ptr as u32 as u64, len as u32 as u64)?;
            Ok::<i32, HostError>(bytes.iter().map(|&b| i32::from(b)).sum())
        })
        .unwrap();
    linker
        .func_wrap(
            "env",
            "fill",
            |mut caller: Caller<'_>, ptr: i32, len: i32, byte: i32| {
                let target = caller.read_mut(ptr as u32 as u64, len as u32 as u64)?;
                target.fill(byte as u8);
                Ok::<(), HostError>(())
            },
        )
        .unwrap();
    linker
}

#[test]
fn host_functions_read_and_write_guest_memory_bounds_checked_on_every_architecture() {
    for arch in Arch::ALL {
        let mut config = Config::default();
        config.arch(arch);
        let engine = Engine::new(&config);
        let module = Module::from_wat(&engine, MEMORY_WAT).unwrap();
        let mut instance = memory_linker().instantiate(&module).unwrap();
        let mut store = Store::new(&engine);
        let sum = instance.call::<(i32, i32), i32>(&mut store, "run", (100, 10));
        assert_eq!(sum.unwrap(), 30, "{arch}");
        assert_eq!(instance.read_memory(99, 12).unwrap()[..3], [0, 3, 3]);
        assert_eq!(instance.read_memory(110, 1).unwrap(), [0]);

        // A range past the end traps the guest, naming the import and the range, and
        // leaves memory as it was; the instance keeps working.
        let error = instance
            .call::<(i32, i32), i32>(&mut store, "run", (65530, 10))
            .unwrap_err();
        let Error::Trap(trap) = &error else {
            panic!("{arch}: expected a trap, got {error:?}");
        };
        let TrapKind::Host(message) = &trap.kind else {
            panic!("{arch}: expected a host trap, got {trap}");
        };
        assert!(message.starts_with("env.fill"), "{message}");
        assert!(
            message.contains("10 bytes at 0xfffa are outside the guest memory (65536 bytes)"),
            "{message}"
        );
        assert_eq!(instance.read_memory(65530, 6).unwrap(), [0; 6]);
        let error = instance
            .call::<(i32, i32), i32>(&mut store, "run", (-1, 1))
            .unwrap_err();
        assert!(
            error.to_string().contains("outside the guest memory"),
            "{error}"
        );
        assert_eq!(
            instance
                .call::<(i32, i32), i32>(&mut store, "run", (0, 2))
                .unwrap(),
            6
        );
    }
}

#[test]
fn the_read_only_region_cannot_be_written_by_host_functions_or_the_embedder() {
    let engine = Engine::default();
    // `poke(addr)` is given the address of a constant-pool string.
    let module = Module::from_assembly(
        &engine,
        r#"
        .type params i32
        .import "env" "poke" 0
        .pool msg str "constant"
        .func main
            PUSH_CONST msg
            POP
            CALL_HOST 0
            HALT
        .end
        "#,
    )
    .unwrap();
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "poke", |mut caller: Caller<'_>, addr: i32| {
            assert_eq!(caller.read_str(addr as u32 as u64, 8)?, "constant");
            caller.write(addr as u32 as u64, b"C")?;
            Ok::<(), HostError>(())
        })
        .unwrap();
    let mut instance = linker.instantiate(&module).unwrap();
    let error = instance.run(&mut Store::new(&engine)).unwrap_err();
    assert!(matches!(error, Error::Trap(_)), "{error}");
    assert!(error.to_string().contains("read-only region"), "{error}");
    let error = instance.write_memory(0, b"C").unwrap_err();
    assert!(matches!(error, Error::Memory(_)), "{error}");
    assert!(error.to_string().contains("read-only region"), "{error}");
    let size = instance.memory_size();
    let error = instance.write_memory(size - 1, b"CC").unwrap_err();
    assert!(error.to_string().contains("outside the memory"), "{error}");
    instance.write_memory(size - 2, b"CC").unwrap();
    assert_eq!(instance.read_memory(size - 2, 2).unwrap(), b"CC");
}

#[test]
fn instance_calls_run_with_the_store_capabilities_streams_and_state() {
    let engine = Engine::default();
    // `argc` returns the argument count (0 when the call is denied); `echo` copies stdin to
    // stdout.
    let module = Module::from_wat(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "argc") (result i32)
                i32.const 0 i32.const 0 i32.store
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                i32.const 0 i32.load)
            (func (export "echo")
                ;; one iovec at 16: 64 bytes at 100
                (i32.store (i32.const 16) (i32.const 100))
                (i32.store (i32.const 20) (i32.const 64))
                (drop (call $read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
                (i32.store (i32.const 20) (i32.load (i32.const 24)))
                (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"#,
    )
    .unwrap();
    let mut instance = Instance::new_without_imports(&module).unwrap();
    let mut store = Store::new(&engine);
    assert_eq!(instance.call::<(), i32>(&mut store, "argc", ()).unwrap(), 0);
    store.set_args(&["prog", "a", "b"]);
    assert_eq!(instance.call::<(), i32>(&mut store, "argc", ()).unwrap(), 3);
    assert!(store.denials().is_empty());
    store.capabilities_mut().args = None;
    for _ in 0..2 {
        // The same denial on the same host is reported for each call.
        assert_eq!(instance.call::<(), i32>(&mut store, "argc", ()).unwrap(), 0);
        assert_eq!(store.denials().len(), 1, "{:?}", store.denials());
    }
    store.set_args(&["prog"]);
    assert_eq!(instance.call::<(), i32>(&mut store, "argc", ()).unwrap(), 1);
    assert!(store.denials().is_empty());
    store.set_stdin(b"ping");
    instance.call::<(), ()>(&mut store, "echo", ()).unwrap();
    assert_eq!(store.take_stdout(), b"ping");

    // The database opcodes use the store's state store, one transaction per call.
    let counter = Module::from_assembly(&engine, COUNTER).unwrap();
    let mut instance = Instance::new_without_imports(&counter).unwrap();
    let error = instance.run(&mut Store::new(&engine)).unwrap_err();
    assert!(matches!(error, Error::Denied(_)), "{error}");
    let mut store = Store::new(&engine);
    store.use_memory_state();
    for run in 1..=2 {
        let mut instance = Instance::new_without_imports(&counter).unwrap();
        assert_eq!(instance.run(&mut store).unwrap(), 0);
        let out = String::from_utf8(store.take_stdout()).unwrap();
        assert!(out.starts_with(&format!("run {run}\n")), "{out}");
    }
}

/// `_start` calls `env.step(i)` for i in 0..50, which adds i to a total the host keeps and
/// stores the running total in guest memory at 8; then exits with the memory's total
/// modulo 256.
const STEP_WAT: &str = r#"(module
    (import "env" "step" (func $step (param i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (local i32)
        loop
            local.get 0 call $step
            local.get 0 i32.const 1 i32.add local.tee 0
            i32.const 50 i32.lt_u br_if 0
        end
        (call $exit (i32.and (i32.load (i32.const 8)) (i32.const 255)))))"#;

/// A linker whose `env.step` adds to `total` and writes it to guest memory; it fails at
/// `fail_at`.
fn step_linker(total: Arc<AtomicU64>, fail_at: i32) -> Linker {
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "step", move |mut caller: Caller<'_>, i: i32| {
            if i == fail_at {
                return Err(HostError::new(format!("step {i} refused")));
            }
            let sum = total.fetch_add(i as u64, Ordering::Relaxed) + i as u64;
            caller.write(8, &(sum as u32).to_le_bytes())
        })
        .unwrap();
    linker
}

#[test]
fn resumable_runs_call_host_functions_in_every_slice() {
    let whole_engine = Engine::default();
    let whole = Module::from_wat(&whole_engine, STEP_WAT).unwrap();
    let total = Arc::new(AtomicU64::new(0));
    let linker = step_linker(total.clone(), -1);
    let mut store = Store::new(&whole_engine);
    let mut run = linker.start(&whole, &store).unwrap();
    let Progress::Finished(expected) = run.resume(&mut store).unwrap() else {
        panic!("unlimited fuel ran out");
    };
    assert_eq!(expected.exit_code, (49 * 50 / 2) % 256);
    assert_eq!(total.load(Ordering::Relaxed), 49 * 50 / 2);

    let mut config = Config::default();
    config.fuel(7);
    let engine = Engine::new(&config);
    let module = Module::from_wat(&engine, STEP_WAT).unwrap();
    let total = Arc::new(AtomicU64::new(0));
    let linker = step_linker(total.clone(), -1);
    let mut store = Store::new(&engine);
    let mut run = linker.start(&module, &store).unwrap();
    let mut slices = 1;
    let outcome = loop {
        match run.resume(&mut store).unwrap() {
            Progress::Finished(outcome) => break outcome,
            Progress::OutOfFuel { .. } => {
                slices += 1;
                run.add_fuel(7);
            }
        }
    };
    assert_eq!(outcome, expected);
    assert!(slices > 10, "{slices} slices");
    assert_eq!(total.load(Ordering::Relaxed), 49 * 50 / 2);

    // A host function failing in a later slice traps the run cleanly; it cannot go on.
    let mut run = step_linker(Arc::new(AtomicU64::new(0)), 30)
        .start(&module, &store)
        .unwrap();
    let error = loop {
        match run.resume(&mut store) {
            Ok(Progress::OutOfFuel { .. }) => run.add_fuel(7),
            Ok(Progress::Finished(outcome)) => panic!("finished: {outcome:?}"),
            Err(error) => break error,
        }
    };
    assert!(
        error.to_string().contains("env.step: step 30 refused"),
        "{error}"
    );
    assert!(matches!(run.resume(&mut store), Err(Error::Finished)));

    // Module::start refuses a module with imports, pointing at Linker::start.
    let error = module.start(&store).unwrap_err();
    assert!(error.to_string().contains("Linker::start"), "{error}");
    // Linker::start checks the imports like instantiate.
    let error = Linker::new().start(&module, &store).unwrap_err();
    assert!(matches!(error, Error::Link(_)), "{error}");
}

/// Writes `c/guest` = "guest", then calls `env.mirror()` and exits with its result.
const MIRROR_ASM: &str = r#"
.pool c str "c"
.pool g str "guest"
.type results i32
.import "env" "mirror" 0
.func main results=1
    PUSH_CONST c
    PUSH_CONST g
    PUSH_CONST g
    DB_PUT
    POP
    CALL_HOST 0
    RET
.end
"#;

/// `env.mirror()`: copies the guest's uncommitted `c/guest` to `c/host` and returns
/// `code`, or fails after the copy when `code` is 99.
fn mirror_linker(code: Arc<AtomicI32>) -> Linker {
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "mirror", move |mut caller: Caller<'_>| {
            let mut state = caller.state()?;
            let seen = state.get(b"c", b"guest")?.map(<[u8]>::to_vec);
            let seen = seen.ok_or_else(|| HostError::new("the guest's write is not visible"))?;
            state.put(b"c", b"host", &seen)?;
            match code.load(Ordering::Relaxed) {
                99 => Err(HostError::new("failed after writing")),
                code => Ok(code),
            }
        })
        .unwrap();
    linker
}

/// The committed values of `c/guest` and `c/host`.
fn committed(store: &mut Store) -> [Option<Vec<u8>>; 2] {
    let state = store.state_mut().expect("a state store");
    [b"guest".as_slice(), b"host"].map(|key| state.get(b"c", key).unwrap().map(<[u8]>::to_vec))
}

#[test]
fn host_functions_read_and_write_the_state_in_the_guest_transaction() {
    let engine = Engine::default();
    let module = Module::from_assembly(&engine, MIRROR_ASM).unwrap();
    let code = Arc::new(AtomicI32::new(0));
    let linker = mirror_linker(code.clone());
    let guest = Some(b"guest".to_vec());
    let mut store = Store::new(&engine);
    store.use_memory_state();
    let mut instance = linker.instantiate(&module).unwrap();
    // Exit code 3 (returned by the entry point), then a host error after the host function
    // wrote (a trap): nothing of either is committed.
    code.store(3, Ordering::Relaxed);
    assert_eq!(instance.run(&mut store).unwrap(), 3);
    assert_eq!(committed(&mut store), [None, None]);
    code.store(99, Ordering::Relaxed);
    let error = instance.run(&mut store).unwrap_err();
    assert!(matches!(error, Error::Trap(_)), "{error}");
    assert!(
        error.to_string().contains("failed after writing"),
        "{error}"
    );
    assert_eq!(committed(&mut store), [None, None]);
    // Exit code 0: the guest's and the host function's writes commit together.
    code.store(0, Ordering::Relaxed);
    assert_eq!(instance.run(&mut store).unwrap(), 0);
    assert_eq!(committed(&mut store), [guest.clone(), guest.clone()]);

    // A resumable run (Linker::start) shares the transaction the same way; exit code 3
    // discards it too.
    for (exit, expected) in [
        (99, [None, None]),
        (3, [None, None]),
        (0, [guest.clone(), guest]),
    ] {
        code.store(exit, Ordering::Relaxed);
        let mut store = Store::new(&engine);
        store.use_memory_state();
        let mut run = linker.start(&module, &store).unwrap();
        match run.resume(&mut store) {
            Ok(Progress::Finished(outcome)) => assert_eq!(outcome.exit_code, exit),
            other => assert!(exit == 99 && other.is_err(), "{other:?}"),
        }
        assert_eq!(committed(&mut store), expected);
    }
}

#[test]
fn without_a_state_store_the_caller_state_is_denied_and_traps_the_guest() {
    let engine = Engine::default();
    let module = Module::from_wat(
        &engine,
        r#"(module
            (import "env" "peek" (func $peek (result i32)))
            (func (export "run") (result i32) call $peek))"#,
    )
    .unwrap();
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "peek", |mut caller: Caller<'_>| {
            let found = caller.state()?.get(b"c", b"k")?.is_some();
            Ok::<i32, HostError>(i32::from(found))
        })
        .unwrap();
    let mut instance = linker.instantiate(&module).unwrap();
    let error = instance
        .call::<(), i32>(&mut Store::new(&engine), "run", ())
        .unwrap_err();
    // Without a state store the guest's transaction is the denied one, as for its own
    // database opcodes.
    assert!(matches!(error, Error::Trap(_)), "{error}");
    assert!(error.to_string().contains("`db` capability"), "{error}");
    let mut store = Store::new(&engine);
    store.use_memory_state();
    assert_eq!(instance.call::<(), i32>(&mut store, "run", ()).unwrap(), 0);
}
