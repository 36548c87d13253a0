//! The sections that link functions to types, tables, segments and the host: `types`,
//! `tables`, `passive_data` and `imports` (readers and writers side by side, so the two
//! encodings cannot drift apart).

use super::cursor::Cursor;
use super::error::{Field, FormatError};
use super::put::{put_bytes, put_len};
use super::section::SectionId;
use super::sections::non_empty_count;
use crate::module::{ElemSegment, FuncType, Function, Import, Module, RefKind, SigType, Table};

/// A function without a type in the function-type list.
const NO_TYPE: u32 = u32::MAX;
/// Smallest encoded type: two empty lists.
const MIN_TYPE_LEN: usize = 8;
/// Smallest encoded table: kind, initial, has_max.
const MIN_TABLE_LEN: usize = 6;
/// Smallest encoded element segment: kind and an empty item list.
const MIN_ELEM_LEN: usize = 5;
/// Smallest encoded blob or string: its length.
const MIN_BLOB_LEN: usize = 4;
/// Smallest encoded import: two empty strings and a type.
const MIN_IMPORT_LEN: usize = 12;

/// The byte of a signature type (its position in [`SigType::ALL`]).
fn sig_byte(ty: SigType) -> u8 {
    SigType::ALL.iter().position(|&t| t == ty).unwrap_or(0) as u8
}

/// The byte of a reference kind.
fn kind_byte(kind: RefKind) -> u8 {
    match kind {
        RefKind::Func => 0,
        RefKind::Extern => 1,
    }
}

/// Reads a reference-kind byte.
fn read_kind(cur: &mut Cursor<'_>, field: Field) -> Result<RefKind, FormatError> {
    let at = cur.pos();
    match cur.u8(field)? {
        0 => Ok(RefKind::Func),
        1 => Ok(RefKind::Extern),
        other => Err(FormatError::new(
            at,
            field,
            format!("unknown reference kind 0x{other:02X} (expected 0x00 func or 0x01 extern)"),
        )),
    }
}

/// Reads a list of signature types.
fn read_sig_list(cur: &mut Cursor<'_>, field: Field) -> Result<Vec<SigType>, FormatError> {
    let count = cur.count(field.leaf("count"), 1)?;
    let mut list = Vec::with_capacity(count);
    for _ in 0..count {
        let at = cur.pos();
        let byte = cur.u8(field)?;
        let ty = SigType::ALL.get(usize::from(byte)).ok_or_else(|| {
            FormatError::new(
                at,
                field,
                format!("unknown value type 0x{byte:02X} (expected 0x00..0x06)"),
            )
        })?;
        list.push(*ty);
    }
    Ok(list)
}

/// The types section.
pub(super) fn encode_types(module: &Module) -> Vec<u8> {
    let mut body = Vec::new();
    put_len(&mut body, module.types.len());
    for ty in &module.types {
        for list in [&ty.params, &ty.results] {
            put_len(&mut body, list.len());
            body.extend(list.iter().map(|&t| sig_byte(t)));
        }
    }
    if module.functions.iter().any(|f| f.ty.is_some()) {
        put_len(&mut body, module.functions.len());
        for f in &module.functions {
            body.extend_from_slice(&f.ty.unwrap_or(NO_TYPE).to_le_bytes());
        }
    } else {
        put_len(&mut body, 0);
    }
    body
}

/// Reads the types section and sets each function's type.
pub(super) fn read_types(
    cur: &mut Cursor<'_>,
    functions: &mut [Function],
) -> Result<Vec<FuncType>, FormatError> {
    let count = cur.count(Field::new("types.count"), MIN_TYPE_LEN)?;
    let mut types = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("types", i);
        let params = read_sig_list(cur, f.leaf("params"))?;
        let results = read_sig_list(cur, f.leaf("results"))?;
        types.push(FuncType { params, results });
    }
    let at = cur.pos();
    let field = Field::new("types.function_types.count");
    let listed = cur.count(field, 4)?;
    if listed != 0 && listed != functions.len() {
        return Err(FormatError::new(
            at,
            field,
            format!(
                "{listed} function types listed for {} functions (expected 0 or one each)",
                functions.len()
            ),
        ));
    }
    for (i, function) in functions.iter_mut().enumerate().take(listed) {
        let ty = cur.u32(Field::item("types.function_types", i))?;
        function.ty = (ty != NO_TYPE).then_some(ty);
    }
    if listed != 0 && functions.iter().all(|f| f.ty.is_none()) {
        return Err(FormatError::new(
            at,
            field,
            "function types are listed but no function has one; the list must then be empty",
        ));
    }
    if types.is_empty() && listed == 0 {
        return Err(FormatError::new(
            at,
            Field::new("types"),
            "the `types` section lists nothing; an empty section must be omitted",
        ));
    }
    cur.finish(Field::new("types"))?;
    Ok(types)
}

/// The tables section: tables, then element segments.
pub(super) fn encode_tables(module: &Module) -> Vec<u8> {
    let mut body = Vec::new();
    put_len(&mut body, module.tables.len());
    for t in &module.tables {
        body.push(kind_byte(t.kind));
        body.extend_from_slice(&t.initial.to_le_bytes());
        match t.max {
            Some(max) => {
                body.push(1);
                body.extend_from_slice(&max.to_le_bytes());
            }
            None => body.push(0),
        }
    }
    put_len(&mut body, module.elements.len());
    for e in &module.elements {
        body.push(kind_byte(e.kind));
        put_len(&mut body, e.items.len());
        for item in &e.items {
            body.extend_from_slice(&item.to_le_bytes());
        }
    }
    body
}

/// Reads the tables section.
pub(super) fn read_tables(
    cur: &mut Cursor<'_>,
) -> Result<(Vec<Table>, Vec<ElemSegment>), FormatError> {
    let start = cur.pos();
    let count = cur.count(Field::new("tables.count"), MIN_TABLE_LEN)?;
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("tables", i);
        let kind = read_kind(cur, f.leaf("kind"))?;
        let initial = cur.u32(f.leaf("initial"))?;
        let max = if cur.flag(f.leaf("has_max"))? {
            Some(cur.u32(f.leaf("max"))?)
        } else {
            None
        };
        tables.push(Table { kind, initial, max });
    }
    let count = cur.count(Field::new("tables.elements.count"), MIN_ELEM_LEN)?;
    let mut elements = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("tables.elements", i);
        let kind = read_kind(cur, f.leaf("kind"))?;
        let n = cur.count(f.leaf("items.count"), 4)?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(cur.u32(f.leaf("items"))?);
        }
        elements.push(ElemSegment { kind, items });
    }
    if tables.is_empty() && elements.is_empty() {
        return Err(FormatError::new(
            start,
            Field::new("tables"),
            "the `tables` section lists nothing; an empty section must be omitted",
        ));
    }
    cur.finish(Field::new("tables"))?;
    Ok((tables, elements))
}

/// The passive data section.
pub(super) fn encode_passive_data(module: &Module) -> Vec<u8> {
    let mut body = Vec::new();
    put_len(&mut body, module.data.len());
    for segment in &module.data {
        put_bytes(&mut body, segment);
    }
    body
}

/// Reads the passive data section.
pub(super) fn read_passive_data(cur: &mut Cursor<'_>) -> Result<Vec<Vec<u8>>, FormatError> {
    let count = non_empty_count(cur, SectionId::PassiveData, MIN_BLOB_LEN)?;
    let mut data = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("passive_data", i);
        data.push(cur.blob(f.leaf("length"), f.leaf("bytes"))?.to_vec());
    }
    cur.finish(Field::new("passive_data"))?;
    Ok(data)
}

/// The imports section.
pub(super) fn encode_imports(module: &Module) -> Vec<u8> {
    let mut body = Vec::new();
    put_len(&mut body, module.imports.len());
    for import in &module.imports {
        put_bytes(&mut body, import.module.as_bytes());
        put_bytes(&mut body, import.name.as_bytes());
        body.extend_from_slice(&import.ty.to_le_bytes());
    }
    body
}

/// Reads the imports section.
pub(super) fn read_imports(cur: &mut Cursor<'_>) -> Result<Vec<Import>, FormatError> {
    let count = non_empty_count(cur, SectionId::Imports, MIN_IMPORT_LEN)?;
    let mut imports = Vec::with_capacity(count);
    for i in 0..count {
        let f = Field::item("imports", i);
        let module = cur.string(f.leaf("module.length"), f.leaf("module.utf8"))?;
        let name = cur.string(f.leaf("name.length"), f.leaf("name.utf8"))?;
        let ty = cur.u32(f.leaf("type"))?;
        imports.push(Import { module, name, ty });
    }
    cur.finish(Field::new("imports"))?;
    Ok(imports)
}
