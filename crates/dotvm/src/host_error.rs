//! The error a host function returns to trap the guest.

/// An error a host function returns: the guest traps with
/// [`crate::TrapKind::Host`] carrying this message ([`crate::Error::Trap`] for the embedder).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(String);

impl HostError {
    /// An error with this message.
    pub fn new(message: impl std::fmt::Display) -> HostError {
        HostError(message.to_string())
    }
}

impl From<&str> for HostError {
    fn from(message: &str) -> HostError {
        HostError(message.to_string())
    }
}

impl From<String> for HostError {
    fn from(message: String) -> HostError {
        HostError(message)
    }
}

impl From<dotvm_vm::StateError> for HostError {
    fn from(error: dotvm_vm::StateError) -> HostError {
        HostError(format!("state store: {error}"))
    }
}
