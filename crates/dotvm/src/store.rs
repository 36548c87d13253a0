//! Stores: what one guest sees of the world: its standard streams, arguments,
//! environment, capabilities and state store.

use crate::config::Engine;
use crate::error::Error;
use dotvm_state::{MemoryStore, RedbStore};
use dotvm_vm::{BufferIo, Capabilities, Denial, Host, StateStore};
use std::path::Path;

/// The world of one guest: stdin to read, captured stdout and stderr, arguments,
/// environment, capabilities and the state store behind the database opcodes. A store
/// is used by one thread at a time; give each concurrent run its own.
///
/// ```
/// use dotvm::{Engine, Module, Store};
///
/// let engine = Engine::default();
/// let module = Module::from_assembly(&engine, r#"
///     .func main
///         PUSH 42
///         SYSCALL print_int
///         HALT
///     .end
/// "#)?;
/// let mut store = Store::new(&engine);
/// assert_eq!(module.run(&mut store)?.exit_code, 0);
/// assert_eq!(store.take_stdout(), b"42");
/// # Ok::<(), dotvm::Error>(())
/// ```
pub struct Store {
    pub(crate) io: BufferIo,
    pub(crate) capabilities: Capabilities,
    pub(crate) state: Option<Box<dyn StateStore + Send>>,
    pub(crate) denials: Vec<Denial>,
    /// The host of calls on instances (made on the first call, dropped when the
    /// capabilities change), so descriptors a call opens stay open for the next.
    pub(crate) call_host: Option<Host>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("io", &self.io)
            .field("capabilities", &self.capabilities)
            .field("state", &self.state.as_ref().map(|_| "StateStore"))
            .finish()
    }
}

impl Store {
    /// A store with the engine's default capabilities, empty stdin and no state store.
    pub fn new(engine: &Engine) -> Store {
        Store {
            io: BufferIo::default(),
            capabilities: engine.config().default_capabilities().clone(),
            state: None,
            denials: Vec::new(),
            call_host: None,
        }
    }

    /// Replaces what the guest reads from standard input.
    pub fn set_stdin(&mut self, input: &[u8]) {
        self.io.input = input.iter().copied().collect();
    }

    /// Everything the guest wrote to standard output so far.
    pub fn stdout(&self) -> &[u8] {
        &self.io.output
    }

    /// Everything the guest wrote to standard error so far.
    pub fn stderr(&self) -> &[u8] {
        &self.io.errors
    }

    /// Takes the captured standard output, leaving it empty.
    pub fn take_stdout(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.io.output)
    }

    /// Takes the captured standard error, leaving it empty.
    pub fn take_stderr(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.io.errors)
    }

    /// Grants the arguments (the first is the program name by convention).
    pub fn set_args(&mut self, args: &[&str]) {
        self.capabilities_mut().args = Some(args.iter().map(|a| a.to_string()).collect());
    }

    /// Grants the environment, as `(key, value)` pairs.
    pub fn set_env(&mut self, env: &[(&str, &str)]) {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        self.capabilities_mut().env = Some(env.collect());
    }

    /// The capabilities runs get (change them with [`Store::capabilities_mut`]).
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The capabilities, to grant or withhold any of them. Calls on an
    /// [`crate::Instance`] after a change get a fresh host (files they opened are closed).
    pub fn capabilities_mut(&mut self) -> &mut Capabilities {
        self.call_host = None;
        &mut self.capabilities
    }

    /// Uses a fresh in-memory state store (its contents live as long as the store).
    pub fn use_memory_state(&mut self) {
        self.state = Some(Box::new(MemoryStore::in_memory()));
    }

    /// Opens (or creates) a redb state file and uses it. A redb file is open in one store
    /// at a time: opening a file another live store of this process holds waits until that
    /// store is dropped, so drop (or replace the state of) the first store before.
    ///
    /// ```
    /// use dotvm::{Engine, Error, Module, Store};
    ///
    /// let engine = Engine::default();
    /// // Counts its runs in the state: prints the count before this run.
    /// let module = Module::from_assembly(&engine, r#"
    ///     .pool c str "runs"
    ///     .data n zero 8
    ///     .func main
    ///         PUSH_CONST c
    ///         PUSH_CONST c
    ///         PUSH n
    ///         PUSH 8
    ///         DB_GET
    ///         POP
    ///         POP
    ///         PUSH n
    ///         LOAD64_U
    ///         SYSCALL print_int
    ///         PUSH n
    ///         PUSH n
    ///         LOAD64_U
    ///         PUSH 1
    ///         ADD
    ///         STORE64
    ///         PUSH_CONST c
    ///         PUSH_CONST c
    ///         PUSH n
    ///         PUSH 8
    ///         DB_PUT
    ///         POP
    ///         HALT
    ///     .end
    /// "#)?;
    /// let dir = tempfile::tempdir().expect("a temporary directory");
    /// let path = dir.path().join("state.redb");
    /// for expected in ["0", "1"] {
    ///     // Each store opens the file, and closes it when dropped.
    ///     let mut store = Store::new(&engine);
    ///     store.open_state(&path)?;
    ///     module.run(&mut store)?;
    ///     assert_eq!(store.take_stdout(), expected.as_bytes());
    /// }
    /// // In memory: the state lives as long as the store.
    /// let mut store = Store::new(&engine);
    /// store.use_memory_state();
    /// module.run(&mut store)?;
    /// module.run(&mut store)?;
    /// assert_eq!(store.take_stdout(), b"01");
    /// // A missing directory is a state error.
    /// let error = store.open_state(dir.path().join("no/such/dir/state.redb")).unwrap_err();
    /// assert!(matches!(error, Error::State { trap: None, .. }), "{error}");
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn open_state(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let store = RedbStore::open(path)
            .map_err(|e| Error::state(format!("cannot open {}: {e}", path.display())))?;
        self.state = Some(Box::new(store));
        Ok(())
    }

    /// Uses any state store (for example a `dotvm_state::PostgresStore`).
    pub fn set_state(&mut self, state: impl StateStore + Send + 'static) {
        self.state = Some(Box::new(state));
    }

    /// The state store, to read what runs committed (`None` without one).
    pub fn state_mut(&mut self) -> Option<&mut (dyn StateStore + Send + 'static)> {
        self.state.as_deref_mut()
    }

    /// The system calls refused for lack of a capability during the last run or call.
    pub fn denials(&self) -> &[Denial] {
        &self.denials
    }

    /// A host with the store's capabilities.
    pub(crate) fn host(&self) -> Result<Host, Error> {
        Host::new(self.capabilities.clone()).map_err(|e| Error::Host(e.to_string()))
    }
}
