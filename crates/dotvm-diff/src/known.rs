//! Known wasmi 2.0.0 bugs: divergences in which wasmi, not DotVM, is wrong, each with a
//! reproducer (in `tests/known_wasmi_bugs.rs`, judged against the expected value that
//! wabt's `wasm-interp` also computes). A diverging module that contains a bug's pattern is
//! counted as an exclusion for that bug, never dropped silently.
//!
//! Only bugs with a reproducer are listed. The issue also names "a value left on the stack
//! across an `if` with block parameters reads a stale cell"; the reproducers tried
//! (`tests/known_wasmi_bugs.rs`) are computed correctly by wasmi 2.0.0, so it has no
//! exclusion: such a divergence would be reported and judged like any other.

use wasmparser::{Operator, Parser, Payload};

/// A known wasmi bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KnownBug {
    /// `(select A B (i32.eqz X))` returns A when X is non-zero.
    SelectEqz,
}

impl KnownBug {
    /// A one-line description.
    pub fn describe(self) -> &'static str {
        match self {
            KnownBug::SelectEqz => {
                "wasmi 2.0.0: (select A B (i32.eqz X)) returns A when X is non-zero"
            }
        }
    }
}

/// The known bug whose pattern `wasm` contains, if any: `i32.eqz` directly followed by
/// `select`.
pub fn explain(wasm: &[u8]) -> Option<KnownBug> {
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.ok()? {
            let mut previous_eqz = false;
            let mut reader = body.get_operators_reader().ok()?;
            while !reader.eof() {
                let op = reader.read().ok()?;
                if previous_eqz && matches!(op, Operator::Select | Operator::TypedSelect { .. }) {
                    return Some(KnownBug::SelectEqz);
                }
                previous_eqz = matches!(op, Operator::I32Eqz);
            }
        }
    }
    None
}
