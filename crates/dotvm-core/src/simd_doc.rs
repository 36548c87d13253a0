//! One-line descriptions of the simd128 instructions for `docs/isa.md`, derived from the
//! WebAssembly name each table row carries (`WebAssembly `i32x4.add`.`): the shape before
//! the dot and the operation after it, so the 236 rows need no hand-written text.

/// The description of the simd instruction whose table doc is `doc`, or `None` when `doc`
/// does not name a WebAssembly simd instruction this module knows.
pub(crate) fn describe(doc: &str) -> Option<String> {
    let name = doc.strip_prefix("WebAssembly `")?.strip_suffix("`.")?;
    let (shape, op) = name.split_once('.')?;
    let text = operation(shape, op)?;
    Some(format!("{text} (WebAssembly `{name}`)."))
}

/// "signed" or "unsigned" for a `_s` / `_u` suffix.
fn sign(suffix: &str) -> Option<&'static str> {
    match suffix {
        "s" => Some("signed"),
        "u" => Some("unsigned"),
        _ => None,
    }
}

/// "low" or "high" half.
fn half(word: &str) -> Option<&'static str> {
    match word {
        "low" => Some("low"),
        "high" => Some("high"),
        _ => None,
    }
}

/// The description of operation `op` on lanes of `shape` (`v128` for whole vectors).
fn operation(shape: &str, op: &str) -> Option<String> {
    let lanes = format!("{shape} lanes");
    let parts: Vec<&str> = op.split('_').collect();
    let text = match parts.as_slice() {
        // ---- memory ----
        ["load"] => "Loads 16 bytes at the address plus the offset".to_string(),
        ["store"] => "Stores the vector's 16 bytes at the address plus the offset".to_string(),
        [load, s] if load.starts_with("load") && load.contains('x') => {
            let (bits, count) = load["load".len()..].split_once('x')?;
            format!(
                "Loads {count} {bits}-bit integers and widens each ({}) to twice its width",
                sign(s)?
            )
        }
        [load, "splat"] => format!(
            "Loads a {}-bit value and copies it to every lane",
            load.strip_prefix("load")?
        ),
        [load, "zero"] => format!(
            "Loads a {}-bit value into the low lane, zeroing the rest",
            load.strip_prefix("load")?
        ),
        [load, "lane"] if load.starts_with("load") => format!(
            "Loads a {}-bit value into the lane given by the operand, keeping the others",
            load.strip_prefix("load")?
        ),
        [store, "lane"] if store.starts_with("store") => format!(
            "Stores the {}-bit lane given by the operand",
            store.strip_prefix("store")?
        ),
        // ---- constants, lanes, bytes ----
        ["const"] => "Pushes the constant vector".to_string(),
        ["splat"] => format!("Copies the scalar to all {lanes}"),
        ["extract", "lane"] => format!("Reads one of the {lanes}"),
        ["extract", "lane", s] => format!("Reads one of the {lanes}, {}-extended", sign(s)?),
        ["replace", "lane"] => format!("Replaces one of the {lanes} by the scalar"),
        ["shuffle"] => {
            "Picks each byte from the 32 bytes of both vectors by the operand's indices".to_string()
        }
        ["swizzle"] => {
            "Picks bytes of the first vector by the second's byte indices (0 where 16 or more)"
                .to_string()
        }
        // ---- bitwise ----
        ["not"] => "Inverts every bit".to_string(),
        ["and"] => "Bitwise and".to_string(),
        ["andnot"] => "Bitwise and of the first vector with the inverse of the second".to_string(),
        ["or"] => "Bitwise or".to_string(),
        ["xor"] => "Bitwise exclusive or".to_string(),
        ["bitselect"] => {
            "Takes bits of the first vector where the mask (third) is 1, of the second where 0"
                .to_string()
        }
        ["any", "true"] => "1 when any bit is set, else 0".to_string(),
        ["all", "true"] => format!("1 when all {lanes} are non-zero, else 0"),
        ["bitmask"] => format!("The top bit of each of the {lanes}, lane 0 in bit 0"),
        // ---- comparisons ----
        [cmp @ ("eq" | "ne" | "lt" | "gt" | "le" | "ge"), rest @ ..] => {
            let relation = match *cmp {
                "eq" => "equal",
                "ne" => "not equal",
                "lt" => "less",
                "gt" => "greater",
                "le" => "less or equal",
                _ => "greater or equal",
            };
            let signed = match rest {
                [] => String::new(),
                [s] => format!(" ({})", sign(s)?),
                _ => return None,
            };
            format!("Compares {lanes}{signed}: all ones where {relation}, else zeros")
        }
        // ---- arithmetic ----
        ["add"] if shape.starts_with('f') => format!("Adds {lanes}"),
        ["add"] => format!("Adds {lanes}, wrapping"),
        ["sub"] if shape.starts_with('f') => format!("Subtracts {lanes}"),
        ["sub"] => format!("Subtracts {lanes}, wrapping"),
        ["mul"] if shape.starts_with('f') => format!("Multiplies {lanes}"),
        ["mul"] => format!("Multiplies {lanes}, wrapping"),
        ["div"] => format!("Divides {lanes}"),
        [op @ ("add" | "sub"), "sat", s] => format!(
            "{} {lanes}, saturating {}",
            if *op == "add" { "Adds" } else { "Subtracts" },
            sign(s)?
        ),
        [op @ ("min" | "max")] => {
            format!("The {op}imum of {lanes} (NaN if either is NaN; -0 below +0)")
        }
        [op @ ("min" | "max"), s] => format!("The {op}imum of {lanes}, {}", sign(s)?),
        ["pmin"] => format!("`b < a ? b : a` of {lanes} a, b (pseudo-minimum)"),
        ["pmax"] => format!("`a < b ? b : a` of {lanes} a, b (pseudo-maximum)"),
        ["avgr", "u"] => format!("The rounded average of unsigned {lanes}"),
        ["q15mulr", "sat", "s"] => {
            format!("Q15 fixed-point product of {lanes}, rounded and saturated")
        }
        ["dot", src, "s"] => {
            format!("Multiplies the signed {src} lanes and adds adjacent products into {lanes}")
        }
        ["abs"] => format!("The absolute value of {lanes}"),
        ["neg"] => format!("Negates {lanes}"),
        ["popcnt"] => format!("Counts the set bits of {lanes}"),
        ["sqrt"] => format!("The square root of {lanes}"),
        ["ceil"] => format!("Rounds {lanes} up"),
        ["floor"] => format!("Rounds {lanes} down"),
        ["trunc"] => format!("Rounds {lanes} toward zero"),
        ["nearest"] => format!("Rounds {lanes} to the nearest, ties to even"),
        ["shl"] => format!("Shifts {lanes} left by the count modulo the lane width"),
        ["shr", s] => format!(
            "Shifts {lanes} right ({}) by the count modulo the lane width",
            sign(s)?
        ),
        // ---- widening, narrowing, conversions ----
        ["extend", h, src, s] => format!(
            "Widens the {} half of the {src} lanes ({}) to {lanes}",
            half(h)?,
            sign(s)?
        ),
        ["extmul", h, src, s] => format!(
            "Multiplies the {} halves' {src} lanes ({}) into {lanes}",
            half(h)?,
            sign(s)?
        ),
        ["extadd", "pairwise", src, s] => format!(
            "Adds adjacent pairs of {src} lanes ({}) into {lanes}",
            sign(s)?
        ),
        ["narrow", src, s] => format!(
            "Narrows the {src} lanes of both vectors to {lanes}, saturating {}",
            sign(s)?
        ),
        ["convert", src, s] => format!("Converts {src} lanes ({}) to {lanes}", sign(s)?),
        ["convert", "low", src, s] => {
            format!("Converts the low {src} lanes ({}) to {lanes}", sign(s)?)
        }
        ["trunc", "sat", src, s] => format!(
            "Truncates {src} lanes to {} {lanes}, saturating (NaN to 0)",
            sign(s)?
        ),
        ["trunc", "sat", src, s, "zero"] => format!(
            "Truncates {src} lanes to {} {lanes}, saturating (NaN to 0); upper lanes zero",
            sign(s)?
        ),
        ["demote", src, "zero"] => format!("Rounds the {src} lanes to {lanes}; upper lanes zero"),
        ["promote", "low", src] => format!("Widens the low {src} lanes to {lanes}"),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{Category, Opcode};

    #[test]
    fn every_simd_row_gets_a_description() {
        for op in Opcode::ALL {
            let info = op.info();
            if info.category == Category::Simd {
                assert!(
                    describe(info.doc).is_some(),
                    "{}: {}",
                    info.mnemonic,
                    info.doc
                );
            }
        }
    }

    #[test]
    fn descriptions_read_the_shape_and_operation() {
        assert_eq!(
            describe("WebAssembly `i32x4.add`.").as_deref(),
            Some("Adds i32x4 lanes, wrapping (WebAssembly `i32x4.add`).")
        );
        assert_eq!(
            describe("WebAssembly `i16x8.extend_high_i8x16_u`.").as_deref(),
            Some(
                "Widens the high half of the i8x16 lanes (unsigned) to i16x8 lanes \
                 (WebAssembly `i16x8.extend_high_i8x16_u`)."
            )
        );
        assert_eq!(describe("Pop two words."), None);
    }
}
