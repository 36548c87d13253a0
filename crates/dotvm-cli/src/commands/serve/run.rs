//! `POST /v1/dots/{id}/run`: one run of a deployed dot as one transaction on the shared
//! state, run again from the start after a serialization conflict, under the server's
//! limits, with no host files and no host environment.

use super::deploy::{self, Deployments};
use super::error::ApiError;
use super::metrics::{Metrics, RunResult};
use super::store::{ServerStore, store_failure};
use crate::embedded::run_transaction;
use dotvm_state::{Attempt, RetryPolicy, TransactionError, with_retries};
use dotvm_vm::{
    BufferIo, Capabilities, ClockSource, Host, Limits, RandomSource, RunError, TrapKind,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The body of a run request (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunRequest {
    /// Program arguments after the program name.
    #[serde(default)]
    pub(super) args: Vec<String>,
    /// Environment variables the program sees (the only ones).
    #[serde(default)]
    pub(super) env: BTreeMap<String, String>,
    /// The program's standard input.
    #[serde(default)]
    pub(super) stdin: String,
}

/// The answer to a run request.
#[derive(Debug, Serialize)]
pub(super) struct RunResponse {
    /// The exit code, or `null` when the program did not finish.
    pub(super) exit: Option<i32>,
    /// Standard output (invalid UTF-8 replaced).
    pub(super) stdout: String,
    /// Standard error (invalid UTF-8 replaced).
    pub(super) stderr: String,
    /// Fuel used by the attempt whose result stands.
    pub(super) instructions: u64,
    /// True when the run's writes were committed.
    pub(super) committed: bool,
    /// Attempts made (more than 1 after serialization conflicts).
    pub(super) attempts: u32,
    /// Why the program did not finish (trap, limit, timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
}

/// The server's per-run limits.
#[derive(Debug, Clone)]
pub(super) struct RunLimits {
    /// The engine modules run in: stack, call depth, memory, fuel and the wall-clock limit
    /// of one attempt.
    pub(super) engine: dotvm::Engine,
    /// Wall-clock limit of one attempt (`None`: none).
    pub(super) timeout: Option<Duration>,
}

impl RunLimits {
    /// `vm` for every run, and `timeout` for every attempt (the engine's own time limit:
    /// an interrupt flag checked at block boundaries).
    pub(super) fn new(vm: Limits, timeout: Option<Duration>) -> RunLimits {
        let mut config = dotvm::Config::default();
        config.limits(Limits {
            time: timeout,
            ..vm
        });
        RunLimits {
            engine: dotvm::Engine::new(&config),
            timeout,
        }
    }
}

/// Parses a run request body (empty: all defaults); 400 with serde's message otherwise.
pub(super) fn parse_request(body: &[u8]) -> Result<RunRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(RunRequest::default());
    }
    let malformed =
        |e: serde_json::Error| ApiError::bad_request(format!("malformed run request: {e}"));
    let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "malformed run request: expected a JSON object {\"args\":[],\"env\":{},\"stdin\":\"\"}",
        ));
    }
    serde_json::from_value(value).map_err(malformed)
}

/// Runs dot `id` for `request` (blocking).
pub(super) fn run(
    store: &ServerStore,
    deployments: &Deployments,
    limits: &RunLimits,
    metrics: &Metrics,
    id: &str,
    request: &RunRequest,
) -> Result<RunResponse, ApiError> {
    let started = Instant::now();
    let module = deployments.module(store, &limits.engine, id)?;
    let _in_flight = metrics.start_run();
    let policy = RetryPolicy::default();
    let outcome = store.with(|store| {
        with_retries(&policy, |number| {
            // Still deployed, as of this transaction?
            match deploy::info(store, id) {
                Ok(Some(_)) => {}
                Ok(None) => return Attempt::Done(Err(ApiError::unknown_dot(id))),
                Err(error) => {
                    store.abort();
                    return if store.retryable() && number < policy.max_attempts {
                        Attempt::Conflict(Err(error))
                    } else {
                        Attempt::Done(Err(error))
                    };
                }
            }
            let result = match attempt(&module, id, request, store.as_state()) {
                Ok(result) => result,
                Err(error) => return Attempt::Done(Err(error)),
            };
            let conflicted = store.retryable();
            if conflicted && number < policy.max_attempts {
                Attempt::Conflict(Ok((result, true)))
            } else {
                Attempt::Done(Ok((result, conflicted)))
            }
        })
    })?;
    let (result, attempts) = outcome;
    let ((result, io), conflicted) = result?;
    let response = respond(result, io, attempts, conflicted, limits);
    let (kind, instructions) = match &response {
        Ok(response) if response.committed => (RunResult::Committed, response.instructions),
        Ok(response) if response.exit.is_some() => (RunResult::Exited, response.instructions),
        Ok(response) => (RunResult::Trapped, response.instructions),
        Err(_) if conflicted => (RunResult::Conflict, 0),
        Err(_) => (RunResult::Error, 0),
    };
    metrics.run(kind, attempts, instructions, started.elapsed());
    response
}

/// One attempt's result and output.
type AttemptResult = (Result<dotvm_vm::Outcome, TransactionError>, BufferIo);

/// Runs one attempt in the store's open transaction.
fn attempt(
    module: &dotvm::Module,
    id: &str,
    request: &RunRequest,
    store: &mut dyn dotvm_vm::StateStore,
) -> Result<AttemptResult, ApiError> {
    let mut argv = vec![id.to_string()];
    argv.extend(request.args.iter().cloned());
    let capabilities = Capabilities {
        stdin: true,
        stdout: true,
        stderr: true,
        exit: true,
        args: Some(argv),
        env: Some(request.env.clone().into_iter().collect()),
        clock: Some(ClockSource::Real),
        random: Some(RandomSource::Os),
        dirs: Vec::new(),
    };
    let mut io = BufferIo::with_input(request.stdin.as_bytes());
    let mut host = Host::new(capabilities).map_err(|e| ApiError::internal(e.to_string()))?;
    let result = run_transaction(module, &mut io, &mut host, store, None);
    Ok((result, io))
}

/// The answer for the attempt whose result stands.
fn respond(
    result: Result<dotvm_vm::Outcome, TransactionError>,
    io: BufferIo,
    attempts: u32,
    conflicted: bool,
    limits: &RunLimits,
) -> Result<RunResponse, ApiError> {
    let mut response = RunResponse {
        exit: None,
        stdout: String::from_utf8_lossy(&io.output).into_owned(),
        stderr: String::from_utf8_lossy(&io.errors).into_owned(),
        instructions: 0,
        committed: false,
        attempts,
        error: None,
    };
    match result {
        Ok(outcome) => {
            response.exit = Some(outcome.exit_code);
            response.instructions = outcome.instructions;
            response.committed = outcome.exit_code == 0;
        }
        Err(TransactionError::Run(RunError::Trap(_))) if conflicted => {
            return Err(conflict(attempts));
        }
        Err(TransactionError::Run(RunError::Trap(trap)))
            if matches!(trap.kind, TrapKind::State(_)) =>
        {
            // The store failed under the run (the program cannot cause this: its bad
            // arguments are statuses); nothing was committed.
            return Err(ApiError::unavailable(format!(
                "state store failed during the run, nothing was committed: {}",
                trap.kind
            )));
        }
        Err(TransactionError::Run(RunError::Trap(trap)))
            if matches!(trap.kind, TrapKind::TimeLimit { .. }) =>
        {
            response.instructions = trap.instructions;
            let limit = limits.timeout.unwrap_or_default().as_millis();
            response.error = Some(format!("wall-clock limit of {limit} ms exceeded"));
        }
        Err(TransactionError::Run(RunError::Trap(trap))) => {
            response.instructions = trap.instructions;
            response.error = Some(format!("trap: {trap}"));
        }
        Err(TransactionError::Run(RunError::Stopped(stopped))) => {
            response.instructions = stopped.instructions;
            response.error = Some(format!(
                "stopped after {} instructions",
                stopped.instructions
            ));
        }
        Err(TransactionError::Run(RunError::Load(error))) => {
            response.error = Some(format!("cannot load the module: {error}"));
        }
        Err(TransactionError::Commit(_)) if conflicted => return Err(conflict(attempts)),
        Err(TransactionError::Commit(error)) => return Err(store_failure(error)),
    }
    Ok(response)
}

/// 503 for a run still conflicting after its last attempt.
fn conflict(attempts: u32) -> ApiError {
    ApiError::unavailable(format!(
        "the run conflicted with concurrent runs in all {attempts} attempts; nothing was \
         committed, send it again"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_requests_parse_strictly() {
        assert!(parse_request(b"").unwrap().args.is_empty());
        let request = parse_request(br#"{"args":["a"],"env":{"K":"v"},"stdin":"x"}"#).unwrap();
        assert_eq!(request.args, ["a"]);
        assert_eq!(request.env["K"], "v");
        for bad in [&b"{"[..], b"[]", br#"{"argz":[]}"#, br#"{"args":"a"}"#] {
            let error = parse_request(bad).unwrap_err();
            assert_eq!(error.status.as_u16(), 400);
            assert!(
                error.message.starts_with("malformed run request"),
                "{}",
                error.message
            );
        }
    }
}
