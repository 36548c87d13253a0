//! The parallel runner gives exactly the result of running the jobs one by one with
//! `run_transaction` (as `dotvm run` does, each committing): same outputs, exit statuses and
//! final state, for random batches on 1, 2, 4 and 8 threads, and for conflict-heavy ones.

use dotvm::{Engine, Module};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_parallel::{FreshIds, Job, JobReport, Options, job_seed, run_parallel, run_serial};
use dotvm_state::{MemoryStore, run_transaction};
use dotvm_vm::state::{Entry, Query};
use dotvm_vm::{BufferIo, Capabilities, ClockSource, Host, Limits, RandomSource, StateStore};
use proptest::prelude::*;
use std::sync::LazyLock;

/// The script interpreter every job of these tests runs.
static PROGRAM: LazyLock<Module> = LazyLock::new(|| {
    let module = assemble(
        include_str!("script.dasm"),
        "script.dasm",
        &AsmOptions::default(),
    )
    .expect("script.dasm assembles");
    Module::from_module(&Engine::default(), module).expect("script.dasm verifies")
});

/// A job running `script`.
fn job(script: &[u8]) -> Job {
    Job {
        program: PROGRAM.clone(),
        argv: vec!["script.dasm".into()],
        env: Vec::new(),
        stdin: script.to_vec(),
        limits: Limits {
            instructions: 1_000_000,
            ..Limits::default()
        },
    }
}

/// A store holding keys `a` and `c` of collection `c`.
fn before() -> MemoryStore {
    let mut store = MemoryStore::in_memory();
    store.put(b"c", b"a", &7u64.to_le_bytes()).unwrap();
    store.put(b"c", b"c", &40u64.to_le_bytes()).unwrap();
    store.commit().unwrap();
    store
}

/// Everything in collection `c`.
fn contents(store: &mut MemoryStore) -> Vec<Entry> {
    store.query(b"c", &Query::default()).unwrap()
}

/// The reference: each job alone, committing when it succeeds, as `dotvm run` would.
fn reference(jobs: &[Job], seed: u64) -> (Vec<JobReport>, Vec<Entry>) {
    let mut store = before();
    let mut reports = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        let mut io = BufferIo::with_input(&job.stdin);
        let mut host = Host::new(Capabilities {
            args: Some(job.argv.clone()),
            env: Some(job.env.clone()),
            clock: Some(ClockSource::Virtual {
                start_nanos: dotvm_parallel::VIRTUAL_EPOCH_NANOS,
            }),
            random: Some(RandomSource::Seeded(job_seed(seed, index))),
            ..Capabilities::default()
        })
        .unwrap();
        let result = run_transaction(
            job.program.verified(),
            &job.limits,
            &mut io,
            &mut host,
            &mut FreshIds::new(&mut store),
            None,
        )
        .map_err(|error| match error {
            dotvm_state::TransactionError::Run(error) => error,
            other => panic!("{other}"),
        });
        reports.push(JobReport {
            result,
            stdout: io.output,
            stderr: io.errors,
            executions: 1,
            time: std::time::Duration::ZERO,
        });
    }
    let state = contents(&mut store);
    (reports, state)
}

/// Runs the batch on `threads` threads (0: the serial runner) and checks it against the
/// reference; returns the executions.
fn check(jobs: &[Job], threads: usize, seed: u64) -> u64 {
    let (want, want_state) = reference(jobs, seed);
    let mut store = before();
    let options = Options {
        threads,
        seed,
        real_time: false,
    };
    let report = if threads == 0 {
        run_serial(jobs, &mut store, &options)
    } else {
        run_parallel(jobs, &mut store, &options)
    }
    .unwrap();
    assert_eq!(report.jobs.len(), jobs.len());
    for (index, (got, want)) in report.jobs.iter().zip(&want).enumerate() {
        assert!(got.executions >= 1);
        assert_eq!(got.result, want.result, "job {index} on {threads} threads");
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "job {index} on {threads} threads"
        );
        assert_eq!(got.stderr, want.stderr, "job {index}");
    }
    assert_eq!(
        contents(&mut store),
        want_state,
        "final state on {threads} threads"
    );
    report.executions
}

/// One operation of a random script.
fn operation() -> impl Strategy<Value = [u8; 2]> {
    let op = prop_oneof![
        6 => Just(b'i'),
        3 => Just(b'g'),
        3 => Just(b'w'),
        2 => Just(b'd'),
        2 => Just(b'c'),
        2 => Just(b'q'),
        2 => Just(b's'),
        2 => Just(b'r'),
        1 => Just(b'l'),
        1 => Just(b'm'),
        1 => Just(b'x'),
        1 => Just(b't'),
    ];
    (op, prop::sample::select(b"abcde".to_vec())).prop_map(|(op, key)| [op, key])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_batches_equal_the_serial_result(
        scripts in prop::collection::vec(prop::collection::vec(operation(), 1..8), 1..40),
        seed in any::<u64>(),
    ) {
        let jobs: Vec<Job> = scripts.iter().map(|ops| job(&ops.concat())).collect();
        for threads in [0, 1, 2, 4, 8] {
            check(&jobs, threads, seed);
        }
    }
}

#[test]
fn two_hundred_increments_of_one_counter() {
    let jobs: Vec<Job> = (0..200).map(|_| job(b"ik")).collect();
    for threads in [1, 2, 4, 8] {
        check(&jobs, threads, 1);
    }
    let mut store = MemoryStore::in_memory();
    run_parallel(
        &jobs,
        &mut store,
        &Options {
            threads: 4,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(
        store.get(b"c", b"k").unwrap(),
        Some(&200u64.to_le_bytes()[..])
    );
}

#[test]
fn a_chain_where_each_job_reads_its_predecessors_write() {
    // Job i reads key i and writes key i + 1.
    let jobs: Vec<Job> = (0..150u8).map(|i| job(&[b'm', i])).collect();
    for threads in [1, 2, 4, 8] {
        check(&jobs, threads, 2);
    }
}

#[test]
fn failing_jobs_contribute_no_writes_and_phantoms_are_caught() {
    let mut scripts: Vec<&[u8]> = Vec::new();
    for _ in 0..20 {
        scripts.extend([&b"c_q_"[..], b"wbx_", b"wd", b"dd", b"wzt_", b"sxwyr_c_l_"]);
    }
    let jobs: Vec<Job> = scripts.iter().map(|script| job(script)).collect();
    for threads in [1, 2, 4, 8] {
        check(&jobs, threads, 3);
    }
}

#[test]
fn an_empty_batch_commits_nothing() {
    for threads in [0, 1, 4] {
        check(&[], threads, 0);
    }
}
