//! The instruction-set reference `docs/isa.md`, rendered from the instruction table and the
//! system-call table.

use crate::isa::{Category, Opcode, StackEffect, effect_text};
use crate::simd_doc;
use crate::syscall::Syscall;

/// Renders the instruction table as the Markdown document kept in `docs/isa.md`.
pub fn markdown_reference() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# DotVM instruction set\n\n\
         Generated from the instruction table in `crates/dotvm-core/src/isa.rs`; a test fails \
         when this file is stale (regenerate with `DOTVM_BLESS=1 cargo test -p dotvm-core isa_doc`).\n\n\
         Stack effects list value types, the top of the stack last: `w w → w` pops two words and pushes one. `w` is a whole word; `i32`/`f32` take one slot; `i64`/`f64` take one slot, or two on Arch32; `v128` takes four slots on Arch32, two on Arch64 and one above (see `docs/architectures.md`). `dynamic` effects \
         depend on the operand and are explained in the description. Operand encodings are \
         described in `docs/bytecode-format.md`.\n\n\
         The word operations wrap modulo 2^bits of the architecture's word. The typed \
         operations (i32, i64, f32, f64, conversions, typed memory) have WebAssembly's \
         semantics and give the same result on every architecture; a float operation whose \
         result is NaN produces the canonical quiet NaN (`0x7FC0_0000`, \
         `0x7FF8_0000_0000_0000`), except ABS, NEG, COPYSIGN, loads, stores and \
         reinterpretations, which move bits unchanged.\n",
    );
    let mut current: Option<Category> = None;
    for op in Opcode::ALL {
        let info = op.info();
        if current != Some(info.category) {
            current = Some(info.category);
            let _ = write!(
                out,
                "\n## {}\n\n| opcode | mnemonic | operand | stack | description |\n|---|---|---|---|---|\n",
                info.category.name()
            );
        }
        let effect = match info.effect {
            StackEffect::Fixed { pops, pushes } => effect_text(pops, pushes),
            StackEffect::Dynamic => "dynamic".to_string(),
        };
        // The simd rows name their WebAssembly instruction; the text is derived from it.
        let description = match info.category {
            Category::Simd => simd_doc::describe(info.doc).unwrap_or_else(|| info.doc.to_string()),
            _ => info.doc.to_string(),
        };
        let _ = writeln!(
            out,
            "| `0x{:02X}` | `{}` | {} | {} | {} |",
            info.code,
            info.mnemonic,
            info.operand.name(),
            effect,
            description.replace('|', "\\|")
        );
    }
    out.push_str(
        "\n## System calls\n\nThe full table, with capabilities and errno values, is in `docs/syscalls.md`.\n\n| number | name | stack | description |\n|---|---|---|---|\n",
    );
    for &call in Syscall::ALL {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            call.number(),
            call.name(),
            effect_text(call.params(), call.results()),
            call.doc().replace('|', "\\|")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isa_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/isa.md");
        let expected = markdown_reference();
        if std::env::var_os("DOTVM_BLESS").is_some() {
            std::fs::write(path, &expected).expect("write docs/isa.md");
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/isa.md is stale: regenerate it with `DOTVM_BLESS=1 cargo test -p dotvm-core isa_doc`"
        );
    }
}
