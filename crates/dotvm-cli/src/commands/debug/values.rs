//! Values of source-level variables (see `dotvm_wasm::variables`): where a variable is in
//! a stopped frame (a local slot, a global, or memory at the frame base plus an offset)
//! and its bytes shown as its Rust type: integers, floats, `bool`, `char`, pointers and
//! references (with the value they point to when it is a base type), `&str`, arrays,
//! C-like enums, structs and tuples by their members; other types by their bytes.

use dotvm_core::Imm;
use dotvm_wasm::variables::{Encoding, Type, TypeKind, VarLocation, Variable, Variables};

/// Struct members and array elements are shown this many levels deep.
const MAX_DEPTH: usize = 3;

/// Array elements shown before `..`.
const MAX_ELEMENTS: u64 = 16;

/// Bytes of a type shown by its bytes, and of a `&str` shown as text.
const MAX_BYTES: usize = 64;

/// The state of one frame a variable is read from.
pub(super) struct FrameState<'a> {
    /// The DotVM function.
    pub(super) func: u32,
    /// The frame's local slots.
    pub(super) locals: &'a [Imm],
    /// The global slots.
    pub(super) globals: &'a [Imm],
    /// Linear memory.
    pub(super) memory: &'a [u8],
}

/// Low 64 bits of a slot.
fn low(value: Imm) -> u64 {
    value.as_limbs()[0]
}

/// The value of a slot or of two slots (low half first) as 8 little-endian bytes.
fn slot_bytes(slots: &[Imm], first: u32, wide: bool) -> Option<Vec<u8>> {
    let first = first as usize;
    let value = if wide {
        (low(*slots.get(first)?) & 0xFFFF_FFFF) | (low(*slots.get(first + 1)?) << 32)
    } else {
        low(*slots.get(first)?)
    };
    Some(value.to_le_bytes().to_vec())
}

/// The memory address of a variable kept in memory; `Ok(None)` for one kept in a slot.
pub(super) fn address(
    variables: &Variables,
    variable: &Variable,
    frame: &FrameState<'_>,
) -> Result<Option<u64>, String> {
    match &variable.location {
        VarLocation::FrameOffset(offset) => {
            let base = match variables.frame_base(frame.func) {
                Some(VarLocation::Local { slot, wide }) => slot_bytes(frame.locals, *slot, *wide),
                Some(VarLocation::Global { global, wide }) => {
                    slot_bytes(frame.globals, *global, *wide)
                }
                Some(VarLocation::Address(a)) => Some(a.to_le_bytes().to_vec()),
                _ => None,
            }
            .ok_or_else(|| format!("`{}`: the frame base cannot be read", variable.name))?;
            let base = u64::from_le_bytes(base[..8].try_into().unwrap_or([0; 8]));
            // Wasm32 addresses: the frame base is an i32.
            let base = base & 0xFFFF_FFFF;
            base.checked_add_signed(*offset)
                .map(Some)
                .ok_or_else(|| format!("`{}`: the address overflows", variable.name))
        }
        VarLocation::Address(a) => Ok(Some(*a)),
        VarLocation::Local { .. } | VarLocation::Global { .. } => Ok(None),
        VarLocation::Unsupported(why) => Err(format!(
            "`{}` cannot be read here: its location is {why}",
            variable.name
        )),
    }
}

/// `NAME = VALUE (TYPE)`, or why it cannot be shown.
pub(super) fn describe(
    variables: &Variables,
    variable: &Variable,
    frame: &FrameState<'_>,
) -> String {
    let ty = variable.ty.and_then(|t| variables.ty(t));
    let type_name = ty.map_or("?", |t| t.name.as_str());
    match value(variables, variable, ty, frame) {
        Ok(text) => format!("{} = {text} ({type_name})", variable.name),
        Err(message) => format!("{} = <{message}> ({type_name})", variable.name),
    }
}

/// The value of a variable as text.
fn value(
    variables: &Variables,
    variable: &Variable,
    ty: Option<&Type>,
    frame: &FrameState<'_>,
) -> Result<String, String> {
    let bytes = match &variable.location {
        VarLocation::Local { slot, wide } => slot_bytes(frame.locals, *slot, *wide)
            .ok_or_else(|| format!("local slot {slot} is not in this frame"))?,
        VarLocation::Global { global, wide } => slot_bytes(frame.globals, *global, *wide)
            .ok_or_else(|| format!("global {global} does not exist"))?,
        _ => {
            let addr =
                address(variables, variable, frame)?.ok_or_else(|| "no address".to_string())?;
            let size = ty.and_then(|t| t.size).unwrap_or(0).min(1 << 20);
            read(frame.memory, addr, size)
                .ok_or_else(|| format!("{addr:#x}..+{size} is outside memory"))?
                .to_vec()
        }
    };
    match ty {
        Some(ty) => Ok(format_bytes(variables, ty, &bytes, frame.memory, 0)),
        None => Ok(hex(&bytes)),
    }
}

/// Bytes `addr..addr + len` of memory, if all inside.
fn read(memory: &[u8], addr: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(addr).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    memory.get(start..end)
}

/// Up to 16 little-endian bytes as an unsigned number.
fn unsigned(bytes: &[u8]) -> u128 {
    bytes
        .iter()
        .take(16)
        .rev()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// Bytes as hex, at most [`MAX_BYTES`] of them.
fn hex(bytes: &[u8]) -> String {
    let mut text: Vec<String> = bytes
        .iter()
        .take(MAX_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > MAX_BYTES {
        text.push("..".into());
    }
    format!("[{}]", text.join(" "))
}

/// `bytes` (at least the type's size when it is known) shown as `ty`.
fn format_bytes(
    variables: &Variables,
    ty: &Type,
    bytes: &[u8],
    memory: &[u8],
    depth: usize,
) -> String {
    let size = ty
        .size
        .map_or(bytes.len(), |s| (s as usize).min(bytes.len()));
    let bytes = &bytes[..size];
    match &ty.kind {
        TypeKind::Base(encoding) => base(*encoding, bytes),
        TypeKind::Pointer(target) => {
            let addr = unsigned(bytes) as u64;
            let pointee = target
                .and_then(|t| variables.ty(t))
                .filter(|t| matches!(t.kind, TypeKind::Base(_)))
                .and_then(|t| {
                    let bytes = read(memory, addr, t.size?)?;
                    Some(format_bytes(variables, t, bytes, memory, depth + 1))
                });
            match pointee {
                Some(value) => format!("{addr:#x} -> {value}"),
                None => format!("{addr:#x}"),
            }
        }
        TypeKind::Struct(members) if ty.name == "&str" => {
            let field = |name: &str| {
                let m = members.iter().find(|m| m.name == name)?;
                let at = m.offset as usize;
                bytes.get(at..at + 4).map(unsigned)
            };
            match (field("data_ptr"), field("length")) {
                (Some(ptr), Some(len)) => {
                    let shown = len.min(MAX_BYTES as u128) as u64;
                    match read(memory, ptr as u64, shown) {
                        Some(text) => {
                            let more = if len > shown as u128 { ".." } else { "" };
                            format!("{:?}{more}", String::from_utf8_lossy(text))
                        }
                        None => format!("{{data_ptr: {ptr:#x}, length: {len}}}"),
                    }
                }
                _ => hex(bytes),
            }
        }
        TypeKind::Struct(members) => {
            if depth >= MAX_DEPTH {
                return "{..}".into();
            }
            let tuple = !members.is_empty() && members.iter().all(|m| m.name.starts_with("__"));
            let parts: Vec<String> = members
                .iter()
                .map(|m| {
                    let value = match m.ty.and_then(|t| variables.ty(t)) {
                        Some(t) => {
                            let start = (m.offset as usize).min(bytes.len());
                            format_bytes(variables, t, &bytes[start..], memory, depth + 1)
                        }
                        None => "?".into(),
                    };
                    if tuple {
                        value
                    } else {
                        format!("{}: {value}", m.name)
                    }
                })
                .collect();
            if tuple {
                format!("({})", parts.join(", "))
            } else {
                format!("{{{}}}", parts.join(", "))
            }
        }
        TypeKind::Array { element, count } => {
            let element = element.and_then(|e| variables.ty(e));
            match (element, count) {
                (Some(element), Some(count)) if depth < MAX_DEPTH => {
                    let width = element.size.unwrap_or(0) as usize;
                    let shown = (*count).min(MAX_ELEMENTS) as usize;
                    let mut parts: Vec<String> = (0..shown)
                        .map(|i| {
                            let start = (i * width).min(bytes.len());
                            format_bytes(variables, element, &bytes[start..], memory, depth + 1)
                        })
                        .collect();
                    if *count > MAX_ELEMENTS {
                        parts.push("..".into());
                    }
                    format!("[{}]", parts.join(", "))
                }
                _ => hex(bytes),
            }
        }
        TypeKind::Enum(values) => {
            let n = unsigned(bytes) as u64;
            match values.iter().find(|(v, _)| *v == n) {
                Some((_, name)) => name.clone(),
                None => format!("{n}"),
            }
        }
        TypeKind::Other => hex(bytes),
    }
}

/// A base type's bytes.
fn base(encoding: Encoding, bytes: &[u8]) -> String {
    let n = unsigned(bytes);
    match (encoding, bytes.len()) {
        (Encoding::Unsigned, _) => format!("{n}"),
        (Encoding::Signed, len @ 1..=16) => {
            let shift = 128 - 8 * len as u32;
            format!("{}", ((n << shift) as i128) >> shift)
        }
        (Encoding::Float, 4) => format!("{:?}", f32::from_bits(n as u32)),
        (Encoding::Float, 8) => format!("{:?}", f64::from_bits(n as u64)),
        (Encoding::Bool, _) => format!("{}", n != 0),
        (Encoding::Char, _) => match char::from_u32(n as u32) {
            Some(c) => format!("{c:?}"),
            None => format!("{n:#x} (not a char)"),
        },
        _ => hex(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_types_read_their_bytes() {
        assert_eq!(base(Encoding::Unsigned, &[10, 0, 0, 0]), "10");
        assert_eq!(base(Encoding::Signed, &[0xFE, 0xFF, 0xFF, 0xFF]), "-2");
        assert_eq!(base(Encoding::Signed, &[0x80]), "-128");
        assert_eq!(base(Encoding::Float, &1.5f32.to_le_bytes()), "1.5");
        assert_eq!(base(Encoding::Float, &(-2.25f64).to_le_bytes()), "-2.25");
        assert_eq!(base(Encoding::Bool, &[1]), "true");
        assert_eq!(base(Encoding::Char, &('é' as u32).to_le_bytes()), "'é'");
        assert_eq!(
            base(Encoding::Unsigned, &u128::MAX.to_le_bytes()),
            u128::MAX.to_string()
        );
        assert_eq!(base(Encoding::Other, &[1, 2]), "[01 02]");
    }

    #[test]
    fn wide_slots_join_low_half_first() {
        let slots = [Imm::from(0x1234_5678u64), Imm::from(0x9u64)];
        assert_eq!(
            slot_bytes(&slots, 0, true).unwrap(),
            0x9_1234_5678u64.to_le_bytes()
        );
        assert_eq!(slot_bytes(&slots, 1, false).unwrap(), 9u64.to_le_bytes());
        assert!(slot_bytes(&slots, 1, true).is_none());
    }
}
