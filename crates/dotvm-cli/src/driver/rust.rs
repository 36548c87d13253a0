//! Compiling Rust to WebAssembly: `rustc` for a single `.rs` file, `cargo build` for a
//! Cargo project, both for `wasm32-wasip1`.

use super::BuildOptions;
use super::target::{WASM_TARGET, ensure_target};
use anyhow::{Context, Result, anyhow, bail};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The code-generation flag that enables WebAssembly's 128-bit vectors (`--simd`).
const SIMD_FEATURE: &str = "target-feature=+simd128";

/// Compiles the Rust file `source` into `out_dir`; returns the `.wasm` path.
pub(super) fn compile_file(
    source: &Path,
    out_dir: &Path,
    options: &BuildOptions,
) -> Result<PathBuf> {
    // A missing file is named as such (the target check below runs in its directory, and
    // a missing directory would read as a missing toolchain).
    std::fs::File::open(source).with_context(|| format!("cannot read {}", source.display()))?;
    let dir = parent_dir(source);
    ensure_target(&dir)?;
    let stem = source
        .file_stem()
        .ok_or_else(|| anyhow!("{} has no file name", source.display()))?;
    let output = out_dir.join(stem).with_extension("wasm");
    let mut command = Command::new("rustc");
    command
        .args(["--edition", "2024", "--target", WASM_TARGET])
        .arg("-C")
        .arg(format!("opt-level={}", options.opt_level))
        .arg("-o")
        .arg(&output)
        .arg(source);
    if options.simd {
        command.args(["-C", SIMD_FEATURE]);
    }
    if options.debug {
        command.arg("-g");
    } else {
        // The standard library's DWARF is most of an unstripped module; the name section
        // stays.
        command.args(["-C", "strip=debuginfo"]);
    }
    if options.quiet {
        command.args(["-A", "warnings"]);
    } else if std::io::stderr().is_terminal() && !options.verbose {
        eprintln!(
            "dotvm: compiling {} with rustc for {WASM_TARGET}",
            source.display()
        );
    }
    run_compiler(command, options, "rustc")?;
    Ok(output)
}

/// Builds the binary of the Cargo project in `dir`; returns the `.wasm` path.
pub(super) fn compile_project(dir: &Path, options: &BuildOptions) -> Result<PathBuf> {
    ensure_target(dir)?;
    let manifest = dir.join("Cargo.toml");
    let mut command = Command::new("cargo");
    command
        .args(["build", "--release", "--target", WASM_TARGET])
        .args(["--message-format", "json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(&manifest)
        .env(
            "CARGO_PROFILE_RELEASE_OPT_LEVEL",
            options.opt_level.to_string(),
        )
        .stdout(Stdio::piped());
    if options.debug {
        command.env("CARGO_PROFILE_RELEASE_DEBUG", "true");
    }
    if options.simd {
        // For the wasm target only (build scripts and proc macros stay native).
        command.env(
            "CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS",
            format!("-C {SIMD_FEATURE}"),
        );
    }
    if let Some(target_dir) = &options.target_dir {
        command.arg("--target-dir").arg(target_dir);
    }
    // On a terminal cargo shows its own progress (it takes a while on a first build);
    // elsewhere it stays quiet unless asked, and always under --quiet.
    if options.quiet || (!options.verbose && !std::io::stderr().is_terminal()) {
        command.arg("--quiet");
    }
    let output = run_compiler(command, options, "cargo build")?;
    let messages = String::from_utf8_lossy(&output);
    let wasm = executables(&messages);
    match wasm.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("cargo built no binary for {}", manifest.display()),
        many => bail!(
            "{} builds {} binaries; DotVM runs one ({})",
            manifest.display(),
            many.len(),
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The executables named by cargo's JSON messages.
fn executables(messages: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .collect();
    found.dedup();
    found
}

/// Runs a compiler with its diagnostics on our stderr; returns its stdout.
fn run_compiler(mut command: Command, options: &BuildOptions, name: &str) -> Result<Vec<u8>> {
    if options.verbose {
        eprintln!("dotvm: running {command:?}");
    }
    command.stderr(Stdio::inherit());
    let output = command
        .output()
        .with_context(|| format!("cannot run {name} (is Rust installed?)"))?;
    if !output.status.success() {
        bail!("{name} failed ({})", output.status);
    }
    Ok(output.stdout)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_come_from_artifact_messages() {
        let messages = r#"{"reason":"compiler-artifact","executable":null,"target":{"name":"dep"}}
{"reason":"compiler-artifact","executable":"/t/wasm32-wasip1/release/app.wasm"}
{"reason":"build-finished","success":true}
not json"#;
        assert_eq!(
            executables(messages),
            vec![PathBuf::from("/t/wasm32-wasip1/release/app.wasm")]
        );
    }

    #[test]
    fn bare_file_names_live_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("a.rs")), PathBuf::from("."));
        assert_eq!(parent_dir(Path::new("x/a.rs")), PathBuf::from("x"));
    }
}
