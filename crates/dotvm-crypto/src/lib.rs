//! Host cryptography and arbitrary-precision integers for DotVM's crypto (`0xF9xx`) and
//! BigInt (`0xFAxx`) instructions.
//!
//! Every algorithm comes from a reviewed crate (RustCrypto's `sha2`, `sha3`, `aes-gcm`,
//! `chacha20poly1305`, `k256`, `p256`; `blake3`; dalek's `ed25519-dalek` and `x25519-dalek`;
//! `num-bigint`). This crate adds only what an instruction interface needs: fixed byte
//! layouts, status codes instead of panics or traps for bad guest data, the fuel each
//! operation costs ([`fuel`]), and the BigInt heap of handles ([`bigint`]). It knows nothing
//! about the VM: the interpreter reads guest memory and calls in here.

pub mod aead;
pub mod bigint;
pub mod fuel;
pub mod hash;
pub mod sealed_box;
pub mod signature;
mod status;

pub use status::{Error, STATUS_OK};
