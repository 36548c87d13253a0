//! Resource limits for one run.

/// Bounds a run may not exceed; exceeding one is a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Value-stack size in slots (locals and operands of all frames together).
    pub stack_slots: usize,
    /// Maximum nesting of calls.
    pub call_depth: usize,
    /// Maximum linear-memory size in bytes.
    pub memory_bytes: u64,
    /// Maximum fuel (`u64::MAX`: unlimited): every instruction costs 1, and crypto and
    /// BigInt instructions add a cost proportional to their work (`docs/crypto.md`).
    pub instructions: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stack_slots: 1 << 20,
            call_depth: 10_000,
            memory_bytes: 256 << 20,
            instructions: u64::MAX,
        }
    }
}
