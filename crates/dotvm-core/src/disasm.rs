//! The disassembler: renders a module as assembly text that assembles back to the
//! identical bytecode.

use crate::module::Module;

/// Renders `module` as `.dasm` text.
pub fn disassemble(module: &Module) -> String {
    let _ = module;
    unimplemented!("disassembler")
}
