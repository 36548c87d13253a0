//! `dotvm batch`: runs the jobs of a JSON-lines file over one state, in parallel, with the
//! result of running them one by one in file order (docs/parallel.md).

use crate::program::load_dotvm_module;
use crate::state::{Location, OpenStore};
use anyhow::{Result, anyhow, bail};
use clap::Args;
use dotvm_parallel::{BatchReport, Job, JobReport, Options, run_batch};
use dotvm_vm::{Limits, RunError, StateStore};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `dotvm batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The batch: one JSON object per line, `{"program": "path", "args": [...], "env":
    /// {"K": "V"}, "stdin": "text", "limits": {"max_instructions": N, "memory_limit": N}}`
    /// (all fields but `program` optional; paths relative to the batch file).
    #[arg(value_name = "BATCH.jsonl")]
    pub file: PathBuf,
    /// The state: a redb file, `:memory:`, or a PostgreSQL URL (default: $DOTVM_STATE, else
    /// dotvm/state.redb in the user's data directory).
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<String>,
    /// Worker threads (default: the number of cores); 1 runs the jobs serially.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// The batch seed: job I gets the virtual clock and random stream of `dotvm run
    /// --deterministic --seed S` with S derived from this seed and I.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Give jobs the real clock and the system's random source (results then equal a
    /// serial run only for jobs that do not depend on them).
    #[arg(long)]
    pub real_time: bool,
    /// Default instruction limit of each job.
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// Print a summary to stderr: jobs, re-executions, times, speed-up estimate.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Exit status a trapped job reports, as `dotvm run`.
const EXIT_TRAP: i32 = crate::EXIT_TRAP as i32;
/// Exit status of a job that could not start, as `dotvm run`.
const EXIT_INVALID: i32 = crate::EXIT_INVALID_INPUT as i32;

/// Reads the batch, runs it, prints one JSON line per job.
pub fn execute(args: &BatchArgs) -> Result<()> {
    let started = Instant::now();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?;
    let dir = args.file.parent().unwrap_or(Path::new("")).to_path_buf();
    let jobs = parse_batch(&text, &args.file, &dir, args.max_instructions)?;
    let threads = match args.jobs {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let location = Location::resolve(args.state.as_deref())?;
    let mut store = location.open()?;
    let store: &mut (dyn StateStore + Send) = match &mut store {
        OpenStore::File(store) => store.as_mut(),
        OpenStore::Memory(store) => store.as_mut(),
        OpenStore::Postgres(store) => store.as_mut(),
    };
    let options = Options {
        threads,
        seed: args.seed,
        real_time: args.real_time,
    };
    let report = run_batch(&jobs, store, &options).map_err(|e| anyhow!("{location}: {e}"))?;
    let mut out = std::io::stdout().lock();
    for (index, job) in report.jobs.iter().enumerate() {
        writeln!(out, "{}", job_line(index, job))?;
    }
    out.flush()?;
    if args.verbose {
        eprintln!(
            "{}",
            summary(&report, threads, started.elapsed().as_secs_f64())
        );
    }
    Ok(())
}

/// The output line of job `index`.
fn job_line(index: usize, job: &JobReport) -> String {
    let mut stderr = String::from_utf8_lossy(&job.stderr).into_owned();
    let exit = match &job.result {
        // Like a process, only the low 8 bits of the exit code reach the caller.
        Ok(outcome) => i32::from(outcome.exit_code as u8),
        Err(RunError::Trap(trap)) => {
            stderr.push_str(&format!("error: trap: {trap}\n"));
            EXIT_TRAP
        }
        Err(error) => {
            stderr.push_str(&format!("error: {error}\n"));
            EXIT_INVALID
        }
    };
    // The fields in the documented order (a JSON map would sort them).
    format!(
        "{{\"job\":{index},\"exit\":{exit},\"stdout\":{},\"stderr\":{},\"executions\":{}}}",
        Value::from(String::from_utf8_lossy(&job.stdout)),
        Value::from(stderr),
        job.executions
    )
}

/// The `--verbose` summary.
fn summary(report: &BatchReport, threads: usize, wall: f64) -> String {
    let jobs = report.jobs.len();
    let work: f64 = report.jobs.iter().map(|job| job.time.as_secs_f64()).sum();
    let executed = report.executed.as_secs_f64();
    let speedup = if executed > 0.0 { work / executed } else { 1.0 };
    format!(
        "jobs             {jobs}\nthreads          {threads}\nexecutions       {} ({} re-executions, {} cut short waiting for an earlier job)\nvalidations      {}\nexecution        {:.3} s\ncommit           {:.3} s\nwall time        {wall:.3} s\nspeed-up (est.)  {speedup:.2}x (time of the kept runs / execution time)",
        report.executions,
        report.executions.saturating_sub(jobs as u64),
        report.waits,
        report.validations,
        executed,
        report.committed.as_secs_f64(),
    )
}

/// Parses every line, loading each distinct program once; all problems are reported
/// together, with their line numbers, before anything runs.
fn parse_batch(
    text: &str,
    file: &Path,
    dir: &Path,
    max_instructions: Option<u64>,
) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    // Jobs carry their own limits (`Job::limits`), so the engine's are not used.
    let engine = dotvm::Engine::default();
    let mut programs: HashMap<PathBuf, Option<dotvm::Module>> = HashMap::new();
    for (number, line) in text.lines().enumerate().map(|(i, line)| (i + 1, line)) {
        if line.trim().is_empty() {
            continue;
        }
        let spec = match parse_line(line) {
            Ok(spec) => spec,
            Err(error) => {
                errors.push(format!("{}:{number}: {error}", file.display()));
                continue;
            }
        };
        let path = dir.join(&spec.program);
        let program = programs.entry(path.clone()).or_insert_with(|| {
            match load_dotvm_module(&engine, &path) {
                Ok(module) => Some(module),
                Err(error) => {
                    errors.push(format!("{}:{number}: {error:#}", file.display()));
                    None
                }
            }
        });
        let Some(program) = program else {
            continue;
        };
        let mut argv = vec![spec.program];
        argv.extend(spec.args);
        jobs.push(Job {
            program: program.clone(),
            argv,
            env: spec.env,
            stdin: spec.stdin.into_bytes(),
            limits: Limits {
                instructions: spec
                    .max_instructions
                    .or(max_instructions)
                    .unwrap_or(Limits::default().instructions),
                memory_bytes: spec.memory_limit.unwrap_or(Limits::default().memory_bytes),
                ..Limits::default()
            },
        });
    }
    if !errors.is_empty() {
        bail!(
            "{} bad line{} in the batch, nothing was run:\n{}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors.join("\n")
        );
    }
    Ok(jobs)
}

/// One line of the batch file.
#[derive(Debug, PartialEq, Eq)]
struct LineSpec {
    /// The program path, as written.
    program: String,
    /// The arguments after the program name.
    args: Vec<String>,
    /// The environment.
    env: Vec<(String, String)>,
    /// Standard input.
    stdin: String,
    /// `limits.max_instructions`.
    max_instructions: Option<u64>,
    /// `limits.memory_limit`.
    memory_limit: Option<u64>,
}

/// Parses one line: a JSON object with the fields of [`BatchArgs::file`] and no others.
fn parse_line(line: &str) -> Result<LineSpec, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut object) = value else {
        return Err("expected a JSON object".into());
    };
    let program = match object.remove("program") {
        Some(Value::String(program)) if !program.is_empty() => program,
        Some(_) => return Err("\"program\" must be a non-empty string".into()),
        None => return Err("missing \"program\"".into()),
    };
    let args = match object.remove("args") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(arg) => Ok(arg),
                _ => Err("\"args\" must be an array of strings".to_string()),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"args\" must be an array of strings".into()),
    };
    let env = match object.remove("env") {
        None => Vec::new(),
        Some(Value::Object(vars)) => vars
            .into_iter()
            .map(|(key, value)| match value {
                Value::String(value) if !key.is_empty() && !key.contains('=') => Ok((key, value)),
                _ => Err(format!(
                    "\"env\" must map names (without '=') to strings; bad entry {key:?}"
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"env\" must be an object of strings".into()),
    };
    let stdin = match object.remove("stdin") {
        None => String::new(),
        Some(Value::String(stdin)) => stdin,
        Some(_) => return Err("\"stdin\" must be a string".into()),
    };
    let (max_instructions, memory_limit) = match object.remove("limits") {
        None => (None, None),
        Some(Value::Object(limits)) => parse_limits(limits)?,
        Some(_) => return Err("\"limits\" must be an object".into()),
    };
    if let Some(field) = object.keys().next() {
        return Err(format!(
            "unknown field {field:?} (expected program, args, env, stdin, limits)"
        ));
    }
    Ok(LineSpec {
        program,
        args,
        env,
        stdin,
        max_instructions,
        memory_limit,
    })
}

/// Parses the `limits` object.
fn parse_limits(mut limits: Map<String, Value>) -> Result<(Option<u64>, Option<u64>), String> {
    let mut number = |name: &str| match limits.remove(name) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("\"limits.{name}\" must be a non-negative integer")),
    };
    let parsed = (number("max_instructions")?, number("memory_limit")?);
    if let Some(field) = limits.keys().next() {
        return Err(format!(
            "unknown field \"limits.{field}\" (expected max_instructions, memory_limit)"
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_defaults() {
        let spec = parse_line(r#"{"program": "p.dasm"}"#).unwrap();
        assert_eq!(spec.program, "p.dasm");
        assert!(spec.args.is_empty() && spec.env.is_empty() && spec.stdin.is_empty());
        let spec = parse_line(
            r#"{"program":"p","args":["a"],"env":{"K":"V"},"stdin":"x","limits":{"max_instructions":5}}"#,
        )
        .unwrap();
        assert_eq!(spec.args, ["a"]);
        assert_eq!(spec.env, [("K".to_string(), "V".to_string())]);
        assert_eq!(spec.max_instructions, Some(5));
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (line, wanted) in [
            ("{", "not JSON"),
            ("[1]", "expected a JSON object"),
            ("{}", "missing \"program\""),
            (r#"{"program": 3}"#, "non-empty string"),
            (r#"{"program": "p", "args": [1]}"#, "array of strings"),
            (r#"{"program": "p", "env": {"A": 1}}"#, "\"env\""),
            (r#"{"program": "p", "stdin": 1}"#, "\"stdin\""),
            (r#"{"program": "p", "limits": {"fuel": 1}}"#, "limits.fuel"),
            (r#"{"program": "p", "extra": 1}"#, "unknown field \"extra\""),
        ] {
            let error = parse_line(line).unwrap_err();
            assert!(error.contains(wanted), "{line}: {error}");
        }
    }
}
