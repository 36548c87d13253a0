//! DotVM core: architectures, the instruction table, modules, the bytecode file format,
//! the verifier, and the assembler/disassembler. Pure: no I/O beyond bytes and strings.

pub mod arch;
pub mod asm;
pub mod compare;
pub mod disasm;
pub mod format;
pub mod instruction;
pub mod isa;
pub mod isa_doc;
pub mod lanes;
pub mod module;
pub mod selector;
pub mod shape;
mod simd_doc;
pub mod source_map;
pub mod syscall;
pub mod verify;

pub use arch::Arch;
pub use instruction::{Imm, Instruction, Operand};
pub use isa::Opcode;
pub use lanes::LaneWidth;
pub use module::Module;
pub use selector::{Selector, SelectorFamily};
pub use verify::Verified;
