//! The DotVM guest SDK: Rust programs compiled to `wasm32-wasip1` reach DotVM's native
//! instructions — the state database ([`db`]), cryptography ([`crypto`]) and BigInts
//! ([`bigint`]) — through imports of the `dotvm` module, which the translator replaces by
//! the instructions themselves (see `docs/sdk.md` for the import ABI).
//!
//! The crate is `no_std` (the `alloc` feature, on by default, adds `Vec`/`String`
//! conveniences). It compiles for any target so that workspaces can check it, but the
//! functions work only inside DotVM: on targets other than `wasm32` every call panics.

#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod bigint;
pub mod crypto;
pub mod db;
mod sys;
