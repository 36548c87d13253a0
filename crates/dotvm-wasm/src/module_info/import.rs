//! Matching a module's imports against what the resolver provides: types and limits as
//! the spec's import matching checks them, linked items placed in the base's index spaces.

use super::{
    FuncImport, GlobalDef, MemoryDef, ModuleInfo, TableDef, ref_kind, sig_type, slot_type,
    unsupported,
};
use crate::error::TranslateError;
use crate::imports::{HostImport, ImportResolver};
use dotvm_core::isa::ValType as SlotType;
use dotvm_core::module::SigType;
use wasmparser::{Parser, Payload, TypeRef};

/// Records one import, or notes it as missing.
pub(super) fn read_import(
    info: &mut ModuleInfo<'_>,
    resolver: &dyn ImportResolver,
    import: &wasmparser::Import<'_>,
    offset: u64,
    missing: &mut Vec<String>,
) -> Result<(), TranslateError> {
    let label = format!("{}.{}", import.module, import.name);
    let incompatible = |message: String| TranslateError::IncompatibleImport {
        import: label.clone(),
        message,
    };
    let provided = resolver.resolve(import.module, import.name);
    match (import.ty, provided) {
        (TypeRef::Func(ty) | TypeRef::FuncExact(ty), provided) => {
            let sig = info
                .types
                .get(ty as usize)
                .ok_or_else(|| unsupported(offset, "function imports of unknown type"))?;
            let same = |params: &[SigType], results: &[SigType]| {
                sig.params()
                    .iter()
                    .map(|&p| sig_type(p))
                    .eq(params.iter().copied())
                    && sig
                        .results()
                        .iter()
                        .map(|&r| sig_type(r))
                        .eq(results.iter().copied())
            };
            let how = match provided {
                None => {
                    missing.push(label);
                    FuncImport::Discard
                }
                Some(HostImport::Syscall(call)) => {
                    let params: Vec<SlotType> =
                        sig.params().iter().map(|&t| slot_type(t)).collect();
                    let results: Vec<SlotType> =
                        sig.results().iter().map(|&t| slot_type(t)).collect();
                    if params != call.params() || results != call.results() {
                        return Err(incompatible(format!(
                            "system call {} has another signature than {sig}",
                            call.name()
                        )));
                    }
                    FuncImport::Syscall(call)
                }
                Some(HostImport::Native(op)) => {
                    if !same(&op.params(), &op.results()) {
                        return Err(incompatible(format!(
                            "{} takes ({}) and returns ({}), not {sig}",
                            op.opcode.mnemonic(),
                            type_list(&op.params()),
                            type_list(&op.results())
                        )));
                    }
                    FuncImport::Native(op)
                }
                Some(HostImport::Function { params, results }) if same(&params, &results) => {
                    info.host_imports.push((
                        import.module.to_string(),
                        import.name.to_string(),
                        ty,
                    ));
                    FuncImport::Host(info.base.imports + info.host_imports.len() as u32 - 1)
                }
                Some(HostImport::LinkedFunction {
                    index,
                    params,
                    results,
                }) if same(&params, &results) => FuncImport::Linked(index),
                Some(HostImport::Discard { params }) if same(params, &[]) => FuncImport::Discard,
                Some(_) => return Err(incompatible(format!("not a function of type {sig}"))),
            };
            let linked = match how {
                FuncImport::Linked(index) => Some(index),
                _ => None,
            };
            info.add_func(ty, linked);
            info.imported_funcs.push(how);
        }
        (TypeRef::Global(ty), provided) => {
            let want = sig_type(ty.content_type);
            let (init, linked) = match provided {
                None => {
                    missing.push(label);
                    (0, None)
                }
                Some(HostImport::Global { ty: got, bits }) if got == want && !ty.mutable => {
                    (bits, None)
                }
                Some(HostImport::LinkedGlobal {
                    index,
                    ty: got,
                    mutable,
                    bits,
                }) if got == want && mutable == ty.mutable => (bits, Some(index)),
                Some(_) => {
                    let mutability = if ty.mutable { "mutable" } else { "immutable" };
                    return Err(incompatible(format!(
                        "not an {mutability} global of type {}",
                        ty.content_type
                    )));
                }
            };
            let def = GlobalDef {
                ty: ty.content_type,
                mutable: ty.mutable,
                init,
                linked: linked.is_some(),
            };
            info.add_global(def, linked);
            info.imported_globals += 1;
        }
        (TypeRef::Memory(ty), provided) => {
            let (initial, max, linked) = match provided {
                None => {
                    missing.push(label);
                    return Ok(());
                }
                Some(HostImport::Memory { initial, max }) => (initial, max, false),
                Some(HostImport::LinkedMemory { initial, max }) => (initial, max, true),
                Some(_) => return Err(incompatible("not a memory".into())),
            };
            if !limits_match(initial.into(), max.map(u64::from), ty.initial, ty.maximum) {
                return Err(incompatible("memory limits do not match".into()));
            }
            info.memory = Some(MemoryDef {
                initial,
                max,
                imported: true,
                linked,
            });
        }
        (TypeRef::Table(ty), provided) => {
            let (kind, initial, max, linked) = match provided {
                None => {
                    missing.push(label);
                    return Ok(());
                }
                Some(HostImport::Table { kind, initial, max }) => (kind, initial, max, None),
                Some(HostImport::LinkedTable {
                    index,
                    kind,
                    initial,
                    max,
                }) => (kind, initial, max, Some(index)),
                Some(_) => return Err(incompatible("not a table".into())),
            };
            if kind != ref_kind(ty.element_type)
                || !limits_match(initial.into(), max.map(u64::from), ty.initial, ty.maximum)
            {
                return Err(incompatible("table type or limits do not match".into()));
            }
            let def = TableDef {
                kind,
                initial,
                max,
                linked: linked.is_some(),
            };
            info.add_table(def, linked);
        }
        (TypeRef::Tag(_), _) => return Err(unsupported(offset, "tag imports")),
    }
    Ok(())
}

/// Wasm type names, comma-separated.
fn type_list(types: &[SigType]) -> String {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            SigType::I64 => "i64",
            _ => "i32",
        })
        .collect();
    names.join(", ")
}

/// Import matching of limits: the provided minimum covers the declared one, and when a
/// maximum is declared the provided maximum exists and is within it.
fn limits_match(initial: u64, max: Option<u64>, want_initial: u64, want_max: Option<u64>) -> bool {
    initial >= want_initial
        && match want_max {
            None => true,
            Some(want) => max.is_some_and(|m| m <= want),
        }
}

/// The `(module, name)` of every import of `wasm`, in order (the module is not validated
/// beyond its import section).
pub fn import_names(wasm: &[u8]) -> Result<Vec<(String, String)>, TranslateError> {
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(reader) = payload? {
            for import in reader.into_imports() {
                let import = import?;
                names.push((import.module.to_string(), import.name.to_string()));
            }
        }
    }
    Ok(names)
}
