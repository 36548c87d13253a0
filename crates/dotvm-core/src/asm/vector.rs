//! Vector operands in assembly text: `V128_CONST i32x4 1 2 3 4` (a shape, then one number
//! per lane), `I8X16_SHUFFLE` (sixteen lane indices), lane indices and `+offset lane`.

use super::ast::{Result, diag};
use super::cursor::{Cursor, number_token, small_number};
use super::lexer::{Tok, Token};
use super::number::{parse_f32, parse_f64, parse_int};
use crate::shape::Shape;
use crate::{Imm, Opcode};

/// The bytes of a `V128_CONST` operand: `token` is the shape, the lanes follow.
pub(super) fn constant(cursor: &mut Cursor, token: &Token) -> Result<[u8; 16]> {
    let pos = cursor.pos(token);
    let names: Vec<&str> = Shape::ALL.iter().map(|s| s.name()).collect();
    let shape = match &token.tok {
        Tok::Word(w) => Shape::from_name(w),
        _ => None,
    };
    let Some(shape) = shape else {
        return diag(
            pos,
            format!(
                "expected a lane shape ({}), found {}",
                names.join(", "),
                token.describe()
            ),
        );
    };
    let mut bytes = [0u8; 16];
    let width = shape.lane_bytes();
    for (i, lane) in bytes.chunks_exact_mut(width).enumerate() {
        let what = format!("lane {i} of the {} constant", shape.name());
        let token = cursor.expect(pos, &what)?;
        let at = cursor.pos(&token);
        let text = match &token.tok {
            Tok::Word(w) => w.as_str(),
            _ => return diag(at, format!("expected {what}, found {}", token.describe())),
        };
        let bits: u64 = match shape {
            Shape::F32x4 => parse_f32(text).map(u64::from),
            Shape::F64x2 => parse_f64(text),
            _ => parse_int(text)
                .ok()
                .and_then(|lit| lit.fit(width as u32 * 8))
                .map(|v: Imm| v.as_limbs()[0]),
        }
        .map_or_else(
            || diag(at, format!("`{text}` is not a {}-bit {what}", width * 8)),
            Ok,
        )?;
        lane.copy_from_slice(&bits.to_le_bytes()[..width]);
    }
    Ok(bytes)
}

/// The sixteen lane indices of an `I8X16_SHUFFLE`, `token` being the first.
pub(super) fn shuffle(cursor: &mut Cursor, token: Token) -> Result<[u8; 16]> {
    let pos = cursor.pos(&token);
    let mut lanes = [0u8; 16];
    let mut token = token;
    for (i, lane) in lanes.iter_mut().enumerate() {
        if i > 0 {
            token = cursor.expect(pos, &format!("shuffle lane {i} (16 lane indices)"))?;
        }
        *lane = number_token(cursor, &token, "a shuffle lane index", 31)? as u8;
    }
    Ok(lanes)
}

/// A lane index of `opcode`, below its shape's lane count.
pub(super) fn lane(cursor: &Cursor, token: &Token, opcode: Opcode) -> Result<u8> {
    let lanes = Shape::of_opcode(opcode).map_or(0, Shape::lanes);
    let what = format!("a lane index of `{}`", opcode.mnemonic());
    Ok(number_token(cursor, token, &what, lanes.saturating_sub(1) as u64)? as u8)
}

/// The `+offset lane` operand of a lane load or store, `token` being the offset.
pub(super) fn offset_lane(cursor: &mut Cursor, token: &Token, opcode: Opcode) -> Result<(u32, u8)> {
    let at = cursor.pos(token);
    let offset = match &token.tok {
        Tok::Word(w) => small_number(
            at,
            w.strip_prefix('+').unwrap_or(w),
            "a memory offset",
            u32::MAX.into(),
        )?,
        _ => {
            return diag(
                at,
                format!("expected a memory offset, found {}", token.describe()),
            );
        }
    } as u32;
    let next = cursor.expect(at, &format!("lane index of `{}`", opcode.mnemonic()))?;
    Ok((offset, lane(cursor, &next, opcode)?))
}
