//! Module-level rules: entry point, exports, constant and global widths, memory layout and
//! debug information.

use super::error::{VerifyError, count, fits_word, grouped_hex, word_misfit};
use crate::arch::Arch;
use crate::module::{Constant, Module, PAGE_SIZE, RefKind};
use std::collections::HashSet;

/// Pages an Arch32 memory can hold (its 32-bit addresses reach 4 GiB).
const ARCH32_MAX_PAGES: u64 = (1 << 32) / PAGE_SIZE;

/// Checks every module-level rule.
pub(super) fn check(module: &Module) -> Result<(), VerifyError> {
    check_function_count(module)?;
    check_entry(module)?;
    check_exports(module)?;
    check_constants(module)?;
    check_globals(module)?;
    check_memory(module)?;
    check_references(module)?;
    check_debug(module)
}

/// Function types match their functions' frames, tables have consistent limits, element
/// items refer to existing functions (extern segments hold only nulls).
fn check_references(module: &Module) -> Result<(), VerifyError> {
    for (f, function) in module.functions.iter().enumerate() {
        let Some(ty) = function.ty else { continue };
        let Some(sig) = module.types.get(ty as usize) else {
            return Err(VerifyError::in_function(
                module,
                f as u32,
                None,
                format!(
                    "type {ty} does not exist ({})",
                    count(module.types.len() as u64, "type")
                ),
            ));
        };
        let (params, results) = (sig.param_slots(module.arch), sig.result_slots(module.arch));
        if params != u32::from(function.params) || results != u32::from(function.results) {
            return Err(VerifyError::in_function(
                module,
                f as u32,
                None,
                format!(
                    "type {ty} takes {params} and returns {results} slots, the function \
                     takes {} and returns {}",
                    function.params, function.results
                ),
            ));
        }
    }
    for (t, table) in module.tables.iter().enumerate() {
        if let Some(max) = table.max
            && max < table.initial
        {
            return Err(VerifyError::module(format!(
                "table {t}: max {max} is below initial {}",
                table.initial
            )));
        }
    }
    let functions = module.functions.len() as u64;
    for (e, segment) in module.elements.iter().enumerate() {
        let limit = match segment.kind {
            RefKind::Func => functions,
            RefKind::Extern => 0,
        };
        if let Some((i, item)) = segment
            .items
            .iter()
            .enumerate()
            .find(|(_, item)| u64::from(**item) > limit)
        {
            return Err(VerifyError::module(format!(
                "element segment {e} item {i}: reference {item} names no function ({})",
                count(functions, "function")
            )));
        }
    }
    Ok(())
}

/// Function indices are u32, so the table must be addressable by them.
fn check_function_count(module: &Module) -> Result<(), VerifyError> {
    if u32::try_from(module.functions.len()).is_err() {
        return Err(VerifyError::module(format!(
            "{} functions is more than u32 indices can address",
            module.functions.len()
        )));
    }
    Ok(())
}

/// The entry function exists, takes no parameters and returns at most one result.
fn check_entry(module: &Module) -> Result<(), VerifyError> {
    let entry = module.entry;
    let Some(function) = module.functions.get(entry as usize) else {
        return Err(VerifyError::module(format!(
            "entry function {entry} does not exist ({})",
            count(module.functions.len() as u64, "function")
        )));
    };
    if function.params != 0 {
        return Err(VerifyError::in_function(
            module,
            entry,
            None,
            format!(
                "the entry function takes {}; it must take none",
                count(function.params.into(), "parameter")
            ),
        ));
    }
    if function.results > 1 {
        return Err(VerifyError::in_function(
            module,
            entry,
            None,
            format!(
                "the entry function returns {}; it may return at most one (the exit code)",
                count(function.results.into(), "result")
            ),
        ));
    }
    Ok(())
}

/// Exports name existing functions with non-empty, unique names.
fn check_exports(module: &Module) -> Result<(), VerifyError> {
    let mut seen = HashSet::new();
    for (i, export) in module.exports.iter().enumerate() {
        if export.name.is_empty() {
            return Err(VerifyError::module(format!("export {i} has an empty name")));
        }
        if export.func as usize >= module.functions.len() {
            return Err(VerifyError::module(format!(
                "export {i} `{}` refers to function {}, which does not exist ({})",
                export.name,
                export.func,
                count(module.functions.len() as u64, "function")
            )));
        }
        if !seen.insert(export.name.as_str()) {
            return Err(VerifyError::module(format!(
                "export {i}: duplicate export name `{}`",
                export.name
            )));
        }
    }
    Ok(())
}

/// Integer constants fit the word.
fn check_constants(module: &Module) -> Result<(), VerifyError> {
    for (k, constant) in module.constants.iter().enumerate() {
        if let Constant::Int(value) = constant
            && !fits_word(value, module.arch)
        {
            return Err(VerifyError::module(format!(
                "constant {k}: integer {} {}",
                grouped_hex(value),
                word_misfit(module.arch)
            )));
        }
    }
    Ok(())
}

/// Global initial values fit the word.
fn check_globals(module: &Module) -> Result<(), VerifyError> {
    for (g, global) in module.globals.iter().enumerate() {
        if !fits_word(&global.init, module.arch) {
            return Err(VerifyError::module(format!(
                "global {g}: initial value {} {}",
                grouped_hex(&global.init),
                word_misfit(module.arch)
            )));
        }
    }
    Ok(())
}

/// Page limits are consistent; the read-only region and every data segment fit in initial
/// memory, segments at or above the end of the read-only region.
fn check_memory(module: &Module) -> Result<(), VerifyError> {
    let memory = &module.memory;
    let initial = u64::from(memory.initial_pages);
    if let Some(max) = memory.max_pages
        && max < memory.initial_pages
    {
        return Err(VerifyError::module(format!(
            "memory max_pages {max} is below initial_pages {initial}"
        )));
    }
    if module.arch == Arch::Arch32 {
        let widest = memory.max_pages.map_or(initial, u64::from);
        if widest > ARCH32_MAX_PAGES {
            return Err(VerifyError::module(format!(
                "memory of {} does not fit the 32-bit address space of arch32 \
                 (at most {ARCH32_MAX_PAGES} pages)",
                count(widest, "page")
            )));
        }
    }
    let size = initial * PAGE_SIZE;
    let ro_end = module
        .constants
        .iter()
        .filter_map(Constant::region_bytes)
        .fold(0u64, |sum, bytes| sum.saturating_add(bytes.len() as u64));
    if ro_end > size {
        return Err(VerifyError::module(format!(
            "the read-only region of {} (string and bytes constants) does not fit in \
             initial memory of {} ({})",
            count(ro_end, "byte"),
            count(size, "byte"),
            count(initial, "page")
        )));
    }
    for (i, segment) in memory.segments.iter().enumerate() {
        let start = segment.offset;
        let end = start.checked_add(segment.bytes.len() as u64);
        match end {
            Some(end) if end <= size => {}
            _ => {
                return Err(VerifyError::module(format!(
                    "data segment {i} ({} at offset {start}) lies outside initial memory \
                     of {}",
                    count(segment.bytes.len() as u64, "byte"),
                    count(size, "byte")
                )));
            }
        }
        if start < ro_end {
            return Err(VerifyError::module(format!(
                "data segment {i} at offset {start} overlaps the read-only region [0, {ro_end})"
            )));
        }
    }
    Ok(())
}

/// Debug names, line entries and source-map rows refer to existing functions.
fn check_debug(module: &Module) -> Result<(), VerifyError> {
    let Some(debug) = &module.debug else {
        return Ok(());
    };
    let functions = module.functions.len();
    if debug.function_names.len() > functions {
        return Err(VerifyError::module(format!(
            "debug info names {} but the module has {}",
            count(debug.function_names.len() as u64, "function"),
            count(functions as u64, "function")
        )));
    }
    if let Some((i, entry)) = debug
        .lines
        .iter()
        .enumerate()
        .find(|(_, e)| e.func as usize >= functions)
    {
        return Err(VerifyError::module(format!(
            "debug line entry {i} refers to function {}, which does not exist ({})",
            entry.func,
            count(functions as u64, "function")
        )));
    }
    if let Some((i, row)) = debug
        .source_map
        .entries
        .iter()
        .enumerate()
        .find(|(_, e)| e.func as usize >= functions)
    {
        return Err(VerifyError::module(format!(
            "source map row {i} refers to function {}, which does not exist ({})",
            row.func,
            count(functions as u64, "function")
        )));
    }
    Ok(())
}
