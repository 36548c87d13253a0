//! Fuzz target: arbitrary text through the assembler; whatever assembles must verify or be
//! rejected cleanly, and must survive a disassemble → assemble round trip unchanged.
#![no_main]

use dotvm_core::asm::{AsmOptions, assemble};
use dotvm_core::disasm::disassemble;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(module) = assemble(text, "fuzz.dasm", &AsmOptions::default()) {
        let _ = dotvm_core::verify::verify(&module);
        let again = assemble(&disassemble(&module), "round-trip.dasm", &AsmOptions::default())
            .expect("disassembly must assemble");
        assert_eq!(again, module, "disassembly did not round-trip");
    }
});
