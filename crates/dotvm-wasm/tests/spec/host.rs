//! The imports a spec script can use: the `spectest` host module and the immutable globals,
//! memories and tables of registered instances.

use dotvm_core::module::{RefKind, SigType};
use dotvm_wasm::{HostImport, ImportResolver};
use std::collections::HashMap;

/// Parameters of the `spectest` print functions.
const PRINTS: &[(&str, &[SigType])] = &[
    ("print", &[]),
    ("print_i32", &[SigType::I32]),
    ("print_i64", &[SigType::I64]),
    ("print_f32", &[SigType::F32]),
    ("print_f64", &[SigType::F64]),
    ("print_i32_f32", &[SigType::I32, SigType::F32]),
    ("print_f64_f64", &[SigType::F64, SigType::F64]),
];

/// Resolves imports for the next module of a script.
pub(super) struct Imports<'r> {
    /// Exports of registered instances: `(module, name)` → how to provide it.
    pub(super) registered: &'r HashMap<(String, String), HostImport>,
}

impl ImportResolver for Imports<'_> {
    fn resolve(&self, module: &str, name: &str) -> Option<HostImport> {
        if module == "spectest" {
            return spectest(name);
        }
        self.registered
            .get(&(module.to_string(), name.to_string()))
            .cloned()
    }
}

/// The `spectest` module's exports.
fn spectest(name: &str) -> Option<HostImport> {
    if let Some((_, params)) = PRINTS.iter().find(|(n, _)| *n == name) {
        return Some(HostImport::Discard { params });
    }
    Some(match name {
        "global_i32" => HostImport::Global {
            ty: SigType::I32,
            bits: 666,
        },
        "global_i64" => HostImport::Global {
            ty: SigType::I64,
            bits: 666,
        },
        "global_f32" => HostImport::Global {
            ty: SigType::F32,
            bits: u64::from(666.6f32.to_bits()),
        },
        "global_f64" => HostImport::Global {
            ty: SigType::F64,
            bits: 666.6f64.to_bits(),
        },
        "memory" => HostImport::Memory {
            initial: 1,
            max: Some(2),
        },
        "table" => HostImport::Table {
            kind: RefKind::Func,
            initial: 10,
            max: Some(20),
        },
        _ => return None,
    })
}
