//! Fuzz target: arbitrary bytes through the WebAssembly translator. Whatever translates must
//! be a verified module (the translator verifies its output) whose format and disassembly
//! round-trip, on the narrowest and the default architecture, unoptimized and optimized.
#![no_main]

use dotvm_core::Arch;
use dotvm_core::format::{read_module, write_module};
use dotvm_wasm::{TranslateOptions, translate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (arch, opt_level) in [(Arch::Arch32, 0), (Arch::Arch64, 3)] {
        let options = TranslateOptions {
            arch,
            opt_level,
            debug_names: true,
            entry_export: None,
        };
        if let Ok(module) = translate(data, &options) {
            dotvm_core::verify::verify(&module).expect("translated modules verify");
            assert_eq!(read_module(&write_module(&module)), Ok(module));
        }
    }
});
