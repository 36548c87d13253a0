//! Arbitrary-precision integers for the BigInt instructions: the heap of handles
//! ([`BigIntHeap`]) and the operations with their fuel and memory bounds ([`ops`]).
//!
//! Values are immutable `num_bigint::BigInt`s; every operation creates a new object, so a
//! handle can be copied freely on the guest's stack and in its memory.

mod heap;
pub mod ops;

pub use heap::{BadHandle, BigIntHeap, NO_VALUE, object_bytes};
