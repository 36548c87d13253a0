//! Counters of a server, rendered for `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the run-latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// How a run request ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunResult {
    /// Exit code 0, writes committed.
    Committed,
    /// Another exit code, writes discarded.
    Exited,
    /// A trap, a limit or the wall-clock timeout.
    Trapped,
    /// Still conflicting after the last attempt.
    Conflict,
    /// The store failed (connection, commit).
    Error,
}

impl RunResult {
    const ALL: [RunResult; 5] = [
        RunResult::Committed,
        RunResult::Exited,
        RunResult::Trapped,
        RunResult::Conflict,
        RunResult::Error,
    ];

    fn label(self) -> &'static str {
        match self {
            RunResult::Committed => "committed",
            RunResult::Exited => "exited",
            RunResult::Trapped => "trapped",
            RunResult::Conflict => "conflict",
            RunResult::Error => "error",
        }
    }
}

/// The server's counters (all monotonic except `in_flight`).
#[derive(Debug, Default)]
pub(super) struct Metrics {
    runs: [AtomicU64; 5],
    retries: AtomicU64,
    instructions: AtomicU64,
    deploys: AtomicU64,
    busy: AtomicU64,
    in_flight: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_micros: AtomicU64,
}

impl Metrics {
    /// Records a finished run request.
    pub(super) fn run(
        &self,
        result: RunResult,
        attempts: u32,
        instructions: u64,
        latency: Duration,
    ) {
        let index = RunResult::ALL
            .iter()
            .position(|r| *r == result)
            .unwrap_or(0);
        self.runs[index].fetch_add(1, Ordering::Relaxed);
        self.retries
            .fetch_add(u64::from(attempts.saturating_sub(1)), Ordering::Relaxed);
        self.instructions.fetch_add(instructions, Ordering::Relaxed);
        let seconds = latency.as_secs_f64();
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_micros
            .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    }

    /// Records a deployment.
    pub(super) fn deployed(&self) {
        self.deploys.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a run request refused with 503 because the server was at its bound.
    pub(super) fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a run as started; the guard counts it as ended when dropped.
    pub(super) fn start_run(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// The Prometheus text exposition of every counter.
    pub(super) fn render(&self) -> String {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut out = String::new();
        let _ = writeln!(out, "# HELP dotvm_runs_total Run requests by result.");
        let _ = writeln!(out, "# TYPE dotvm_runs_total counter");
        let mut total = 0;
        for (result, counter) in RunResult::ALL.iter().zip(&self.runs) {
            total += get(counter);
            let _ = writeln!(
                out,
                "dotvm_runs_total{{result=\"{}\"}} {}",
                result.label(),
                get(counter)
            );
        }
        let simple = [
            (
                "dotvm_run_errors_total",
                "Run requests that did not commit (any result but committed or a non-zero exit).",
                "counter",
                get(&self.runs[2]) + get(&self.runs[3]) + get(&self.runs[4]),
            ),
            (
                "dotvm_run_retries_total",
                "Attempts run again after a serialization conflict.",
                "counter",
                get(&self.retries),
            ),
            (
                "dotvm_run_instructions_total",
                "Fuel used by all run attempts that finished.",
                "counter",
                get(&self.instructions),
            ),
            (
                "dotvm_deploys_total",
                "Modules deployed.",
                "counter",
                get(&self.deploys),
            ),
            (
                "dotvm_busy_total",
                "Run requests refused with 503 at the concurrency bound.",
                "counter",
                get(&self.busy),
            ),
            (
                "dotvm_runs_in_flight",
                "Runs executing now.",
                "gauge",
                get(&self.in_flight),
            ),
        ];
        for (name, help, kind, value) in simple {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP dotvm_run_duration_seconds Latency of run requests."
        );
        let _ = writeln!(out, "# TYPE dotvm_run_duration_seconds histogram");
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "dotvm_run_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                get(bucket)
            );
        }
        let _ = writeln!(
            out,
            "dotvm_run_duration_seconds_bucket{{le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(
            out,
            "dotvm_run_duration_seconds_sum {}",
            get(&self.latency_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "dotvm_run_duration_seconds_count {total}");
        out
    }
}

/// A run in flight; ends when dropped.
pub(super) struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_as_prometheus_text() {
        let metrics = Metrics::default();
        metrics.run(RunResult::Committed, 3, 100, Duration::from_millis(3));
        metrics.run(RunResult::Trapped, 1, 5, Duration::from_secs(2));
        metrics.deployed();
        let text = metrics.render();
        for line in [
            "dotvm_runs_total{result=\"committed\"} 1",
            "dotvm_runs_total{result=\"trapped\"} 1",
            "dotvm_run_errors_total 1",
            "dotvm_run_retries_total 2",
            "dotvm_run_instructions_total 105",
            "dotvm_deploys_total 1",
            "dotvm_run_duration_seconds_bucket{le=\"0.005\"} 1",
            "dotvm_run_duration_seconds_bucket{le=\"5\"} 2",
            "dotvm_run_duration_seconds_bucket{le=\"+Inf\"} 2",
            "dotvm_run_duration_seconds_count 2",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
