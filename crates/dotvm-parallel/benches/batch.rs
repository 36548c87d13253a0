//! The ParaDots benchmark: 1,000 jobs with (a) no conflicts, (b) 10 % of the jobs touching
//! one hot key, (c) every job touching one key, on the serial runner and with Block-STM on
//! 1, 2 and 4 threads over an in-memory store, for two job sizes (~32,000 and ~300,000
//! instructions a job). Prints median times, speed-ups over the serial runner, CPU time per
//! round (Linux) and re-executions (`r`); for 2 threads also the commit time after the last
//! job and the number of validations; and, as the machine's ceiling for two threads, two
//! serial runners each running half of the batch over a store of its own (with its CPU
//! time: what two threads cost on this machine without any Block-STM work).
//!
//! `cargo bench -p dotvm-parallel` (optionally `-- JOBS WORK[,WORK...] ROUNDS [RUNNERS
//! [WORKLOADS]]`, where WORK is the number of mixing rounds of a job, 16 instructions each,
//! RUNNERS a comma-separated subset of `serial,1,2,4,halves` and WORKLOADS of `a,b,c`: only
//! those run, which is what profiling one runner needs).

use dotvm::{Engine, Module};
use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_parallel::{BatchReport, Job, Options, run_parallel, run_serial};
use dotvm_state::MemoryStore;
use dotvm_vm::Limits;
use std::time::{Duration, Instant};

/// Each job mixes a number `WORK` times (the argument-free part of a realistic job), then
/// adds the result's low byte to the u64 under the key it reads from standard input.
const PROGRAM: &str = r#"
.arch arch64
.pool coll str "bench"
.data key zero 32
.data val zero 8
.func main
    .local len
    .local i
    .local x
    PUSH key
    PUSH 32
    SYSCALL read_stdin
    LOCAL_SET len
    PUSH 88172645463325252
    LOCAL_SET x
mix:
    LOCAL_GET x
    LOCAL_GET x
    PUSH 13
    SHL
    XOR
    LOCAL_TEE x
    LOCAL_GET x
    PUSH 7
    SHR
    XOR
    LOCAL_TEE x
    LOCAL_GET x
    PUSH 17
    SHL
    XOR
    LOCAL_SET x
    LOCAL_GET i
    PUSH 1
    ADD
    LOCAL_TEE i
    PUSH WORK
    LT_U
    JNZ mix
    PUSH_CONST coll
    PUSH key
    LOCAL_GET len
    PUSH val
    PUSH 8
    DB_GET
    POP
    POP
    PUSH val
    PUSH val
    LOAD64_U
    LOCAL_GET x
    PUSH 255
    AND
    ADD
    STORE64
    PUSH_CONST coll
    PUSH key
    LOCAL_GET len
    PUSH val
    PUSH 8
    DB_PUT
    JNZ fail
    PUSH val
    LOAD64_U
    SYSCALL print_uint
    HALT
fail:
    PUSH 1
    SYSCALL exit
    UNREACHABLE
.end
"#;

/// The key job `i` of a workload touches.
type KeyOf = fn(usize) -> String;

/// The three workloads: name and the key of job `i`.
const WORKLOADS: [(&str, KeyOf); 3] = [
    ("(a) no conflicts", |i| format!("k{i}")),
    ("(b) 10% one hot key", |i| {
        if i % 10 == 0 {
            "hot".into()
        } else {
            format!("k{i}")
        }
    }),
    ("(c) all one key", |_| "hot".into()),
];

/// Mixing rounds of the two default job sizes: ~32,000 and ~300,000 instructions a job.
const DEFAULT_WORK: [usize; 2] = [2000, 18_750];

/// Argument `index` from the command line after `--`.
fn arg_text(index: usize) -> Option<String> {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(index + 1)
}

/// A number from the command line after `--`, or `default`.
fn arg(index: usize, default: usize) -> usize {
    arg_text(index)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of the whole process so far, in seconds, from
/// `/proc/self/stat` (10 ms resolution); `None` where that file does not exist.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Median of `rounds` runs of `run` on a fresh store, the CPU time per round (when known)
/// and the last report.
fn measure(
    rounds: usize,
    run: impl Fn(&mut MemoryStore) -> BatchReport,
) -> (Duration, Option<f64>, BatchReport) {
    let mut times = Vec::new();
    let mut last = None;
    let cpu_before = cpu_seconds();
    for _ in 0..rounds {
        let mut store = MemoryStore::in_memory();
        let started = Instant::now();
        let report = run(&mut store);
        times.push(started.elapsed());
        last = Some(report);
    }
    let cpu = cpu_before
        .zip(cpu_seconds())
        .map(|(a, b)| (b - a) / rounds as f64);
    times.sort();
    (
        times[times.len() / 2],
        cpu,
        last.expect("at least one round"),
    )
}

/// The wall time of the machine's ceiling for two threads: each thread runs half of `batch`
/// with the serial runner over a store of its own (no Block-STM, nothing shared), so the
/// speed-up of this over one serial run is the most two threads can give on this machine.
fn split_in_two(batch: &[Job], options: &Options) -> Duration {
    let (first, second) = batch.split_at(batch.len() / 2);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for half in [first, second] {
            scope.spawn(move || {
                let mut store = MemoryStore::in_memory();
                run_serial(half, &mut store, options).expect("serial half")
            });
        }
    });
    started.elapsed()
}

/// A CPU time for the table.
fn cpu_text(cpu: Option<f64>) -> String {
    cpu.map_or("?".into(), |cpu| format!("{:.0}", cpu * 1e3))
}

/// Which runners and workloads to run (all by default).
struct Selection {
    /// Runner names (`serial`, `1`, `2`, `4`, `halves`).
    runners: Option<Vec<String>>,
    /// Workload letters (`a`, `b`, `c`).
    workloads: Option<Vec<String>>,
}

impl Selection {
    /// From the fourth and fifth arguments.
    fn from_args() -> Selection {
        let list = |index| {
            arg_text(index).map(|text| text.split(',').map(str::to_owned).collect::<Vec<_>>())
        };
        Selection {
            runners: list(3),
            workloads: list(4),
        }
    }

    /// True when runner `name` runs.
    fn runs(&self, name: &str) -> bool {
        self.runners
            .as_ref()
            .is_none_or(|runners| runners.iter().any(|r| r == name))
    }

    /// True when the workload called `name` ("(a) ...") runs.
    fn has_workload(&self, name: &str) -> bool {
        self.workloads.as_ref().is_none_or(|letters| {
            letters.iter().any(|letter| {
                name.strip_prefix('(')
                    .is_some_and(|n| n.starts_with(letter.as_str()))
            })
        })
    }
}

fn main() {
    let jobs = arg(0, 1000);
    let works: Vec<usize> = arg_text(1)
        .map(|text| text.split(',').filter_map(|w| w.parse().ok()).collect())
        .filter(|works: &Vec<usize>| !works.is_empty())
        .unwrap_or(DEFAULT_WORK.to_vec());
    let rounds = arg(2, 5).max(1);
    let selection = Selection::from_args();
    for work in works {
        run_size(jobs, work, rounds, &selection);
    }
}

/// Runs the selected workloads with `jobs` jobs of `work` mixing rounds each.
fn run_size(jobs: usize, work: usize, rounds: usize, selection: &Selection) {
    let text = PROGRAM.replace("PUSH WORK", &format!("PUSH {work}"));
    let module = assemble(&text, "bench.dasm", &AsmOptions::default()).expect("assembles");
    let program = Module::from_module(&Engine::default(), module).expect("verifies");
    println!();
    println!(
        "{jobs} jobs of ~{} instructions each, median of {rounds} rounds, {} cores available",
        work * 16 + 40,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!(
        "{:<20} {:>15} | {:>26} | {:>26} | {:>26} | {:>8} {:>6} | {:>21}",
        "workload",
        "serial  cpu",
        "1 thread",
        "2 threads",
        "4 threads",
        "commit",
        "valid.",
        "2 serial halves"
    );
    println!(
        "(times are wall-clock medians; cpu: CPU ms per round, all threads; load: {})",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    for (name, key) in WORKLOADS {
        if !selection.has_workload(name) {
            continue;
        }
        let batch: Vec<Job> = (0..jobs)
            .map(|i| Job {
                program: program.clone(),
                argv: vec!["bench".into()],
                env: Vec::new(),
                stdin: key(i).into_bytes(),
                limits: Limits::default(),
            })
            .collect();
        let options = |threads| Options {
            threads,
            ..Options::default()
        };
        let serial = selection.runs("serial").then(|| {
            measure(rounds, |store| {
                run_serial(&batch, store, &options(1)).expect("serial batch")
            })
        });
        let serial_time = serial.as_ref().map(|(time, _, _)| *time);
        let speed_up = |time: Duration| {
            serial_time.map_or("?".into(), |serial| {
                format!("{:.2}x", serial.as_secs_f64() / time.as_secs_f64())
            })
        };
        let mut row = match &serial {
            Some((time, cpu, _)) => format!(
                "{name:<20} {:>7.1}ms {:>5}",
                time.as_secs_f64() * 1e3,
                cpu_text(*cpu)
            ),
            None => format!("{name:<20} {:>15}", "-"),
        };
        let mut split = format!(" | {:>8} {:>6}", "-", "-");
        for threads in [1, 2, 4] {
            if !selection.runs(&threads.to_string()) {
                row.push_str(&format!(" | {:>26}", "-"));
                continue;
            }
            let (time, cpu, report) = measure(rounds, |store| {
                run_parallel(&batch, store, &options(threads)).expect("parallel batch")
            });
            if threads == 2 {
                split = format!(
                    " | {:>6.2}ms {:>6}",
                    report.committed.as_secs_f64() * 1e3,
                    report.validations
                );
            }
            row.push_str(&format!(
                " | {:>6.1}ms {:>5} {:>6} {:>5}r",
                time.as_secs_f64() * 1e3,
                cpu_text(cpu),
                speed_up(time),
                report.executions - jobs as u64,
            ));
        }
        let halves = if selection.runs("halves") {
            let cpu_before = cpu_seconds();
            let mut halves: Vec<Duration> = (0..rounds)
                .map(|_| split_in_two(&batch, &options(1)))
                .collect();
            let halves_cpu = cpu_before
                .zip(cpu_seconds())
                .map(|(a, b)| (b - a) / rounds as f64);
            halves.sort();
            let halves = halves[halves.len() / 2];
            format!(
                " | {:>6.1}ms {:>5} {:>6}",
                halves.as_secs_f64() * 1e3,
                cpu_text(halves_cpu),
                speed_up(halves)
            )
        } else {
            format!(" | {:>21}", "-")
        };
        println!("{row}{split}{halves}");
    }
}
