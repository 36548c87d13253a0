//! Writes a [`Module`] as a bytecode file, in the one canonical encoding the reader accepts.

use super::linking;
use super::put::{put_bytes, put_len};
use super::section::SectionId;
use super::sections::{GLOBAL_MUTABLE, tag};
use super::{HEADER_LEN, MAGIC, SECTION_ENTRY_LEN, VERSION, flags};
use crate::instruction::Imm;
use crate::module::{Constant, DebugInfo, Memory, Module, Signature, SourceMap};

/// Encodes `module` as a DotVM bytecode file. Equal modules give equal bytes.
///
/// # Panics
///
/// If a section, a string, a byte constant, a data segment or the code of all functions
/// together is 4 GiB or larger: the format's lengths and offsets are 32-bit.
pub fn write_module(module: &Module) -> Vec<u8> {
    let sections = encode_sections(module);
    let table_len = 4 + sections.len() * SECTION_ENTRY_LEN;
    let body_len: usize = sections.iter().map(|(_, body)| body.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + table_len + body_len);

    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.push(module.arch.to_byte());
    let mut flag_bits = 0;
    if module.debug.is_some() {
        flag_bits |= flags::DEBUG;
    }
    if module.signature.is_some() {
        flag_bits |= flags::SIGNED;
    }
    out.push(flag_bits);
    out.extend_from_slice(&u64::from(module.entry).to_le_bytes());

    put_len(&mut out, sections.len());
    let mut offset = HEADER_LEN + table_len;
    for (id, body) in &sections {
        out.push(id.to_byte());
        out.extend_from_slice(&[0; 3]);
        put_len(&mut out, offset);
        put_len(&mut out, body.len());
        offset += body.len();
    }
    for (_, body) in &sections {
        out.extend_from_slice(body);
    }
    out
}

/// The body of every section the module needs, in id order. Optional sections that would
/// be empty are left out.
fn encode_sections(module: &Module) -> Vec<(SectionId, Vec<u8>)> {
    let mut sections = Vec::with_capacity(SectionId::ALL.len());
    let (functions, code) = encode_functions(module);
    sections.push((SectionId::Functions, functions));
    sections.push((SectionId::Code, code));
    if !module.constants.is_empty() {
        sections.push((SectionId::Constants, encode_constants(&module.constants)));
    }
    if !module.globals.is_empty() {
        let mut body = Vec::new();
        put_len(&mut body, module.globals.len());
        for global in &module.globals {
            body.push(if global.mutable { GLOBAL_MUTABLE } else { 0 });
            put_imm(&mut body, &global.init);
        }
        sections.push((SectionId::Globals, body));
    }
    if module.memory != Memory::default() {
        sections.push((SectionId::Memory, encode_memory(&module.memory)));
    }
    if !module.exports.is_empty() {
        let mut body = Vec::new();
        put_len(&mut body, module.exports.len());
        for export in &module.exports {
            put_bytes(&mut body, export.name.as_bytes());
            body.extend_from_slice(&export.func.to_le_bytes());
        }
        sections.push((SectionId::Exports, body));
    }
    if let Some(debug) = &module.debug {
        sections.push((SectionId::Debug, encode_debug(debug)));
    }
    if !module.types.is_empty() || module.functions.iter().any(|f| f.ty.is_some()) {
        sections.push((SectionId::Types, linking::encode_types(module)));
    }
    if !module.tables.is_empty() || !module.elements.is_empty() {
        sections.push((SectionId::Tables, linking::encode_tables(module)));
    }
    if !module.data.is_empty() {
        sections.push((SectionId::PassiveData, linking::encode_passive_data(module)));
    }
    if !module.imports.is_empty() {
        sections.push((SectionId::Imports, linking::encode_imports(module)));
    }
    if let Some(signature) = &module.signature {
        let mut body = Vec::with_capacity(Signature::BODY_LEN);
        body.push(Signature::ED25519);
        body.extend_from_slice(&signature.public_key);
        body.extend_from_slice(&signature.signature);
        sections.push((SectionId::Signature, body));
    }
    sections
}

/// The bytes a signature by `public_key` covers when `module` is signed: the encoding of
/// the signed module up to (not including) the signature section's body. They do not
/// depend on the signature itself, and they do not include the module's current
/// signature, if any (it is replaced).
pub fn signed_message(module: &Module, public_key: [u8; 32]) -> Vec<u8> {
    let signed = Module {
        signature: Some(Signature {
            public_key,
            signature: [0; 64],
        }),
        ..module.clone()
    };
    let mut bytes = write_module(&signed);
    bytes.truncate(bytes.len() - Signature::BODY_LEN);
    bytes
}

/// The functions section and the code section it points into.
fn encode_functions(module: &Module) -> (Vec<u8>, Vec<u8>) {
    let mut table = Vec::new();
    let mut code = Vec::new();
    put_len(&mut table, module.functions.len());
    for function in &module.functions {
        table.extend_from_slice(&function.params.to_le_bytes());
        table.extend_from_slice(&function.results.to_le_bytes());
        table.extend_from_slice(&function.locals.to_le_bytes());
        table.extend_from_slice(&function.max_stack.to_le_bytes());
        put_len(&mut table, code.len());
        put_len(&mut table, function.code.len());
        code.extend_from_slice(&function.code);
    }
    (table, code)
}

/// The constants section.
fn encode_constants(constants: &[Constant]) -> Vec<u8> {
    let mut body = Vec::new();
    put_len(&mut body, constants.len());
    for constant in constants {
        match constant {
            Constant::Int(value) => {
                body.push(tag::INT);
                put_imm(&mut body, value);
            }
            Constant::F32(bits) => {
                body.push(tag::F32);
                body.extend_from_slice(&bits.to_le_bytes());
            }
            Constant::F64(bits) => {
                body.push(tag::F64);
                body.extend_from_slice(&bits.to_le_bytes());
            }
            Constant::Str(text) => {
                body.push(tag::STR);
                put_bytes(&mut body, text.as_bytes());
            }
            Constant::Bytes(bytes) => {
                body.push(tag::BYTES);
                put_bytes(&mut body, bytes);
            }
        }
    }
    body
}

/// The memory section.
fn encode_memory(memory: &Memory) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&memory.initial_pages.to_le_bytes());
    match memory.max_pages {
        Some(max) => {
            body.push(1);
            body.extend_from_slice(&max.to_le_bytes());
        }
        None => body.push(0),
    }
    put_len(&mut body, memory.segments.len());
    for segment in &memory.segments {
        body.extend_from_slice(&segment.offset.to_le_bytes());
        put_bytes(&mut body, &segment.bytes);
    }
    body
}

/// The debug section.
fn encode_debug(debug: &DebugInfo) -> Vec<u8> {
    let mut body = Vec::new();
    match &debug.source {
        Some(source) => {
            body.push(1);
            put_bytes(&mut body, source.as_bytes());
        }
        None => body.push(0),
    }
    put_len(&mut body, debug.function_names.len());
    for name in &debug.function_names {
        put_bytes(&mut body, name.as_bytes());
    }
    put_len(&mut body, debug.lines.len());
    for entry in &debug.lines {
        body.extend_from_slice(&entry.func.to_le_bytes());
        body.extend_from_slice(&entry.pc.to_le_bytes());
        body.extend_from_slice(&entry.line.to_le_bytes());
    }
    if debug.source_map != SourceMap::default() {
        super::debug_map::encode(&debug.source_map, &mut body);
    }
    body
}

/// Appends a word immediate in minimal form: a length byte and the little-endian bytes up to
/// the last non-zero one (the encoding of a `PUSH` operand).
fn put_imm(out: &mut Vec<u8>, value: &Imm) {
    let bytes = value.to_le_bytes::<64>();
    let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    out.push(len as u8);
    out.extend_from_slice(&bytes[..len]);
}
