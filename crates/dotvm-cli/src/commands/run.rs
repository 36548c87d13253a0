//! `dotvm run`: load, verify and execute a program.

use crate::audit::AuditLog;
use crate::cli::{CapabilityName, RunArgs, Timeout};
use crate::driver::{BuildOptions, InputKind};
use crate::embedded::run_transaction;
use crate::program::{load_input_with, module_error};
use crate::replay::ReplayInput;
use crate::resources::{CountingStore, DbCounts, RunStats, Usage};
use crate::signing::{self, hex, signer_id};
use crate::state::{Location, OpenStore};
use crate::stepper::Stepper;
use crate::symbols::{Symbols, TrapReport};
use crate::trace::Tracer;
use anyhow::{Context, Result, anyhow};
use dotvm_core::format::write_module;
use dotvm_core::syscall::Capability;
use dotvm_core::{Module, Verified};
use dotvm_crypto::hash::HashAlgorithm;
use dotvm_state::{Attempt, RetryPolicy, TransactionError, with_retries};
use dotvm_vm::state::{DbAccess, Guarded};
use dotvm_vm::{
    Capabilities, ClockSource, Denial, DenialReason, Host, Inspector, Io, Limits, Outcome, Preopen,
    RandomSource, RunError, StdIo, Stopped, TrapKind,
};
use dotvm_wasm::variables::Variables;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// How a run ended, for the exit status.
pub enum RunEnd {
    /// The program finished with this exit code.
    Exited(i32),
    /// The program trapped; the report has its backtrace.
    Trapped(Box<TrapReport>),
    /// The debugger's `q` stopped the program.
    Stopped(Stopped),
}

/// A tool that watches a run through the inspector: `dotvm debug` and `dotvm profile`.
pub trait Observer {
    /// Adjusts how the input is built (e.g. unoptimised, with a line table).
    fn build(&self, options: &mut BuildOptions);
    /// True when a person drives the run: no default wall-clock limit (as with `--step`).
    fn interactive(&self) -> bool;
    /// True when [`Observer::start`] wants the source-level variables of the DWARF.
    fn wants_variables(&self) -> bool {
        false
    }
    /// Called with the verified module before it runs, and its variables when asked for
    /// and the input has them.
    fn start(&mut self, module: &Module, variables: Option<Variables>) -> Result<()>;
    /// The inspector that sees every instruction.
    fn inspector(&mut self) -> &mut dyn Inspector;
    /// The program's standard streams, when they differ from the process's (the
    /// debugger keeps standard input for its commands).
    fn io(&mut self) -> Result<Option<Box<dyn Io>>>;
}

/// Runs the program and reports statistics when asked.
pub fn execute(args: &RunArgs) -> Result<RunEnd> {
    execute_observed(args, None)
}

/// Runs the program like [`execute`], watched by `observer` when given.
pub fn execute_observed(args: &RunArgs, mut observer: Option<&mut dyn Observer>) -> Result<RunEnd> {
    let load_start = Instant::now();
    let audit = args.audit.as_deref().map(AuditLog::new).transpose()?;
    let mut limits = limits_from(args);
    if args.timeout.is_none() && observer.as_ref().is_some_and(|o| o.interactive()) {
        limits.time = None;
    }
    let mut build = build_options(args);
    if let Some(observer) = &observer {
        observer.build(&mut build);
    }
    let with_variables = observer.as_ref().is_some_and(|o| o.wants_variables());
    let loaded = engine_for(args, &limits).and_then(|engine| {
        let (module, variables) = load_input_with(&args.file, args.arch, &build, with_variables)?;
        let kind = InputKind::of(&args.file)?;
        let file = args.file.display();
        let claimed = unchecked_signer(args, &module);
        let module = dotvm::Module::from_module(&engine, module).map_err(|e| match e {
            dotvm::Error::Signature(dotvm::SignatureError::Unsigned)
                if kind != InputKind::Bytecode =>
            {
                anyhow!(
                    "{file}: not signed: --require-signed runs only signed bytecode files \
                     (build it with `dotvm asm` or `dotvm transpile`, then `dotvm sign`)"
                )
            }
            other => module_error(&args.file, other),
        })?;
        let signer = match module.signer() {
            Some(key) => Some(format!("{} ({})", key.name, key.id())),
            None => claimed,
        };
        Ok((kind, signer, module, variables))
    });
    let (kind, signer, module, variables) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            if let Some(audit) = &audit {
                audit.append(vec![json!({
                    "event": "refused",
                    "file": args.file.display().to_string(),
                    "reason": format!("{error:#}"),
                })])?;
            }
            return Err(error);
        }
    };
    let verified = module.verified();
    if let Some(observer) = &mut observer {
        observer.start(verified.module(), variables)?;
    }
    let load_time = load_start.elapsed();
    if let Some(audit) = &audit {
        audit.append(vec![start_record(
            args,
            verified,
            signer.as_deref(),
            &limits,
        )])?;
    }
    let location = Location::resolve(args.state.as_deref())?;
    // Only programs with database opcodes open (and lock) the state, and only when the
    // `db` capability is granted.
    let uses_state = dotvm_state::uses_state(verified.module());
    let db_access = db_access(args);
    let mut store = if uses_state && db_access != DbAccess::Denied {
        Some(location.open()?)
    } else {
        None
    };
    let mut host = Host::new(capabilities_from(args)).map_err(|e| anyhow!("{e}"))?;
    let observed_io = match &mut observer {
        Some(observer) => observer.io()?,
        None => None,
    };
    let (mut io, mut inspector): (Box<dyn Io>, Option<Box<dyn Inspector>>) =
        if let Some(io) = observed_io {
            (io, None)
        } else if observer.is_some() {
            (Box::new(StdIo), None)
        } else if args.step {
            let input: Box<dyn Read> = match &args.input {
                Some(path) => Box::new(
                    std::fs::File::open(path)
                        .with_context(|| format!("cannot open --input {}", path.display()))?,
                ),
                None => Box::new(std::io::empty()),
            };
            let stepper = Stepper::new(std::io::stdin().lock(), std::io::stderr());
            (Box::new(SteppedIo { input }), Some(Box::new(stepper)))
        } else if args.debug {
            let tracer = Tracer::new(std::io::BufWriter::new(std::io::stderr()));
            (Box::new(StdIo), Some(Box::new(tracer)))
        } else {
            (Box::new(StdIo), None)
        };
    let inspector = match observer {
        Some(observer) => Some(observer.inspector()),
        None => inspector.as_deref_mut().map(|i| i as &mut dyn Inspector),
    };
    let run_start = Instant::now();
    // The writes of the run (of its last attempt on a shared store), for the audit log.
    let mut writes = BTreeMap::new();
    // The database operations of the run (of its last attempt on a shared store).
    let mut db_counts = DbCounts::default();
    let mut ran = super::engine::Ran::Interp("database opcodes or an inspector".into());
    let (result, state_report, state_outcome) = match uses_state {
        true => {
            let shared = store.as_ref().is_some_and(OpenStore::is_shared);
            let (result, attempts) = match &mut store {
                Some(open) if shared => {
                    let (result, last_host, attempts, last_writes, counts) =
                        run_shared(&module, args, io.as_mut(), inspector, open, db_access)?;
                    host = last_host;
                    writes = last_writes;
                    db_counts = counts;
                    (result, attempts)
                }
                _ => {
                    let mut guarded = match &mut store {
                        Some(store) => Guarded::new(store.as_state(), db_access),
                        None => Guarded::denied(),
                    };
                    let mut counting = CountingStore::new(&mut guarded);
                    let result =
                        run_transaction(&module, io.as_mut(), &mut host, &mut counting, inspector);
                    db_counts = counting.counts();
                    writes = guarded.writes().clone();
                    (result, 1)
                }
            };
            let outcome = match &result {
                _ if db_access == DbAccess::Denied => "denied",
                Ok(outcome) if outcome.exit_code == 0 => "committed",
                Err(TransactionError::Commit(_)) => "commit failed",
                _ => "aborted",
            };
            let mut report = match outcome {
                "committed" | "commit failed" => format!("{location}, {outcome}"),
                _ => format!("{location}, writes discarded"),
            };
            if shared {
                report.push_str(&format!(" ({attempts} attempt{})", plural(attempts)));
            }
            let result = match result {
                Ok(outcome) => Ok(outcome),
                Err(TransactionError::Run(error)) => Err(error),
                Err(TransactionError::Commit(error)) => {
                    let retried = if store.as_ref().is_some_and(OpenStore::retryable) {
                        format!(
                            " (it conflicted with concurrent runs {attempts} time{}; run it again)",
                            plural(attempts)
                        )
                    } else {
                        String::new()
                    };
                    let error =
                        anyhow!("cannot commit the run's writes to {location}: {error}{retried}");
                    if let Some(audit) = &audit {
                        audit.append(vec![
                            state_record(outcome, &location, &writes),
                            json!({"event": "error", "message": format!("{error:#}")}),
                        ])?;
                    }
                    return Err(error);
                }
            };
            (result, report, outcome)
        }
        false => (
            match inspector {
                None => match super::engine::run_compiled(args, &module, io.as_mut(), &mut host)? {
                    super::engine::Choice::Compiled(result, engine) => {
                        ran = engine;
                        result
                    }
                    super::engine::Choice::Interpret(engine) => {
                        ran = engine;
                        module
                            .run_hosted(io.as_mut(), &mut host, None, None)
                            .map_err(RunError::from)
                    }
                },
                Some(inspector) => module
                    .run_hosted(io.as_mut(), &mut host, None, Some(inspector))
                    .map_err(RunError::from),
            },
            format!("{location}, not opened (no database opcodes)"),
            "not used",
        ),
    };
    if let Some(audit) = &audit {
        audit.append(end_records(
            args,
            &host,
            state_record(state_outcome, &location, &writes),
            &result,
        ))?;
    }
    let run_time = run_start.elapsed();
    let _ = io.flush();
    let failed = !matches!(&result, Ok(outcome) if outcome.exit_code == 0);
    if failed || (args.verbose && !args.json) {
        for denial in host.denials() {
            eprintln!("dotvm: {}", explain_denial(args, denial));
        }
    }
    let usage = Usage {
        host: host.stats(),
        db: db_counts,
    };
    if args.verbose && args.json {
        let stats = RunStats {
            input: args.file.display().to_string(),
            input_kind: kind.describe(),
            arch: verified.module().arch.name().to_string(),
            load_seconds: load_time.as_secs_f64(),
            run_seconds: run_time.as_secs_f64(),
            instructions: executed(&result),
            peak_memory: result.as_ref().ok().map(|o| o.peak_memory),
            exit_code: result.as_ref().ok().map(|o| o.exit_code),
            end: match &result {
                Ok(_) => "exited",
                Err(RunError::Trap(_)) => "trapped",
                Err(RunError::Stopped(_)) => "stopped",
                Err(RunError::Load(_)) => "not started",
            },
            usage,
            state: &state_report,
            signer: signer.as_deref(),
        };
        eprintln!("{}", stats.to_json());
    } else if args.verbose {
        let mut report = verbose_report(
            args,
            kind,
            verified.module(),
            load_time,
            run_time,
            executed(&result),
            result.as_ref().ok(),
        );
        for line in usage.text_lines() {
            report.push('\n');
            report.push_str(&line);
        }
        report.push_str(&format!("\n{}", ran.report()));
        report.push_str(&format!("\nstate            {state_report}"));
        report.push_str(&format!(
            "\nsigner           {}",
            signer.as_deref().unwrap_or("none (unsigned)")
        ));
        eprintln!("{report}");
    }
    match result {
        Ok(outcome) => Ok(RunEnd::Exited(outcome.exit_code)),
        Err(RunError::Trap(trap)) => Ok(RunEnd::Trapped(Box::new(TrapReport::new(
            trap,
            &Symbols::new(verified.module()),
        )))),
        Err(RunError::Stopped(stopped)) => Ok(RunEnd::Stopped(stopped)),
        Err(RunError::Load(error)) => Err(anyhow!("{}: {error}", args.file.display())),
    }
}

/// The instructions a run executed, unless it could not start.
fn executed(result: &Result<Outcome, RunError>) -> Option<u64> {
    match result {
        Ok(outcome) => Some(outcome.instructions),
        Err(RunError::Trap(trap)) => Some(trap.instructions),
        Err(RunError::Stopped(stopped)) => Some(stopped.instructions),
        Err(RunError::Load(_)) => None,
    }
}

/// The audit record of a run's start: what runs, who signed it, and what it may do.
fn start_record(
    args: &RunArgs,
    verified: &Verified,
    signer: Option<&str>,
    limits: &Limits,
) -> Value {
    let module = verified.module();
    let bytes = write_module(module);
    let limit = |value: u64, unlimited: u64| (value != unlimited).then_some(value);
    json!({
        "event": "start",
        "file": args.file.display().to_string(),
        "module_sha256": hex(HashAlgorithm::Sha256.digest(&bytes).as_bytes()),
        "signer": signer,
        "arch": module.arch.name(),
        "capabilities": granted_names(args),
        "dirs": args.dirs.iter().chain(&args.dirs_ro).collect::<Vec<_>>(),
        "limits": {
            "time_ms": limits.time.map(|t| t.as_millis() as u64),
            "instructions": limit(limits.instructions, u64::MAX),
            "memory_bytes": limit(limits.memory_bytes, u64::MAX),
            "stack_slots": limit(limits.stack_slots as u64, usize::MAX as u64),
            "call_depth": limit(limits.call_depth as u64, usize::MAX as u64),
        },
        "pid": std::process::id(),
    })
}

/// The audit record of what happened to the state: the outcome and the writes per
/// collection.
fn state_record(outcome: &str, location: &Location, writes: &BTreeMap<Vec<u8>, u64>) -> Value {
    let writes: serde_json::Map<String, Value> = writes
        .iter()
        .map(|(collection, count)| (collection.escape_ascii().to_string(), json!(count)))
        .collect();
    json!({
        "event": "state",
        "outcome": outcome,
        "location": location.to_string(),
        "writes": writes,
    })
}

/// The audit records after a run: denied calls, opened files, the state, and the trap or
/// exit.
fn end_records(
    args: &RunArgs,
    host: &Host,
    state: Value,
    result: &Result<Outcome, RunError>,
) -> Vec<Value> {
    let mut records: Vec<Value> = host
        .denials()
        .iter()
        .map(|denial| {
            json!({
                "event": "denied",
                "call": denial.call.name(),
                "reason": explain_denial(args, denial),
            })
        })
        .collect();
    let (opened, unrecorded) = host.opened_files();
    records.extend(opened.iter().map(|file| {
        json!({
            "event": "file_opened",
            "path": file.path.display().to_string(),
            "write": file.write,
        })
    }));
    if unrecorded > 0 {
        records.push(json!({"event": "file_opened", "more_not_recorded": unrecorded}));
    }
    records.push(state);
    records.push(match result {
        Ok(outcome) => json!({
            "event": "exit",
            "code": outcome.exit_code,
            "instructions": outcome.instructions,
        }),
        Err(RunError::Trap(trap)) => json!({
            "event": "trap",
            "message": trap.to_string(),
            "limit": matches!(
                trap.kind,
                TrapKind::InstructionLimit
                    | TrapKind::TimeLimit { .. }
                    | TrapKind::StackOverflow
                    | TrapKind::CallDepthExceeded
                    | TrapKind::MemoryLimit { .. }
            ),
            "instructions": trap.instructions,
        }),
        Err(RunError::Stopped(stopped)) => json!({
            "event": "stopped",
            "function": stopped.function,
            "pc": stopped.pc,
        }),
        Err(RunError::Load(error)) => json!({"event": "error", "message": error.to_string()}),
    });
    records
}

/// The engine of a run: its limits, and under `--require-signed` the trusted keys
/// (`--trusted-key`, else `DOTVM_TRUSTED_KEYS`; there must be at least one).
fn engine_for(args: &RunArgs, limits: &Limits) -> Result<dotvm::Engine> {
    let mut config = dotvm::Config::default();
    config.limits(limits.clone());
    if args.require_signed {
        let trusted = signing::trusted_keys(&args.trusted_keys)?;
        if trusted.is_empty() {
            return Err(anyhow!(
                "--require-signed needs trusted keys: --trusted-key NAME.pub or {}",
                signing::TRUSTED_KEYS_VAR
            ));
        }
        config.require_signed(trusted);
    }
    Ok(dotvm::Engine::new(&config))
}

/// Who signed the program when signatures are not required (under `--require-signed` the
/// engine checks them): the signer of a validly signed file, a warning and the claimed
/// signer for a bad signature, `None` for an unsigned file.
fn unchecked_signer(args: &RunArgs, module: &Module) -> Option<String> {
    if args.require_signed {
        return None;
    }
    match signing::check_signature(module) {
        Ok(key) => Some(signer_id(&key)),
        Err(signing::SignatureError::Unsigned) => None,
        Err(error) => {
            let file = args.file.display();
            eprintln!("warning: {file}: {error}; running it anyway (--require-signed refuses it)");
            let claimed = module.signature.map(|s| signer_id(&s.public_key));
            Some(format!(
                "invalid signature (claims {})",
                claimed.unwrap_or_default()
            ))
        }
    }
}

/// What [`run_shared`] returns: the last attempt's result, its host (for the denials), the
/// number of attempts, the last attempt's writes and its database operations.
type SharedRun = (
    Result<Outcome, TransactionError>,
    Host,
    u32,
    BTreeMap<Vec<u8>, u64>,
    DbCounts,
);

/// Runs the program as a transaction on a shared store: a run that conflicts with a
/// concurrent one is run again from the start (fresh transaction, fresh host, the same
/// input), up to [`RetryPolicy::default`]'s bound, and only the output of the attempt
/// whose result stands is written to `io`.
fn run_shared(
    module: &dotvm::Module,
    args: &RunArgs,
    io: &mut dyn Io,
    mut inspector: Option<&mut dyn Inspector>,
    store: &mut OpenStore,
    db_access: DbAccess,
) -> Result<SharedRun> {
    let policy = RetryPolicy::default();
    let mut input = ReplayInput::new(io);
    let (result, attempts) = with_retries(&policy, |number| {
        let mut host = match Host::new(capabilities_from(args)) {
            Ok(host) => host,
            Err(error) => return Attempt::Done(Err(anyhow!("{error}"))),
        };
        let mut attempt = input.attempt();
        let mut guarded = Guarded::new(store.as_state(), db_access);
        let mut counting = CountingStore::new(&mut guarded);
        let result = run_transaction(
            module,
            &mut attempt,
            &mut host,
            &mut counting,
            inspector.as_mut().map(|i| &mut **i as &mut dyn Inspector),
        );
        let counts = counting.counts();
        let writes = guarded.writes().clone();
        if store.retryable() && number < policy.max_attempts {
            return Attempt::Conflict(Ok((result, host, writes, counts)));
        }
        Attempt::Done(
            attempt
                .release()
                .map(|()| (result, host, writes, counts))
                .context("cannot write the program's output"),
        )
    });
    let (result, host, writes, counts) = result?;
    Ok((result, host, attempts, writes, counts))
}

/// "s" unless `count` is 1.
fn plural(count: u32) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Program I/O under `--step`: stdout as usual, stdin from `--input` (stdin carries the
/// debugger's commands).
struct SteppedIo {
    input: Box<dyn Read>,
}

impl Io for SteppedIo {
    fn write_stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}

/// The build settings for Rust and WebAssembly inputs (function names are always kept,
/// so traps name the function).
fn build_options(args: &RunArgs) -> BuildOptions {
    BuildOptions {
        arch: args.arch.unwrap_or_default(),
        opt_level: args.build.opt_level,
        debug: true,
        // Build notes would interleave with the JSON statistics.
        verbose: args.verbose && !args.json && !args.build.quiet,
        quiet: args.build.quiet || args.json,
        keep_intermediate: args.build.keep_intermediate,
        target_dir: args.build.target_dir.clone(),
        line_table: false,
        simd: args.build.simd,
    }
}

/// Realtime clock start under `--deterministic`: 2000-01-01T00:00:00Z.
const DETERMINISTIC_EPOCH_NANOS: u64 = 946_684_800_000_000_000;

/// True when `cap` is granted: not withheld with `--deny`, and under `--sandbox` named with
/// `--allow` or by the flag that grants it explicitly.
fn granted(args: &RunArgs, cap: CapabilityName) -> bool {
    if args.deny.contains(&cap) {
        return false;
    }
    if !args.sandbox || args.allow.contains(&cap) {
        return true;
    }
    match cap {
        CapabilityName::Files => !args.dirs.is_empty() || !args.dirs_ro.is_empty(),
        CapabilityName::Env => !args.env.is_empty(),
        CapabilityName::Db => args.db_ro,
        _ => false,
    }
}

/// How much of the state database the run may use.
fn db_access(args: &RunArgs) -> DbAccess {
    if !granted(args, CapabilityName::Db) {
        DbAccess::Denied
    } else if args.db_ro {
        DbAccess::ReadOnly
    } else {
        DbAccess::ReadWrite
    }
}

/// What the program may do: everything but files, unless `--dir`/`--dir-ro` grant
/// directories; `--deny` withholds capabilities and `--sandbox` starts from nothing;
/// `--deterministic` swaps the clock and random source.
fn capabilities_from(args: &RunArgs) -> Capabilities {
    let mut argv = vec![args.file.display().to_string()];
    argv.extend(args.args.iter().cloned());
    let granted = |cap| granted(args, cap);
    let (clock, random) = if args.deterministic {
        (
            ClockSource::Virtual {
                start_nanos: DETERMINISTIC_EPOCH_NANOS,
            },
            RandomSource::Seeded(args.seed),
        )
    } else {
        (ClockSource::Real, RandomSource::Os)
    };
    let dirs = if granted(CapabilityName::Files) {
        let writable = args.dirs.iter().map(|dir| preopen(dir, false));
        let read_only = args.dirs_ro.iter().map(|dir| preopen(dir, true));
        writable.chain(read_only).collect()
    } else {
        Vec::new()
    };
    Capabilities {
        stdin: granted(CapabilityName::Stdin),
        stdout: granted(CapabilityName::Stdout),
        stderr: granted(CapabilityName::Stderr),
        exit: granted(CapabilityName::Exit),
        args: granted(CapabilityName::Args).then_some(argv),
        env: granted(CapabilityName::Env).then(|| args.env.clone()),
        clock: granted(CapabilityName::Clock).then_some(clock),
        random: granted(CapabilityName::Random).then_some(random),
        dirs,
    }
}

/// The names of the capabilities a run with `args` is granted (`db-ro` for read-only
/// database access), for the audit log and `--verbose`.
pub fn granted_names(args: &RunArgs) -> Vec<String> {
    CapabilityName::ALL
        .into_iter()
        .filter(|&cap| granted(args, cap))
        .map(|cap| match cap {
            CapabilityName::Db if args.db_ro => "db-ro".to_string(),
            cap => cap.name().to_string(),
        })
        .collect()
}

/// `HOST_DIR` or `HOST_DIR::GUEST`.
fn preopen(spec: &str, read_only: bool) -> Preopen {
    let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
    Preopen {
        host: host.into(),
        guest: guest.to_string(),
        read_only,
    }
}

/// A refused system call in the terms of this command's flags.
fn explain_denial(args: &RunArgs, denial: &Denial) -> String {
    let why = match &denial.reason {
        DenialReason::Missing(capability) => {
            let name = capability.name();
            if args.deny.iter().any(|cap| cap.name() == name) {
                format!("`{name}` withheld with --deny")
            } else if *capability == Capability::Files && !args.sandbox {
                "no --dir granted".to_string()
            } else if args.sandbox {
                format!("`{name}` is not granted under --sandbox; --allow {name} grants it")
            } else {
                format!("`{name}` is not granted")
            }
        }
        DenialReason::Escape(path) => format!("`{path}` is outside the --dir directories"),
        DenialReason::ReadOnly(path) => format!("`{path}` is in a --dir-ro directory"),
    };
    format!("denied: {} ({why})", denial.call.name())
}

/// The wall-clock limit of `dotvm run` without `--timeout` (none under `--step`, where a
/// person sets the pace). The other defaults are [`Limits::default`]: 1 Mi stack slots,
/// call depth 10 000, 256 MiB of memory, no instruction limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The limits the flags ask for, defaults elsewhere.
pub fn limits_from(args: &RunArgs) -> Limits {
    let defaults = Limits::default();
    let time = match args.timeout {
        Some(Timeout::Unlimited) => None,
        Some(Timeout::After(limit)) => Some(limit),
        None if args.step => None,
        None => Some(DEFAULT_TIMEOUT),
    };
    Limits {
        stack_slots: args.stack_size.unwrap_or(defaults.stack_slots),
        call_depth: args.call_depth.unwrap_or(defaults.call_depth),
        memory_bytes: args.memory_limit.unwrap_or(defaults.memory_bytes),
        instructions: args.max_instructions.unwrap_or(defaults.instructions),
        time,
        interrupt: None,
    }
}

/// The `--verbose` statistics block.
fn verbose_report(
    args: &RunArgs,
    kind: InputKind,
    module: &dotvm_core::Module,
    load_time: Duration,
    run_time: Duration,
    executed: Option<u64>,
    outcome: Option<&Outcome>,
) -> String {
    let code_bytes: usize = module.functions.iter().map(|f| f.code.len()).sum();
    let mut lines = vec![
        "--- dotvm statistics ---".to_string(),
        format!(
            "input            {} ({}{})",
            args.file.display(),
            kind.describe(),
            match kind {
                InputKind::Bytecode => "",
                InputKind::Assembly => ", assembled in memory",
                _ => ", transpiled in memory",
            }
        ),
        format!(
            "load time        {:.3} ms (read, build, decode, verify)",
            load_time.as_secs_f64() * 1e3
        ),
        format!(
            "architecture     {} ({}-bit words)",
            module.arch,
            module.arch.word_bits()
        ),
        format!(
            "sections         {} functions ({code_bytes} code bytes), {} constants, {} globals, \
             {} data segments, {} exports, debug info {}",
            module.functions.len(),
            module.constants.len(),
            module.globals.len(),
            module.memory.segments.len(),
            module.exports.len(),
            if module.debug.is_some() { "yes" } else { "no" }
        ),
        format!("run time         {:.3} ms", run_time.as_secs_f64() * 1e3),
    ];
    if let Some(executed) = executed {
        let per_second = executed as f64 / run_time.as_secs_f64().max(1e-9);
        lines.push(format!("instructions     {executed}"));
        lines.push(format!(
            "speed            {:.1} million instructions/s",
            per_second / 1e6
        ));
    }
    if let Some(outcome) = outcome {
        lines.push(format!("peak memory      {} bytes", outcome.peak_memory));
        lines.push(format!("exit code        {}", outcome.exit_code));
    }
    lines.join("\n")
}
