//! Fuzz target: arbitrary bytes through the file reader and, when they parse, the verifier.
//!
//! Run from this directory with `cargo fuzz run read_and_verify` (`-s none` on stable).
//! Besides "never panics", it checks the format is canonical: bytes the reader accepts are
//! exactly what the writer produces for the module read.
#![no_main]

use dotvm_core::format::{read_module, write_module};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(module) = read_module(data) {
        assert_eq!(
            write_module(&module),
            data,
            "the reader accepted a non-canonical encoding"
        );
        // Verification may fail on arbitrary modules; it must only not panic.
        let _ = dotvm_core::verify::verify(&module);
    }
});
