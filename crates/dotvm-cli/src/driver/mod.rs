//! The transpiler driver: turns any input `dotvm` accepts into a module. Rust sources and
//! Cargo projects are compiled to WebAssembly (`wasm32-wasip1`), `.wat` text is parsed, and
//! WebAssembly is translated to DotVM bytecode; `.dotvm` bytecode and `.dasm` assembly are
//! read as they are.

mod rust;
pub mod target;
mod translate;

pub use translate::{module_and_variables_of, module_of, translate_wasm};

use anyhow::{Context, Result, anyhow, bail};
use dotvm_core::Arch;
use std::path::{Path, PathBuf};

/// What kind of program a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// DotVM bytecode (`.dotvm`, or any other extension).
    Bytecode,
    /// DotVM assembly (`.dasm`).
    Assembly,
    /// WebAssembly binary (`.wasm`).
    Wasm,
    /// WebAssembly text (`.wat`).
    Wat,
    /// A single Rust source file (`.rs`).
    RustFile,
    /// A directory with a `Cargo.toml`.
    CargoProject,
}

impl InputKind {
    /// The kind of `path`, by extension (directories must hold a `Cargo.toml`).
    pub fn of(path: &Path) -> Result<InputKind> {
        if path.is_dir() {
            if path.join("Cargo.toml").is_file() {
                return Ok(InputKind::CargoProject);
            }
            bail!(
                "{} is a directory without a Cargo.toml (expected a Cargo project)",
                path.display()
            );
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Ok(match extension {
            "dasm" => InputKind::Assembly,
            "wasm" => InputKind::Wasm,
            "wat" => InputKind::Wat,
            "rs" => InputKind::RustFile,
            _ => InputKind::Bytecode,
        })
    }

    /// True for inputs that go through WebAssembly.
    pub fn is_wasm_based(self) -> bool {
        matches!(
            self,
            InputKind::Wasm | InputKind::Wat | InputKind::RustFile | InputKind::CargoProject
        )
    }

    /// What the input is, for `--verbose`.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::Bytecode => "bytecode",
            InputKind::Assembly => "assembly",
            InputKind::Wasm => "WebAssembly",
            InputKind::Wat => "WebAssembly text",
            InputKind::RustFile => "Rust file",
            InputKind::CargoProject => "Cargo project",
        }
    }
}

/// How to build a WebAssembly-based input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// Target architecture of the DotVM module.
    pub arch: Arch,
    /// Optimisation level for rustc/cargo (0..=3).
    pub opt_level: u8,
    /// Keep function names (from the wasm name section) in the debug section.
    pub debug: bool,
    /// Say what runs.
    pub verbose: bool,
    /// No progress or notes while building (`--quiet`): only errors.
    pub quiet: bool,
    /// Keep the intermediate `.wasm` (and say where).
    pub keep_intermediate: bool,
    /// Where rustc/cargo build (default: a temporary directory for a file, the project's
    /// own `target/` for a Cargo project).
    pub target_dir: Option<PathBuf>,
    /// Assemble `.dasm` inputs with a line table (function, pc → line of the source), for
    /// the debugger and the profiler.
    pub line_table: bool,
    /// Build Rust with the `simd128` target feature.
    pub simd: bool,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            arch: Arch::Arch64,
            opt_level: 2,
            debug: false,
            verbose: false,
            quiet: false,
            keep_intermediate: false,
            target_dir: None,
            line_table: false,
            simd: false,
        }
    }
}

/// The WebAssembly binary of a WebAssembly-based input.
pub fn wasm_of(path: &Path, kind: InputKind, options: &BuildOptions) -> Result<Vec<u8>> {
    match kind {
        InputKind::Wasm => read(path),
        InputKind::Wat => {
            let text = read(path)?;
            wat::parse_bytes(&text)
                .map(|wasm| wasm.into_owned())
                .map_err(|e| anyhow!("{}: {e}", path.display()))
        }
        InputKind::RustFile => {
            let build = BuildDir::new(options)?;
            let wasm = rust::compile_file(path, build.path(), options)?;
            let bytes = read(&wasm)?;
            build.finish(options);
            Ok(bytes)
        }
        InputKind::CargoProject => {
            let wasm = rust::compile_project(path, options)?;
            if options.keep_intermediate {
                eprintln!("dotvm: intermediate WebAssembly kept at {}", wasm.display());
            }
            read(&wasm)
        }
        InputKind::Bytecode | InputKind::Assembly => {
            bail!("{} is not a WebAssembly-based input", path.display())
        }
    }
}

/// Reads a file, naming it on failure.
fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Where a single Rust file is compiled: `--target-dir`, or a temporary directory that is
/// removed afterwards unless `--keep-intermediate` is given.
enum BuildDir {
    Given(PathBuf),
    Temporary(tempfile::TempDir),
}

impl BuildDir {
    fn new(options: &BuildOptions) -> Result<BuildDir> {
        match &options.target_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create --target-dir {}", dir.display()))?;
                Ok(BuildDir::Given(dir.clone()))
            }
            None => Ok(BuildDir::Temporary(
                tempfile::Builder::new()
                    .prefix("dotvm-build-")
                    .tempdir()
                    .context("cannot create a temporary build directory")?,
            )),
        }
    }

    fn path(&self) -> &Path {
        match self {
            BuildDir::Given(dir) => dir,
            BuildDir::Temporary(dir) => dir.path(),
        }
    }

    /// Removes a temporary directory, or keeps it and says where it is.
    fn finish(self, options: &BuildOptions) {
        let kept = match self {
            BuildDir::Given(dir) => dir,
            BuildDir::Temporary(dir) if options.keep_intermediate => dir.keep(),
            BuildDir::Temporary(_) => return,
        };
        if options.keep_intermediate {
            eprintln!("dotvm: intermediate files kept in {}", kept.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_extension_and_cargo_manifests() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            InputKind::of(Path::new("a.rs")).unwrap(),
            InputKind::RustFile
        );
        assert_eq!(InputKind::of(Path::new("a.wat")).unwrap(), InputKind::Wat);
        assert_eq!(InputKind::of(Path::new("a.wasm")).unwrap(), InputKind::Wasm);
        assert_eq!(
            InputKind::of(Path::new("a.dasm")).unwrap(),
            InputKind::Assembly
        );
        assert_eq!(
            InputKind::of(Path::new("a.dotvm")).unwrap(),
            InputKind::Bytecode
        );
        assert!(InputKind::of(dir.path()).is_err());
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(InputKind::of(dir.path()).unwrap(), InputKind::CargoProject);
    }

    #[test]
    fn wat_text_becomes_wasm() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wat");
        std::fs::write(&path, "(module (func (export \"f\")))").unwrap();
        let wasm = wasm_of(&path, InputKind::Wat, &BuildOptions::default()).unwrap();
        assert_eq!(&wasm[..4], b"\0asm");
        std::fs::write(&path, "(module (func").unwrap();
        let error = wasm_of(&path, InputKind::Wat, &BuildOptions::default()).unwrap_err();
        assert!(error.to_string().contains("m.wat"), "{error}");
    }
}
