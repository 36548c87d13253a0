//! The text assembly language (`.dasm`): assembler. The language is described in
//! `docs/assembly.md`; [`crate::disasm`] writes it back.

mod ast;
mod build;
mod cursor;
mod directives;
pub(crate) mod lexer;
mod linking;
pub(crate) mod number;
mod parser;
mod source_map;
mod suggest;
mod vector;

use crate::arch::Arch;
use crate::module::Module;

/// Options for [`assemble`].
#[derive(Debug, Clone, Default)]
pub struct AsmOptions {
    /// Architecture to assemble for, overriding any `.arch` directive.
    pub arch: Option<Arch>,
    /// Record a pc-to-line table in the debug section.
    pub line_table: bool,
}

/// An assembly error at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct AsmError {
    /// Source file name as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// What is wrong.
    pub message: String,
}

/// Assembles `source` (named `file` in errors) into a module.
pub fn assemble(source: &str, file: &str, options: &AsmOptions) -> Result<Module, AsmError> {
    parser::parse(source, options.arch)
        .and_then(|program| build::build(&program, file, options.line_table))
        .map_err(|d| AsmError {
            file: file.to_string(),
            line: d.pos.line,
            col: d.pos.col,
            message: d.message,
        })
}
