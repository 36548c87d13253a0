//! Writes a [`Module`] as a bytecode file.

use crate::module::Module;

/// Encodes `module` as a DotVM bytecode file.
pub fn write_module(module: &Module) -> Vec<u8> {
    let _ = module;
    unimplemented!("format writer")
}
