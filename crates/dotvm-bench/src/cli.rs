//! Command-line settings: which benchmarks to run, iterations and runs.

/// One benchmark the binary can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bench {
    /// The Arch64 counting loop next to the same loop in native Rust.
    Loop,
    /// The arithmetic loop on every architecture, as a table.
    Arch,
    /// The 256-bit arithmetic loop on Arch256 next to the same loop as EVM bytecode in revm.
    Revm,
}

impl Bench {
    /// Every benchmark, in the order `all` runs them.
    pub(crate) const ALL: [Bench; 3] = [Bench::Loop, Bench::Arch, Bench::Revm];

    /// The benchmark's command-line name.
    fn name(self) -> &'static str {
        match self {
            Bench::Loop => "loop",
            Bench::Arch => "arch",
            Bench::Revm => "revm",
        }
    }

    /// Iterations per run when `--iterations` is not given.
    pub(crate) fn default_iterations(self) -> u64 {
        match self {
            Bench::Loop => 100_000_000,
            Bench::Arch | Bench::Revm => 2_000_000,
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
}

impl Settings {
    /// Iterations per run for `bench`.
    pub(crate) fn iterations_for(&self, bench: Bench) -> u64 {
        self.iterations.unwrap_or(bench.default_iterations())
    }
}

/// The usage line printed with argument errors.
pub(crate) const USAGE: &str =
    "usage: dotvm-bench [loop|arch|revm|all]... [--iterations N] [--runs N]";

/// Parses `[loop|arch|revm|all]... [--iterations N] [--runs N]` (no benchmark name = all).
pub(crate) fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Settings, String> {
    let mut settings = Settings {
        benches: Vec::new(),
        iterations: None,
        runs: 5,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(flag) = arg.strip_prefix("--") {
            let value = args
                .next()
                .ok_or_else(|| format!("--{flag} needs a value"))?;
            let number = value
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("--{flag} `{value}`: expected a positive integer"))?;
            match flag {
                "iterations" => settings.iterations = Some(number),
                "runs" => {
                    settings.runs = usize::try_from(number)
                        .map_err(|_| format!("--runs `{value}`: too large"))?
                }
                _ => return Err(format!("unknown option `{arg}`")),
            }
            continue;
        }
        let chosen: &[Bench] = match arg.as_str() {
            "all" => &Bench::ALL,
            name => match Bench::ALL.iter().find(|b| b.name() == name) {
                Some(bench) => std::slice::from_ref(bench),
                None => return Err(format!("unknown benchmark `{name}`")),
            },
        };
        for &bench in chosen {
            if !settings.benches.contains(&bench) {
                settings.benches.push(bench);
            }
        }
    }
    if settings.benches.is_empty() {
        settings.benches = Bench::ALL.to_vec();
    }
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
    }

    #[test]
    fn names_and_options() {
        let settings = parse(&["revm", "--runs", "3", "arch", "revm", "--iterations", "7"]);
        let settings = settings.unwrap();
        assert_eq!(settings.benches, [Bench::Revm, Bench::Arch]);
        assert_eq!(settings.runs, 3);
        assert_eq!(settings.iterations_for(Bench::Arch), 7);
        assert_eq!(parse(&["all", "loop"]).unwrap().benches, Bench::ALL);
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
