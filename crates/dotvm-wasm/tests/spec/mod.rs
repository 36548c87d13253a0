//! The spec-suite driver: finds the `.wast` files, runs each in every configuration and
//! counts passes, failures and skips.

mod host;
mod script;
mod values;

use dotvm_core::Arch;
use script::Script;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective, WastExecute};

/// Failures printed per file and configuration unless `DOTVM_SPEC_VERBOSE` is set.
const FAILURES_SHOWN: usize = 3;

/// Pass, fail and skip counts.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Runs the whole suite; returns the process exit code.
/// The engine the run uses: `DOTVM_SPEC_ENGINE` (`interp`, the default, or `jit`).
pub(crate) fn engine() -> String {
    std::env::var("DOTVM_SPEC_ENGINE").unwrap_or_else(|_| "interp".into())
}

pub(crate) fn main() -> i32 {
    let Some(dir) = suite_dir() else {
        println!(
            "spec: the WebAssembly testsuite was not found (set DOTVM_WASM_TESTSUITE or put it \
             in ../shared/wasm-testsuite); nothing to run"
        );
        println!("spec: 0 passed, 0 failed, 0 skipped");
        return 0;
    };
    let skips = read_skips();
    let filter = std::env::var("DOTVM_SPEC_FILTER").unwrap_or_default();
    let verbose = std::env::var_os("DOTVM_SPEC_VERBOSE").is_some();
    let archs: Vec<Arch> = match std::env::var("DOTVM_SPEC_ARCHS") {
        Ok(list) => list
            .split(',')
            .filter_map(|a| a.trim().parse().ok())
            .collect(),
        Err(_) => Arch::ALL.to_vec(),
    };
    let levels: Vec<u8> = match std::env::var("DOTVM_SPEC_LEVELS") {
        Ok(list) => list
            .split(',')
            .filter_map(|l| l.trim().parse().ok())
            .collect(),
        Err(_) => vec![0, 1, 2, 3],
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wast"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.retain(|path| file_name(path).contains(&filter));
    // Work items are (file, architecture) pairs, biggest files first so that the long
    // `simd_*` files do not end the run on one thread.
    let mut work: Vec<(&Path, u64, Arch)> = files
        .iter()
        .map(|path| (path.as_path(), path.metadata().map_or(0, |m| m.len())))
        .flat_map(|(path, size)| archs.iter().map(move |&arch| (path, size, arch)))
        .collect();
    work.sort_by_key(|&(path, size, _)| (std::cmp::Reverse(size), path));
    let next = AtomicUsize::new(0);
    let totals: Mutex<HashMap<(Arch, u8), Tally>> = Mutex::new(HashMap::new());
    std::thread::scope(|scope| {
        for _ in 0..threads() {
            scope.spawn(|| {
                while let Some(&(path, _, arch)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let results = run_path(path, &skips, arch, &levels, verbose);
                    let mut totals = totals.lock().unwrap_or_else(|e| e.into_inner());
                    for (config, tally) in results {
                        totals.entry(config).or_default().add(tally);
                    }
                }
            });
        }
    });
    let totals = totals.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut total = Tally::default();
    for &arch in &archs {
        for &level in &levels {
            let t = totals.get(&(arch, level)).copied().unwrap_or_default();
            println!(
                "spec {arch} -O{level} {}: {} passed, {} failed, {} skipped",
                engine(),
                t.passed,
                t.failed,
                t.skipped
            );
            total.add(t);
        }
    }
    println!(
        "spec: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    i32::from(total.failed > 0)
}

/// Worker threads: `DOTVM_SPEC_THREADS`, or one per available core.
fn threads() -> usize {
    std::env::var("DOTVM_SPEC_THREADS")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// A path's file name, or "" when it has none.
fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// Reads one file and runs it on one architecture at every level.
fn run_path(
    path: &Path,
    skips: &[(String, String)],
    arch: Arch,
    levels: &[u8],
    verbose: bool,
) -> Vec<((Arch, u8), Tally)> {
    let name = file_name(path);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let skip = skip_reason(skips, name);
    let prefix = format!("{name}:");
    let skipped_lines: Vec<usize> = skips
        .iter()
        .filter_map(|(pattern, _)| pattern.strip_prefix(&prefix)?.parse().ok())
        .collect();
    let file = File {
        name,
        text: &text,
        skip: skip.as_deref(),
        skipped_lines: &skipped_lines,
    };
    run_file(&file, arch, levels, verbose)
}

/// Where the testsuite is.
fn suite_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOTVM_WASM_TESTSUITE") {
        return Some(PathBuf::from(dir)).filter(|d| d.is_dir());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    [
        root.join("../shared/wasm-testsuite"),
        root.join("../../shared/wasm-testsuite"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// `(pattern, reason)` pairs from `spec_skips.txt`: a file name, a prefix ending in `*`,
/// or `file.wast:LINE` for the one directive starting on that line.
fn read_skips() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_skips.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (pattern, reason) = l.split_once(char::is_whitespace)?;
            Some((pattern.to_string(), reason.trim().to_string()))
        })
        .collect()
}

/// Why `file` is skipped, if it is.
fn skip_reason(skips: &[(String, String)], file: &str) -> Option<String> {
    skips
        .iter()
        .find(|(pattern, _)| match pattern.strip_suffix('*') {
            Some(prefix) => file.starts_with(prefix),
            None => file == pattern,
        })
        .map(|(_, reason)| reason.clone())
}

/// A script file and what of it is skipped.
struct File<'f> {
    name: &'f str,
    text: &'f str,
    /// Why the whole file is skipped, if it is.
    skip: Option<&'f str>,
    /// 1-based lines of single directives that are skipped.
    skipped_lines: &'f [usize],
}

/// Runs one file on one architecture at every level.
fn run_file(file: &File<'_>, arch: Arch, levels: &[u8], verbose: bool) -> Vec<((Arch, u8), Tally)> {
    let (name, text, skip) = (file.name, file.text, file.skip);
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let configs = levels.iter().map(|&level| (arch, level));
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(e) => {
            println!("{name}: cannot lex: {e}");
            return Vec::new();
        }
    };
    let mut wast = match parser::parse::<Wast>(&buffer) {
        Ok(wast) => wast,
        Err(e) => {
            println!("{name}: cannot parse: {e}");
            return configs
                .map(|c| {
                    (
                        c,
                        Tally {
                            failed: 1,
                            ..Tally::default()
                        },
                    )
                })
                .collect();
        }
    };
    let count = wast.directives.len() as u64;
    if let Some(reason) = skip {
        println!("{name}: skipped ({reason})");
        return configs
            .map(|c| {
                (
                    c,
                    Tally {
                        skipped: count,
                        ..Tally::default()
                    },
                )
            })
            .collect();
    }
    let binaries: Vec<Option<Result<Vec<u8>, String>>> =
        wast.directives.iter_mut().map(encode_directive).collect();
    let mut results = Vec::new();
    for (arch, level) in configs {
        let mut script = Script::new(arch, level);
        let mut tally = Tally::default();
        let mut shown = 0;
        for (directive, binary) in wast.directives.iter().zip(&binaries) {
            let (line, _) = directive.span().linecol_in(text);
            let outcome = if file.skipped_lines.contains(&(line + 1)) {
                Outcome::Skip
            } else {
                script.run(directive, binary.as_ref())
            };
            match outcome {
                Outcome::Pass => tally.passed += 1,
                Outcome::Skip => tally.skipped += 1,
                Outcome::Fail(why) => {
                    tally.failed += 1;
                    if verbose || shown < FAILURES_SHOWN {
                        println!("{name}:{} [{arch} -O{level}]: {why}", line + 1);
                        shown += 1;
                    }
                }
            }
        }
        results.push(((arch, level), tally));
    }
    results
}

/// The binary of the module a directive carries, if any.
fn encode_directive(directive: &mut WastDirective<'_>) -> Option<Result<Vec<u8>, String>> {
    let encoded = match directive {
        WastDirective::Module(m)
        | WastDirective::ModuleDefinition(m)
        | WastDirective::AssertMalformed { module: m, .. }
        | WastDirective::AssertInvalid { module: m, .. } => m.encode(),
        WastDirective::AssertTrap {
            exec: WastExecute::Wat(w),
            ..
        }
        | WastDirective::AssertReturn {
            exec: WastExecute::Wat(w),
            ..
        }
        | WastDirective::AssertUnlinkable { module: w, .. } => w.encode(),
        _ => return None,
    };
    Some(encoded.map_err(|e| e.to_string()))
}

/// How one directive went.
enum Outcome {
    Pass,
    Fail(String),
    /// Listed in `spec_skips.txt`.
    Skip,
}
