//! Names and source positions of bytecode locations, from a module's debug section: the
//! demangled function names and the source map (see `dotvm_core::source_map`). Used by
//! trap backtraces, the debugger and the profiler.

use dotvm_core::Module;
use dotvm_core::source_map::{SourceEntry, SourceLoc, SourceMap};
use dotvm_vm::Trap;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// One frame as a person reads it: a function and, when known, where in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The function's (demangled) name, or `func[N]`.
    pub function: String,
    /// Bytecode function index.
    pub func: u32,
    /// Bytecode pc.
    pub pc: u32,
    /// `file:line:column` (file relative to the working directory when under it).
    pub source: Option<String>,
    /// True for a call the compiler inlined into `func`.
    pub inlined: bool,
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, self.inlined) {
            (Some(source), true) => write!(f, "{} at {source} (inlined)", self.function),
            (Some(source), false) => write!(
                f,
                "{} at {source} (func {} pc {})",
                self.function, self.func, self.pc
            ),
            (None, _) => write!(f, "{} (func {} pc {})", self.function, self.func, self.pc),
        }
    }
}

/// Looks up names and source positions in one module.
pub struct Symbols<'m> {
    module: &'m Module,
    map: Option<Cow<'m, SourceMap>>,
    cwd: Option<PathBuf>,
}

impl<'m> Symbols<'m> {
    /// The symbols of `module`. Without a source map, the plain line table (of assembled
    /// programs: function, pc, line in the recorded source file) serves as one.
    pub fn new(module: &'m Module) -> Symbols<'m> {
        let map = module.debug.as_ref().and_then(|d| {
            if !d.source_map.is_empty() {
                Some(Cow::Borrowed(&d.source_map))
            } else if !d.lines.is_empty() {
                let mut lines = d.lines.clone();
                lines.sort();
                lines.dedup_by_key(|l| (l.func, l.pc));
                Some(Cow::Owned(SourceMap {
                    files: vec![d.source.clone().unwrap_or_else(|| "?".to_string())],
                    names: Vec::new(),
                    entries: lines
                        .iter()
                        .map(|l| SourceEntry {
                            func: l.func,
                            pc: l.pc,
                            loc: SourceLoc {
                                file: 0,
                                line: l.line,
                                column: 0,
                            },
                            inlined: Vec::new(),
                        })
                        .collect(),
                }))
            } else {
                None
            }
        });
        Symbols {
            module,
            map,
            cwd: std::env::current_dir().ok(),
        }
    }

    /// The symbols of `module` with an already built source map (see
    /// [`Symbols::source_map`]), so that a long-lived tool builds it once.
    pub fn with_map(module: &'m Module, map: Option<&'m SourceMap>) -> Symbols<'m> {
        Symbols {
            module,
            map: map.map(Cow::Borrowed),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// The module.
    pub fn module(&self) -> &'m Module {
        self.module
    }

    /// The source map (or the line table in its form), when the module has one.
    pub fn source_map(&self) -> Option<&SourceMap> {
        self.map.as_deref()
    }

    /// The name of function `func`: from the debug section or exports, else `func[N]`.
    pub fn name(&self, func: u32) -> String {
        match self.module.function_name(func) {
            Some(name) => name.to_string(),
            None => format!("func[{func}]"),
        }
    }

    /// `file:line:column` of a source position (the column left out when unknown).
    pub fn describe(&self, loc: SourceLoc) -> String {
        let file = self.source_map().map_or("?", |m| m.file(loc));
        let file = self.display_path(file);
        match loc.column {
            0 => format!("{file}:{}", loc.line),
            column => format!("{file}:{}:{column}", loc.line),
        }
    }

    /// `file:line` of a source position.
    pub fn describe_line(&self, loc: SourceLoc) -> String {
        self.describe(SourceLoc { column: 0, ..loc })
    }

    /// A path relative to the working directory when it lies under it.
    pub fn display_path(&self, file: &str) -> String {
        match &self.cwd {
            Some(cwd) => match Path::new(file).strip_prefix(cwd) {
                Ok(relative) => relative.display().to_string(),
                Err(_) => file.to_string(),
            },
            None => file.to_string(),
        }
    }

    /// The innermost source position of `pc` in `func`, if known.
    pub fn location(&self, func: u32, pc: u32) -> Option<SourceLoc> {
        let map = self.source_map()?;
        map.frames(func, pc).first().map(|f| f.loc)
    }

    /// The frames at `pc` of `func`: the calls inlined there (innermost first), then the
    /// function itself.
    pub fn frames(&self, func: u32, pc: u32) -> Vec<Frame> {
        let source = self
            .source_map()
            .map(|m| m.frames(func, pc))
            .unwrap_or_default();
        if source.is_empty() {
            return vec![Frame {
                function: self.name(func),
                func,
                pc,
                source: None,
                inlined: false,
            }];
        }
        source
            .into_iter()
            .map(|frame| Frame {
                function: frame
                    .inlined
                    .map_or_else(|| self.name(func), str::to_string),
                func,
                pc,
                source: Some(self.describe(frame.loc)),
                inlined: frame.inlined.is_some(),
            })
            .collect()
    }

    /// The full backtrace of a trap, innermost frame first.
    pub fn backtrace(&self, trap: &Trap) -> Vec<Frame> {
        std::iter::once((trap.func, trap.pc))
            .chain(trap.callers.iter().map(|c| (c.func, c.pc)))
            .flat_map(|(func, pc)| self.frames(func, pc))
            .collect()
    }
}

/// True for frames of the Rust runtime and C library that a panic or abort passes
/// through: the standard library, compiler intrinsics and wasi-libc.
pub fn is_runtime_frame(frame: &Frame) -> bool {
    const PREFIXES: &[&str] = &[
        "std::",
        "core::",
        "alloc::",
        "panic_abort::",
        "__rust",
        "rust_",
        "<std::",
        "<core::",
        "<alloc::",
        "abort",
        "__wasi",
        "_start",
        "__main",
        "__dotvm_init",
    ];
    let in_runtime_source = frame
        .source
        .as_deref()
        .is_some_and(|s| s.starts_with("/rustc/") || s.contains("wasi-libc"));
    in_runtime_source || PREFIXES.iter().any(|p| frame.function.starts_with(p))
}

/// A trap with its backtrace, as printed by `dotvm run` and `dotvm debug`.
pub struct TrapReport {
    /// The trap.
    pub trap: Trap,
    /// Its frames, innermost first.
    pub frames: Vec<Frame>,
    /// The index in `frames` of the frame that panicked, for a Rust panic.
    pub panicked: Option<usize>,
}

impl TrapReport {
    /// The report of `trap` in the module `symbols` describes.
    pub fn new(trap: Trap, symbols: &Symbols<'_>) -> TrapReport {
        let frames = symbols.backtrace(&trap);
        let is_panic = frames.iter().any(|f| {
            f.function.starts_with("std::panicking::")
                || f.function.starts_with("core::panicking::")
                || f.function.starts_with("__rust_start_panic")
        });
        let panicked = is_panic
            .then(|| frames.iter().position(|f| !is_runtime_frame(f)))
            .flatten();
        TrapReport {
            trap,
            frames,
            panicked,
        }
    }
}

impl fmt::Display for TrapReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panicked.map(|i| &self.frames[i]) {
            Some(frame) => {
                let place = frame.source.as_deref().unwrap_or("an unknown line");
                writeln!(
                    f,
                    "error: panic in {} at {place} (trap: {})",
                    frame.function, self.trap
                )?;
            }
            None => writeln!(f, "error: trap: {}", self.trap)?,
        }
        // A lone frame without a source position says no more than the line above.
        if self.frames.len() == 1 && self.frames[0].source.is_none() {
            return Ok(());
        }
        writeln!(f, "backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            let mark = if Some(i) == self.panicked {
                "  <- panicked here"
            } else {
                ""
            };
            writeln!(f, "  #{i:<2} {frame}{mark}")?;
        }
        Ok(())
    }
}
