//! Command-line settings: which benchmarks, loops and architectures to run, iterations
//! and runs.

use crate::arith::Kernel;
use dotvm_core::Arch;

/// One benchmark the binary can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bench {
    /// The Arch64 counting loop next to the same loop in native Rust.
    Loop,
    /// The arithmetic loop on every architecture, as a table.
    Arch,
    /// The 256-bit arithmetic loop on Arch256 next to the same loop as EVM bytecode in revm.
    Revm,
    /// The word-lane dot product example on every architecture, per element.
    Lanes,
    /// The simd128 lane code, portable and x86-64 forms, per operation.
    V128,
}

impl Bench {
    /// Every benchmark, in the order `all` runs them.
    pub(crate) const ALL: [Bench; 5] = [
        Bench::Loop,
        Bench::Arch,
        Bench::Revm,
        Bench::Lanes,
        Bench::V128,
    ];

    /// The benchmark's command-line name.
    fn name(self) -> &'static str {
        match self {
            Bench::Loop => "loop",
            Bench::Arch => "arch",
            Bench::Revm => "revm",
            Bench::Lanes => "lanes",
            Bench::V128 => "v128",
        }
    }

    /// Iterations per run when `--iterations` is not given.
    pub(crate) fn default_iterations(self) -> u64 {
        match self {
            Bench::Loop => 100_000_000,
            Bench::Arch | Bench::Revm => 2_000_000,
            // Rounds of the 1024-element dot product (about 0.1 s on Arch32).
            Bench::Lanes => 20_000,
            // Passes over 4095 vector pairs (tens of milliseconds per form: the on-CPU clock
            // ticks in milliseconds).
            Bench::V128 => 10_000,
        }
    }
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Benchmarks to run, in order, without repeats.
    pub(crate) benches: Vec<Bench>,
    /// Loop iterations per run; `None` uses each benchmark's default.
    pub(crate) iterations: Option<u64>,
    /// Timed runs per measurement; the median is reported.
    pub(crate) runs: usize,
    /// Loops the `arch` and `revm` benchmarks run, in order, without repeats.
    pub(crate) kernels: Vec<Kernel>,
    /// Architectures the `arch` and `lanes` benchmarks run, narrowest first.
    pub(crate) archs: Vec<Arch>,
}

impl Settings {
    /// Iterations per run for `bench`.
    pub(crate) fn iterations_for(&self, bench: Bench) -> u64 {
        self.iterations.unwrap_or(bench.default_iterations())
    }
}

/// The usage line printed with argument errors.
pub(crate) const USAGE: &str = "usage: dotvm-bench [loop|arch|revm|lanes|v128|all]... [--iterations N] \
     [--runs N] [--kernel mulmod|muladd]... [--arch arch32|...|arch512]...";

/// Appends `item` unless it is already there.
fn add<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// A positive count for `--flag`.
fn positive(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("--{flag} `{value}`: expected a positive integer"))
}

/// Parses the command line (see [`USAGE`]). No benchmark name means all of them; no
/// `--kernel` means both loops; no `--arch` means every architecture.
pub(crate) fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Settings, String> {
    let mut settings = Settings {
        benches: Vec::new(),
        iterations: None,
        runs: 5,
        kernels: Vec::new(),
        archs: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            let chosen: &[Bench] = match arg.as_str() {
                "all" => &Bench::ALL,
                name => match Bench::ALL.iter().find(|b| b.name() == name) {
                    Some(bench) => std::slice::from_ref(bench),
                    None => return Err(format!("unknown benchmark `{name}`")),
                },
            };
            for &bench in chosen {
                add(&mut settings.benches, bench);
            }
            continue;
        };
        let value = args
            .next()
            .ok_or_else(|| format!("--{flag} needs a value"))?;
        match flag {
            "iterations" => settings.iterations = Some(positive(flag, &value)?),
            "runs" => {
                settings.runs = usize::try_from(positive(flag, &value)?)
                    .map_err(|_| format!("--runs `{value}`: too large"))?
            }
            "kernel" => {
                let kernel = Kernel::ALL
                    .into_iter()
                    .find(|k| k.name() == value)
                    .ok_or_else(|| format!("--kernel `{value}`: expected mulmod or muladd"))?;
                add(&mut settings.kernels, kernel);
            }
            "arch" => add(
                &mut settings.archs,
                value.parse::<Arch>().map_err(|e| e.to_string())?,
            ),
            _ => return Err(format!("unknown option `{arg}`")),
        }
    }
    if settings.benches.is_empty() {
        settings.benches = Bench::ALL.to_vec();
    }
    if settings.kernels.is_empty() {
        settings.kernels = Kernel::ALL.to_vec();
    }
    if settings.archs.is_empty() {
        settings.archs = Arch::ALL.to_vec();
    }
    settings.archs.sort();
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Settings, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_run_everything() {
        let settings = parse(&[]).unwrap();
        assert_eq!(settings.benches, Bench::ALL);
        assert_eq!(settings.iterations, None);
        assert_eq!(settings.runs, 5);
        assert_eq!(settings.iterations_for(Bench::Loop), 100_000_000);
        assert_eq!(settings.kernels, Kernel::ALL);
        assert_eq!(settings.archs, Arch::ALL);
    }

    #[test]
    fn names_and_options() {
        let settings = parse(&["revm", "--runs", "3", "arch", "revm", "--iterations", "7"]);
        let settings = settings.unwrap();
        assert_eq!(settings.benches, [Bench::Revm, Bench::Arch]);
        assert_eq!(settings.runs, 3);
        assert_eq!(settings.iterations_for(Bench::Arch), 7);
        assert_eq!(parse(&["all", "loop"]).unwrap().benches, Bench::ALL);
        assert_eq!(parse(&["v128"]).unwrap().benches, [Bench::V128]);
        let filtered = parse(&["--kernel", "muladd", "--arch", "512", "--arch", "arch32"]);
        let filtered = filtered.unwrap();
        assert_eq!(filtered.kernels, [Kernel::MulAdd]);
        assert_eq!(filtered.archs, [Arch::Arch32, Arch::Arch512]);
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert!(
            parse(&["evm"])
                .unwrap_err()
                .contains("unknown benchmark `evm`")
        );
        assert!(parse(&["--runs"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--runs", "0"]).unwrap_err().contains("positive"));
        assert!(parse(&["--runs", "x"]).unwrap_err().contains("positive"));
        assert!(
            parse(&["--fast", "1"])
                .unwrap_err()
                .contains("unknown option")
        );
    }
}
