//! The embedding API end to end: module kinds and their errors, host functions (link-time
//! type checks, errors and panics that trap), typed calls on every architecture, state
//! stores, resumable fuel, capabilities and one module shared by several threads.

use dotvm::{
    Arch, Config, Engine, Error, HostError, Instance, Linker, Module, Progress, Store, TrapKind,
};

const COUNTER: &str = include_str!("../../../examples/counter.dasm");

/// A module importing `env.add(i64, i64) -> i64` and exporting `sum3(a, b, c)`.
const ADD_WAT: &str = r#"(module
    (import "env" "add" (func $add (param i64 i64) (result i64)))
    (func (export "sum3") (param i64 i64 i64) (result i64)
        local.get 0 local.get 1 call $add local.get 2 call $add))"#;

fn engine_for(arch: Arch) -> Engine {
    let mut config = Config::default();
    config.arch(arch);
    Engine::new(&config)
}

#[test]
fn every_input_kind_reads_and_bad_input_is_an_invalid_module() {
    let engine = Engine::default();
    let asm = Module::from_assembly(&engine, ".func main results=1\nPUSH 7\nRET\n.end\n").unwrap();
    let bytes = dotvm_core::format::write_module(asm.verified().module());
    let from_bytes = Module::new(&engine, &bytes).unwrap();
    assert_eq!(
        from_bytes.run(&mut Store::new(&engine)).unwrap().exit_code,
        7
    );
    let wasm = wat::parse_str("(module (func (export \"f\") (result i32) i32.const 3))").unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine);
    let mut instance = Instance::new_without_imports(&module).unwrap();
    assert_eq!(instance.call::<(), i32>(&mut store, "f", ()).unwrap(), 3);

    for bad in [
        &b"\0asm\x01\0\0\0\x99"[..],
        b"DOTV garbage",
        b"(module (func (result i32)))",
        b".func main\nNO_SUCH_OP\n.end\n",
        b".func main results=1\nRET\n.end\n",
        b"\xff\xfe",
    ] {
        let error = Module::new(&engine, bad).unwrap_err();
        assert!(matches!(error, Error::InvalidModule(_)), "{error}");
    }
    // Bytecode of another architecture is refused with a clear message.
    let error = Module::new(&engine_for(Arch::Arch256), &bytes).unwrap_err();
    assert!(error.to_string().contains("built for"), "{error}");
    let error = Module::from_file(&engine, "/no/such/file.dasm").unwrap_err();
    assert!(matches!(error, Error::Io(_)), "{error}");
}

#[test]
fn host_functions_are_called_with_typed_values_on_every_architecture() {
    for arch in [Arch::Arch32, Arch::Arch64, Arch::Arch256] {
        let engine = engine_for(arch);
        let module = Module::from_wat(&engine, ADD_WAT).unwrap();
        let mut linker = Linker::new();
        linker
            .func_wrap("env", "add", |a: i64, b: i64| a.wrapping_add(b))
            .unwrap();
        let mut instance = linker.instantiate(&module).unwrap();
        let mut store = Store::new(&engine);
        let sum = instance
            .call::<(i64, i64, i64), i64>(&mut store, "sum3", (-5, 1 << 40, 3))
            .unwrap();
        assert_eq!(sum, (1 << 40) - 2, "{arch}");
    }
}

#[test]
fn imports_of_other_types_or_counts_are_refused_at_link_time() {
    let engine = Engine::default();
    let module = Module::from_wat(&engine, ADD_WAT).unwrap();
    let link = |linker: &Linker| match linker.instantiate(&module) {
        Err(Error::Link(message)) => message,
        other => panic!("expected a link error, got {other:?}"),
    };
    let message = link(&Linker::new());
    assert!(message.contains("env.add (i64, i64) -> (i64)"), "{message}");
    assert!(message.contains("does not define"), "{message}");

    let mut wrong_type = Linker::new();
    wrong_type
        .func_wrap("env", "add", |a: i32, b: i32| a + b)
        .unwrap();
    let message = link(&wrong_type);
    assert!(
        message
            .contains("declares (i64, i64) -> (i64) but the host function is (i32, i32) -> (i32)"),
        "{message}"
    );
    let mut wrong_count = Linker::new();
    wrong_count.func_wrap("env", "add", |a: i64| a).unwrap();
    assert!(link(&wrong_count).contains("(i64) -> (i64)"));
    let mut no_result = Linker::new();
    no_result
        .func_wrap("env", "add", |_: i64, _: i64| ())
        .unwrap();
    assert!(link(&no_result).contains("(i64, i64) -> ()"));

    let mut twice = Linker::new();
    twice
        .func_wrap("env", "add", |a: i64, b: i64| a + b)
        .unwrap();
    let error = twice
        .func_wrap("env", "add", |a: i64, b: i64| a - b)
        .unwrap_err();
    assert!(error.to_string().contains("defined twice"), "{error}");

    // A module with imports cannot run without a linker.
    let error = module.run(&mut Store::new(&engine)).unwrap_err();
    assert!(matches!(error, Error::Link(_)), "{error}");
    assert!(matches!(
        Instance::new_without_imports(&module),
        Err(Error::Link(_))
    ));
}

#[test]
fn a_host_function_that_fails_or_panics_traps_the_guest_cleanly() {
    let engine = Engine::default();
    let module = Module::from_wat(&engine, ADD_WAT).unwrap();
    let mut linker = Linker::new();
    linker
        .func_wrap("env", "add", |a: i64, b: i64| -> Result<i64, HostError> {
            match a.checked_add(b) {
                Some(sum) if sum != 13 => Ok(sum),
                Some(_) => panic!("unlucky"),
                None => Err(HostError::new("overflow")),
            }
        })
        .unwrap();
    let mut instance = linker.instantiate(&module).unwrap();
    let mut store = Store::new(&engine);
    let error = instance
        .call::<(i64, i64, i64), i64>(&mut store, "sum3", (i64::MAX, 1, 0))
        .unwrap_err();
    let Error::Trap(trap) = &error else {
        panic!("expected a trap, got {error:?}")
    };
    assert_eq!(trap.kind, TrapKind::Host("env.add: overflow".into()));
    assert!(error.to_string().contains("host error: env.add: overflow"));
    let error = instance
        .call::<(i64, i64, i64), i64>(&mut store, "sum3", (6, 7, 0))
        .unwrap_err();
    assert_eq!(
        error.trap().map(|t| &t.kind),
        Some(&TrapKind::Host("env.add panicked".into()))
    );
    // The instance stays usable after a trap.
    let sum = instance
        .call::<(i64, i64, i64), i64>(&mut store, "sum3", (1, 2, 3))
        .unwrap();
    assert_eq!(sum, 6);
}

#[test]
fn calls_with_wrong_names_or_types_are_refused_before_running() {
    let engine = Engine::default();
    let module = Module::from_wat(
        &engine,
        "(module (func (export \"neg\") (param f64) (result f64) local.get 0 f64.neg))",
    )
    .unwrap();
    let mut instance = Instance::new_without_imports(&module).unwrap();
    let mut store = Store::new(&engine);
    assert_eq!(
        instance.call::<f64, f64>(&mut store, "neg", 2.5).unwrap(),
        -2.5
    );
    let error = instance
        .call::<f32, f32>(&mut store, "neg", 1.0)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`neg` is (f64) -> (f64) but was called as (f32) -> (f32)"),
        "{error}"
    );
    let error = instance.call::<(), ()>(&mut store, "nope", ()).unwrap_err();
    assert!(matches!(error, Error::Type(_)), "{error}");
    assert!(matches!(instance.read_memory(0, 1), Err(Error::Memory(_))));
}

#[test]
fn memory_reads_are_bounds_checked() {
    let engine = Engine::default();
    let module = Module::from_wat(
        &engine,
        r#"(module (memory 1) (data (i32.const 100) "abc")
            (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8))"#,
    )
    .unwrap();
    let mut instance = Instance::new_without_imports(&module).unwrap();
    let mut store = Store::new(&engine);
    instance
        .call::<(i32, i32), ()>(&mut store, "poke", (101, b'X' as i32))
        .unwrap();
    assert_eq!(instance.read_memory(100, 3).unwrap(), b"aXc");
    assert_eq!(instance.memory_size(), 65536);
    let error = instance.read_memory(65535, 2).unwrap_err();
    assert!(matches!(error, Error::Memory(_)), "{error}");
    assert!(instance.read_memory(u64::MAX, 2).is_err());
}

#[test]
fn state_persists_in_a_redb_file_and_is_kept_by_a_memory_store() {
    let engine = Engine::default();
    let module = Module::from_assembly(&engine, COUNTER).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    for run in 1..=2 {
        let mut store = Store::new(&engine);
        store.open_state(&path).unwrap();
        assert_eq!(module.run(&mut store).unwrap().exit_code, 0);
        let out = String::from_utf8(store.take_stdout()).unwrap();
        assert!(out.starts_with(&format!("run {run}\n")), "{out}");
    }
    let mut store = Store::new(&engine);
    store.use_memory_state();
    for run in 1..=3 {
        module.run(&mut store).unwrap();
        let out = String::from_utf8(store.take_stdout()).unwrap();
        assert!(out.starts_with(&format!("run {run}\n")), "{out}");
    }
    // Without a state store the database opcodes are denied.
    let error = module.run(&mut Store::new(&engine)).unwrap_err();
    assert!(matches!(error, Error::Denied(_)), "{error}");
    let error = Store::new(&engine)
        .open_state(dir.path().join("no/such/dir/x.redb"))
        .unwrap_err();
    assert!(matches!(error, Error::State { trap: None, .. }), "{error}");
}

#[test]
fn a_resumed_run_with_state_equals_a_run_with_all_the_fuel() {
    // Two runs with all the fuel at once, for the expected output and fuel.
    let unlimited = Module::from_assembly(&Engine::default(), COUNTER).unwrap();
    let mut whole = Store::new(unlimited.engine());
    whole.use_memory_state();
    let fuel: Vec<u64> = (0..2)
        .map(|_| unlimited.run(&mut whole).unwrap().instructions)
        .collect();
    let expected = whole.take_stdout();

    let mut config = Config::default();
    config.fuel(37);
    let engine = Engine::new(&config);
    let module = Module::from_assembly(&engine, COUNTER).unwrap();
    let mut store = Store::new(&engine);
    store.use_memory_state();
    for fuel in fuel {
        let mut run = module.start(&store).unwrap();
        let mut slices = 1;
        let outcome = loop {
            match run.resume(&mut store).unwrap() {
                Progress::Finished(outcome) => break outcome,
                Progress::OutOfFuel { used } => {
                    // Fuel left over accumulates until it pays the next instruction (a
                    // database opcode costs more than one slice).
                    assert!(used <= 37 * slices, "{used} used of {}", 37 * slices);
                    slices += 1;
                    run.add_fuel(37);
                }
            }
        };
        assert_eq!(outcome.exit_code, 0);
        assert_eq!(outcome.instructions, fuel);
        assert!(slices >= fuel.div_ceil(37));
        assert!(
            run.resume(&mut store).is_err(),
            "a finished run cannot resume"
        );
    }
    assert_eq!(store.take_stdout(), expected);
    // Fuel that runs out in a plain run is a limit, and its writes are discarded.
    let error = module.run(&mut store).unwrap_err();
    assert!(matches!(&error, Error::Limit(t) if t.kind == TrapKind::InstructionLimit));
    store.take_stdout();
    let mut run = module.start(&store).unwrap();
    run.add_fuel(u64::MAX / 2);
    assert!(matches!(run.resume(&mut store), Ok(Progress::Finished(_))));
    let out = String::from_utf8(store.take_stdout()).unwrap();
    assert!(out.starts_with("run 3\n"), "{out}");
}

#[test]
fn the_store_grants_args_env_and_withholds_capabilities() {
    let engine = Engine::default();
    // args_sizes_get stores argc at 0; the program exits with it (errno 76 when denied).
    let module = Module::from_wat(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "_start")
                (if (call $sizes (i32.const 0) (i32.const 4))
                    (then (call $exit (i32.const 99))))
                (call $exit (i32.load (i32.const 0)))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine);
    assert_eq!(module.run(&mut store).unwrap().exit_code, 0);
    store.set_args(&["prog", "a", "b"]);
    assert_eq!(module.run(&mut store).unwrap().exit_code, 3);
    store.capabilities_mut().args = None;
    assert_eq!(module.run(&mut store).unwrap().exit_code, 99);
    assert_eq!(store.denials().len(), 1);

    let print = Module::from_assembly(
        &engine,
        ".func main\nPUSH 1\nSYSCALL print_int\nHALT\n.end\n",
    )
    .unwrap();
    let mut quiet = Store::new(&engine);
    quiet.capabilities_mut().stdout = false;
    let error = print.run(&mut quiet).unwrap_err();
    assert!(matches!(error, Error::Denied(_)), "{error}");

    let mut missing_dir = Store::new(&engine);
    missing_dir.capabilities_mut().dirs = vec![dotvm::Preopen {
        host: "/no/such/dir".into(),
        guest: "/data".into(),
        read_only: true,
    }];
    let error = print.run(&mut missing_dir).unwrap_err();
    assert!(matches!(error, Error::Host(_)), "{error}");
}

#[test]
fn one_module_runs_concurrently_on_several_threads() {
    let engine = Engine::default();
    let module = Module::from_wat(&engine, ADD_WAT).unwrap();
    let threads: Vec<_> = (0..4i64)
        .map(|t| {
            let module = module.clone();
            std::thread::spawn(move || {
                let mut linker = Linker::new();
                linker
                    .func_wrap("env", "add", move |a: i64, b: i64| a + b + t)
                    .unwrap();
                let mut instance = linker.instantiate(&module).unwrap();
                let mut store = Store::new(module.engine());
                (0..200)
                    .map(|i| {
                        instance
                            .call::<(i64, i64, i64), i64>(&mut store, "sum3", (i, t, 1))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for (t, thread) in threads.into_iter().enumerate() {
        let t = t as i64;
        let results = thread.join().unwrap();
        let expected: Vec<i64> = (0..200).map(|i| i + t + 1 + 2 * t).collect();
        assert_eq!(results, expected);
    }
}

#[test]
fn engines_modules_and_stores_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send_sync::<Linker>();
    send::<Store>();
    send::<Instance>();
}

/// The compiled tier gives the interpreter's results: output, exit code and fuel, and the
/// same limit trap.
/// True on the hosts Cranelift generates code for.
#[cfg(feature = "jit")]
const CRANELIFT_HOST: bool = cfg!(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64",
    target_arch = "s390x"
));

#[cfg(feature = "jit")]
#[test]
fn a_compiled_module_runs_like_the_interpreted_one() {
    use dotvm::{BufferIo, Host};
    let source = ".func main results=1\n.local i\ntop:\nLOCAL_GET i\nPUSH 1\nADD\nLOCAL_TEE i\n\
                  PUSH 1000\nLT_U\nJNZ top\nLOCAL_GET i\nSYSCALL print_int\nPUSH 3\nRET\n.end\n";
    for fuel in [1_000_000, 500] {
        let mut config = Config::default();
        config.fuel(fuel);
        let module = Module::from_assembly(&Engine::new(&config), source).unwrap();
        let compiled = match module.compile() {
            Ok(compiled) => compiled,
            // Only a host without a Cranelift backend may skip.
            Err(Error::Unsupported(reason)) if !CRANELIFT_HOST => {
                return eprintln!("skipped: {reason}");
            }
            Err(other) => panic!("{other}"),
        };
        let (mut io, mut host) = (BufferIo::default(), Host::default());
        let interpreted = module.run_hosted(&mut io, &mut host, None, None);
        let interpreted = (interpreted.map_err(|e| e.to_string()), io.output);
        let (mut io, mut host) = (BufferIo::default(), Host::default());
        let native = compiled.run_hosted(&mut io, &mut host);
        let native = (native.map_err(|e| e.to_string()), io.output);
        assert!(compiled.supports(module.engine().config().limits()));
        assert_eq!(native, interpreted, "fuel {fuel}");
    }
}
