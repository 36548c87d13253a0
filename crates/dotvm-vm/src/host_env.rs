//! What an embedder lends a call or a resumption: streams, host, host functions and state.

use crate::host::Host;
use crate::imports::HostFunctions;
use crate::io::Io;
use crate::state::StateStore;

/// The embedder's side of a call on an [`crate::Instance`] or a resumption of an
/// [`crate::Execution`].
pub struct HostEnv<'a> {
    /// Standard streams.
    pub io: &'a mut dyn Io,
    /// Capabilities and WASI state (open descriptors); [`Host::denials`] lists what it
    /// refused.
    pub host: &'a mut Host,
    /// The functions `CALL_HOST` calls.
    pub imports: &'a mut dyn HostFunctions,
    /// The store behind the database opcodes, when granted: reads and writes go to its
    /// open transaction; committing or aborting afterwards is the caller's decision.
    pub state: Option<&'a mut dyn StateStore>,
}
