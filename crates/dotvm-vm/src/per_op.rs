//! Per-operation code: how an engine gets one monomorphic function per member of an
//! operation family (word or typed ops), with the operation fixed at compile time.

/// Builds something (a handler) for the operation whose discriminant is `OP`; the op
/// families call [`PerOp::make`] from an exhaustive `match`, so a new operation without a
/// handler cannot compile.
pub(crate) trait PerOp {
    /// What is built.
    type Output;
    /// Builds it for operation `OP` (the family's discriminant).
    fn make<const OP: u16>() -> Self::Output;
}
