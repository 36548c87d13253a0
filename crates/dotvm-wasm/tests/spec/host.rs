//! The `spectest` host module the spec scripts import from.

use dotvm_core::module::{RefKind, SigType};
use dotvm_wasm::HostImport;

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

/// The `spectest` module's export `name`, if it has one.
pub(super) fn spectest(name: &str) -> Option<HostImport> {
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
            bits: u128::from(666.6f32.to_bits()),
        },
        "global_f64" => HostImport::Global {
            ty: SigType::F64,
            bits: u128::from(666.6f64.to_bits()),
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
