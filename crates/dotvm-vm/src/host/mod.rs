//! The host side of system calls: the capabilities an embedder grants a run, and the state
//! the calls keep (descriptor table, clock, random source, the record of denied calls).
//!
//! Nothing here touches guest memory: the executor's system-call layer reads the guest's
//! arguments and buffers and calls these methods with host values.

mod clock;
mod errno;
mod fd;
mod files;
mod random;
mod sandbox;

pub use clock::ClockSource;
pub use errno::Errno;
pub use fd::{FileStat, FileType};
pub use random::RandomSource;

pub(crate) use fd::{Descriptor, DirEntry};
pub(crate) use files::OpenRequest;

use clock::Clock;
use dotvm_core::syscall::{Capability, Needs, Syscall};
use fd::FdTable;
use random::Random;
use std::fmt;
use std::path::PathBuf;

/// A host directory made visible to the guest as a preopened directory. The guest can
/// reach files below it and nothing else: paths that climb out with `..`, absolute paths
/// and symbolic links that lead outside are refused with `ENOTCAPABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The directory on the host.
    pub host: PathBuf,
    /// The name the guest sees (`fd_prestat_dir_name`), e.g. `.` or `/data`.
    pub guest: String,
    /// Only reading: opening a file for writing, creating, truncating, removing or
    /// renaming anything below the directory is refused with `ENOTCAPABLE`.
    pub read_only: bool,
}

/// What a run may do. [`Capabilities::default`] grants the standard streams and exit, an
/// empty argument list and environment, and nothing else (no clock, no randomness, no
/// files): a program learns nothing about its host unless the embedder says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Reading standard input.
    pub stdin: bool,
    /// Writing standard output.
    pub stdout: bool,
    /// Writing standard error.
    pub stderr: bool,
    /// Ending the run with an exit code (`exit`, `proc_exit`).
    pub exit: bool,
    /// The program arguments (the first is the program name), or `None` to deny them.
    pub args: Option<Vec<String>>,
    /// The environment as `(key, value)` pairs, or `None` to deny it.
    pub env: Option<Vec<(String, String)>>,
    /// The clock, or `None` to deny it.
    pub clock: Option<ClockSource>,
    /// The random source, or `None` to deny it.
    pub random: Option<RandomSource>,
    /// Preopened directories; empty denies all file access.
    pub dirs: Vec<Preopen>,
}

impl Default for Capabilities {
    fn default() -> Capabilities {
        Capabilities {
            stdin: true,
            stdout: true,
            stderr: true,
            exit: true,
            args: Some(Vec::new()),
            env: Some(Vec::new()),
            clock: None,
            random: None,
            dirs: Vec::new(),
        }
    }
}

impl Capabilities {
    /// True when `capability` is granted.
    pub fn grants(&self, capability: Capability) -> bool {
        match capability {
            Capability::Stdout => self.stdout,
            Capability::Stderr => self.stderr,
            Capability::Stdin => self.stdin,
            Capability::Args => self.args.is_some(),
            Capability::Env => self.env.is_some(),
            Capability::Clock => self.clock.is_some(),
            Capability::Random => self.random.is_some(),
            Capability::Exit => self.exit,
            Capability::Files => !self.dirs.is_empty(),
        }
    }
}

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenialReason {
    /// The call needs a capability the run was not granted.
    Missing(Capability),
    /// A path leaves its preopened directory (`..`, an absolute path or a symbolic link).
    Escape(String),
    /// A write below a directory granted read-only.
    ReadOnly(String),
}

/// A system call the host refused (reported by [`Host::denials`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The call.
    pub call: Syscall,
    /// Why.
    pub reason: DenialReason,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            DenialReason::Missing(capability) => write!(
                f,
                "denied: {} (the `{}` capability is not granted)",
                self.call.name(),
                capability.name()
            ),
            DenialReason::Escape(path) => write!(
                f,
                "denied: {} (`{path}` leaves the granted directory)",
                self.call.name()
            ),
            DenialReason::ReadOnly(path) => write!(
                f,
                "denied: {} (`{path}` is in a read-only directory)",
                self.call.name()
            ),
        }
    }
}

/// A problem with the capabilities themselves, found before the run starts.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// A preopened directory cannot be used.
    #[error("cannot grant directory {}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// At most this many distinct denials are kept.
const MAX_DENIALS: usize = 32;

/// At most this many opened files are recorded (see [`Host::opened_files`]).
const MAX_OPENED: usize = 4096;

/// A file the guest opened (reported by [`Host::opened_files`], for the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedFile {
    /// The host path.
    pub path: PathBuf,
    /// Opened with write access.
    pub write: bool,
}

/// What runs asked of a [`Host`] since it was created (for `dotvm run --verbose`): counted
/// outside the engine's fast path, where system calls, host functions and stack growth
/// are handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// System calls made with `SYSCALL` (WASI calls included), refused ones too.
    pub system_calls: u64,
    /// Embedder functions called with `CALL_HOST`.
    pub host_functions: u64,
    /// The value stack's peak: the end of the deepest frame a run entered, in slots (at
    /// least 1). It is the smallest stack limit (`Limits::stack_slots`) the run fits in: a
    /// frame reserves its parameters, locals and the most operands the verifier allows it,
    /// and that is what the limit is checked against. Under the compiled tier, which
    /// reserves the whole limit up front, it is that limit.
    pub peak_stack_slots: u64,
}

/// The host state of one run: granted capabilities, open descriptors, clock, random source
/// and the denied calls so far.
pub struct Host {
    capabilities: Capabilities,
    fds: FdTable,
    clock: Option<Clock>,
    random: Option<Random>,
    denials: Vec<Denial>,
    opened: Vec<OpenedFile>,
    /// Opened files beyond [`MAX_OPENED`], counted only.
    opened_unrecorded: u64,
    /// Calls and stack use so far.
    stats: HostStats,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("capabilities", &self.capabilities)
            .field("denials", &self.denials)
            .finish_non_exhaustive()
    }
}

impl Default for Host {
    /// A host granting [`Capabilities::default`].
    fn default() -> Host {
        Host::with_fds(Capabilities::default(), FdTable::without_files())
    }
}

impl Host {
    /// A host granting `capabilities`; fails when a preopened directory does not exist or
    /// is not a directory.
    pub fn new(capabilities: Capabilities) -> Result<Host, HostError> {
        let fds = FdTable::new(&capabilities.dirs)?;
        Ok(Host::with_fds(capabilities, fds))
    }

    /// A host granting `capabilities` with the descriptor table `fds`.
    fn with_fds(capabilities: Capabilities, fds: FdTable) -> Host {
        Host {
            clock: capabilities.clock.map(Clock::new),
            random: capabilities.random.map(Random::new),
            fds,
            capabilities,
            denials: Vec::new(),
            opened: Vec::new(),
            opened_unrecorded: 0,
            stats: HostStats::default(),
        }
    }

    /// The system calls, host-function calls and peak value-stack allocation of the runs
    /// on this host so far.
    pub fn stats(&self) -> HostStats {
        self.stats
    }

    /// Counts a system call.
    pub(crate) fn count_system_call(&mut self) {
        self.stats.system_calls += 1;
    }

    /// Counts a call of an embedder function.
    pub(crate) fn count_host_function(&mut self) {
        self.stats.host_functions += 1;
    }

    /// Records that a run's value stack reached `slots` slots.
    pub(crate) fn note_stack_slots(&mut self, slots: usize) {
        self.stats.peak_stack_slots = self.stats.peak_stack_slots.max(slots as u64);
    }

    /// The granted capabilities.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The calls refused so far (distinct call and reason, at most 32).
    pub fn denials(&self) -> &[Denial] {
        &self.denials
    }

    /// Takes the calls refused so far, leaving none: an embedder that keeps one host for
    /// several calls reads each call's denials this way.
    pub fn take_denials(&mut self) -> Vec<Denial> {
        std::mem::take(&mut self.denials)
    }

    /// The files the guest opened so far, in order (at most 4096), and how many more
    /// were opened but not recorded.
    pub fn opened_files(&self) -> (&[OpenedFile], u64) {
        (&self.opened, self.opened_unrecorded)
    }

    /// Records an opened file.
    pub(crate) fn record_open(&mut self, path: PathBuf, write: bool) {
        if self.opened.len() < MAX_OPENED {
            self.opened.push(OpenedFile { path, write });
        } else {
            self.opened_unrecorded += 1;
        }
    }

    /// Records a refusal (once per call and reason).
    pub(crate) fn deny(&mut self, call: Syscall, reason: DenialReason) -> Errno {
        let denial = Denial { call, reason };
        if self.denials.len() < MAX_DENIALS && !self.denials.contains(&denial) {
            self.denials.push(denial);
        }
        Errno::NotCapable
    }

    /// Checks that `capability` is granted for `call`, recording a denial when it is not.
    pub(crate) fn require(&mut self, call: Syscall, capability: Capability) -> Result<(), Errno> {
        if self.capabilities.grants(capability) {
            Ok(())
        } else {
            Err(self.deny(call, DenialReason::Missing(capability)))
        }
    }

    /// Checks the capability `call` needs on its own (calls whose need depends on a
    /// descriptor are checked when the descriptor is looked up).
    pub(crate) fn require_for(&mut self, call: Syscall) -> Result<(), Errno> {
        match call.needs() {
            Needs::Always(capability) => self.require(call, capability),
            Needs::ByDescriptor | Needs::Nothing => Ok(()),
        }
    }

    /// The descriptor `fd` for `call`: `EBADF` when it is not open, `ENOTCAPABLE` (and a
    /// recorded denial) for a standard stream whose capability is not granted.
    pub(crate) fn descriptor(&mut self, call: Syscall, fd: u32) -> Result<&mut Descriptor, Errno> {
        let capability = match self.fds.get(fd)? {
            Descriptor::Stdin => Some(Capability::Stdin),
            Descriptor::Stdout => Some(Capability::Stdout),
            Descriptor::Stderr => Some(Capability::Stderr),
            Descriptor::NoFiles => Some(Capability::Files),
            Descriptor::Dir(_) | Descriptor::File(_) => None,
        };
        if let Some(capability) = capability {
            self.require(call, capability)?;
        }
        self.fds.get(fd)
    }

    /// The program arguments (the capability is checked by the caller).
    pub(crate) fn args(&self) -> &[String] {
        self.capabilities.args.as_deref().unwrap_or_default()
    }

    /// The environment as `KEY=VALUE` strings (the capability is checked by the caller).
    pub(crate) fn env(&self) -> Vec<String> {
        self.capabilities
            .env
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// The time of clock `id` in nanoseconds.
    pub(crate) fn clock_time(&mut self, id: u32) -> Result<u64, Errno> {
        self.clock.as_mut().ok_or(Errno::NotCapable)?.time(id)
    }

    /// The resolution of clock `id` in nanoseconds.
    pub(crate) fn clock_resolution(&self, id: u32) -> Result<u64, Errno> {
        self.clock.as_ref().ok_or(Errno::NotCapable)?.resolution(id)
    }

    /// Fills `buf` with random bytes.
    pub(crate) fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        self.random.as_mut().ok_or(Errno::NotCapable)?.fill(buf)
    }

    /// The descriptor table.
    pub(crate) fn fds(&mut self) -> &mut FdTable {
        &mut self.fds
    }
}
