//! Running a module's entry point with the store's capabilities and state: in one go
//! ([`Module::run`]), in slices of fuel ([`Module::start`], [`crate::Linker::start`],
//! [`Run::resume`]), or with the caller's own streams, host and state store
//! ([`Module::run_hosted`], [`Module::run_hosted_with_limits`]).

use crate::error::Error;
use crate::imports::Imports;
use crate::module::Module;
use crate::store::Store;
use dotvm_vm::state::Guarded;
use dotvm_vm::{Execution, Host, HostEnv, Inspector, Io, Limits, Outcome, Progress, StateStore};

/// Ends the transaction a run or call left open on `state`: commits it when `commit`,
/// discards it otherwise.
pub(crate) fn end_transaction(state: &mut dyn StateStore, commit: bool) -> Result<(), Error> {
    if commit {
        state
            .commit()
            .map_err(|e| Error::state(format!("cannot commit the run's writes: {e}")))
    } else {
        state.abort();
        Ok(())
    }
}

impl Module {
    /// Runs the entry point to the end with the store's capabilities, streams and state
    /// store, under the engine's limits. With a state store, the run is one transaction:
    /// committed when the guest exits with code 0, discarded otherwise (a module with
    /// database opcodes run without a state store is denied them, [`Error::Denied`]).
    ///
    /// Host functions are not available here: a module that imports any fails with
    /// [`Error::Link`]; run it with [`crate::Instance::run`] or [`crate::Linker::start`].
    ///
    /// ```
    /// use dotvm::{Engine, Error, Config, Module, Store};
    ///
    /// let mut config = Config::default();
    /// config.fuel(1_000);
    /// let engine = Engine::new(&config);
    /// let spin = Module::from_assembly(&engine, ".func main\ntop:\nJMP top\n.end\n")?;
    /// let error = spin.run(&mut Store::new(&engine)).unwrap_err();
    /// assert!(matches!(error, Error::Limit(_)));
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run(&self, store: &mut Store) -> Result<Outcome, Error> {
        self.check_no_imports()?;
        let mut host = store.host()?;
        let state = match self.uses_state() {
            true => store.state.as_deref_mut(),
            false => None,
        };
        let has_state = state.is_some();
        let result = self.run_hosted(
            &mut store.io,
            &mut host,
            state.map(|s| s as &mut dyn StateStore),
            None,
        );
        store.denials = host.denials().to_vec();
        if let (true, Some(state)) = (has_state, store.state.as_deref_mut()) {
            let commit = matches!(&result, Ok(outcome) if outcome.exit_code == 0);
            end_transaction(state, commit)?;
        }
        result
    }

    /// Runs the entry point with the caller's streams, host and state store, under the
    /// engine's limits: for programs that stream the guest's output, inspect the host
    /// afterwards (its denials and opened files) or decide about the state themselves, like
    /// the `dotvm` CLI.
    ///
    /// The run's reads and writes go to `state`'s open transaction, which the caller
    /// commits or aborts (a module with database opcodes run without a state store is
    /// denied them). An `inspector` is called before every instruction and can stop the
    /// run ([`Error::Stopped`]). Imports are not checked here: a `CALL_HOST` traps when it
    /// runs.
    ///
    /// ```
    /// use dotvm::{BufferIo, Engine, Host, Module, StateStore};
    ///
    /// let engine = Engine::default();
    /// let module = Module::from_assembly(&engine, r#"
    ///     .pool coll str "c"
    ///     .pool key str "k"
    ///     .func main
    ///         PUSH_CONST coll
    ///         PUSH_CONST key
    ///         PUSH_CONST key
    ///         DB_PUT
    ///         POP
    ///         PUSH 5
    ///         SYSCALL print_int
    ///         HALT
    ///     .end
    /// "#)?;
    /// let (mut io, mut host) = (BufferIo::default(), Host::default());
    /// let mut state = dotvm_state::MemoryStore::in_memory();
    /// module.run_hosted(&mut io, &mut host, Some(&mut state), None)?;
    /// assert_eq!(io.output, b"5");
    /// state.commit().expect("commits");
    /// assert_eq!(state.get(b"c", b"k").expect("reads"), Some(&b"k"[..]));
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run_hosted(
        &self,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
        inspector: Option<&mut dyn Inspector>,
    ) -> Result<Outcome, Error> {
        let limits = self.engine().config().limits();
        self.run_hosted_with_limits(limits, io, host, state, inspector)
    }

    /// [`Module::run_hosted`] under `limits` instead of the engine's: for embedders whose
    /// runs of one module each have their own limits, like the jobs of a `dotvm batch`
    /// (`dotvm_parallel`), which share one module between threads.
    ///
    /// ```
    /// use dotvm::{BufferIo, Engine, Error, Host, Limits, Module};
    ///
    /// let engine = Engine::default();
    /// let spin = Module::from_assembly(&engine, ".func main\ntop:\nJMP top\n.end\n")?;
    /// let limits = Limits { instructions: 1_000, ..Limits::default() };
    /// let (mut io, mut host) = (BufferIo::default(), Host::default());
    /// let error = spin.run_hosted_with_limits(&limits, &mut io, &mut host, None, None).unwrap_err();
    /// assert!(matches!(error, Error::Limit(_)), "{error}");
    /// # Ok::<(), dotvm::Error>(())
    /// ```
    pub fn run_hosted_with_limits(
        &self,
        limits: &Limits,
        io: &mut dyn Io,
        host: &mut Host,
        state: Option<&mut dyn StateStore>,
        inspector: Option<&mut dyn Inspector>,
    ) -> Result<Outcome, Error> {
        let mut denied = Guarded::denied();
        let state: Option<&mut dyn StateStore> = match (self.uses_state(), state) {
            (false, _) => None,
            (true, Some(state)) => Some(state),
            (true, None) => Some(&mut denied),
        };
        Ok(dotvm_vm::run_loaded(
            self.loaded(),
            limits,
            io,
            host,
            state,
            inspector,
        )?)
    }

    /// Starts a resumable run of the entry point with the engine's fuel limit as its
    /// first slice (see [`Run`]). Like [`Module::run`], it has the store's capabilities and
    /// state and no host functions ([`crate::Linker::start`] provides them).
    pub fn start(&self, store: &Store) -> Result<Run, Error> {
        self.check_no_imports()?;
        Run::new(self, store, Imports::none(self.arch()))
    }

    /// Fails for a module that imports host functions.
    fn check_no_imports(&self) -> Result<(), Error> {
        match self.imports().next() {
            Some((module, name)) => Err(Error::Link(format!(
                "the module imports the host function {module}.{name}: run it with a Linker \
                 (Linker::instantiate, then Instance::run, or Linker::start)"
            ))),
            None => Ok(()),
        }
    }
}

/// A run of a module's entry point that stops when its fuel runs out and continues where
/// it stopped after [`Run::add_fuel`]; the result equals one run with all the fuel at once.
/// Pass the same store to every [`Run::resume`]: its state store holds the run's open
/// transaction (committed when the guest finishes with exit code 0, discarded otherwise).
///
/// ```
/// use dotvm::{Config, Engine, Module, Progress, Store};
///
/// let mut config = Config::default();
/// config.fuel(100);
/// let engine = Engine::new(&config);
/// let module = Module::from_assembly(&engine, r#"
///     .func main results=1
///     .local i
///     top:
///         LOCAL_GET i
///         PUSH 1
///         ADD
///         LOCAL_TEE i
///         PUSH 1000
///         LT_U
///         JNZ top
///         LOCAL_GET i
///         PUSH 1000
///         SUB
///         RET
///     .end
/// "#)?;
/// let mut store = Store::new(&engine);
/// let mut run = module.start(&store)?;
/// let mut slices = 1;
/// let outcome = loop {
///     match run.resume(&mut store)? {
///         Progress::Finished(outcome) => break outcome,
///         Progress::OutOfFuel { .. } => {
///             slices += 1;
///             run.add_fuel(100);
///         }
///     }
/// };
/// assert_eq!(outcome.exit_code, 0);
/// assert!(slices > 10);
/// # Ok::<(), dotvm::Error>(())
/// ```
pub struct Run {
    execution: Execution,
    host: Host,
    imports: Imports,
    uses_state: bool,
    done: bool,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("fuel_left", &self.fuel_left())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// A run of `module`'s entry point with the store's capabilities and these imports;
    /// nothing runs yet.
    pub(crate) fn new(module: &Module, store: &Store, imports: Imports) -> Result<Run, Error> {
        let execution = Execution::from_loaded(module.loaded(), module.engine().config().limits())
            .map_err(Error::Instantiate)?;
        Ok(Run {
            execution,
            host: store.host()?,
            imports,
            uses_state: module.uses_state(),
            done: false,
        })
    }

    /// Runs until the guest finishes, traps or runs out of fuel. After a finish or an error
    /// the run cannot continue ([`Error::Finished`]).
    pub fn resume(&mut self, store: &mut Store) -> Result<Progress, Error> {
        if self.done {
            return Err(Error::Finished);
        }
        let io = &mut store.io;
        let mut denied = Guarded::denied();
        let state: Option<&mut dyn StateStore> = match store.state.as_deref_mut() {
            _ if !self.uses_state => None,
            Some(state) => Some(state),
            None => Some(&mut denied),
        };
        let has_state = state.is_some();
        let result = self.execution.resume_hosted(HostEnv {
            io,
            host: &mut self.host,
            imports: &mut self.imports,
            state,
        });
        store.denials = self.host.denials().to_vec();
        let progress = result.inspect_err(|_| {
            self.done = true;
            if let (true, Some(state)) = (has_state, store.state.as_deref_mut()) {
                state.abort();
            }
        })?;
        if let Progress::Finished(outcome) = &progress {
            self.done = true;
            if let (true, Some(state)) = (self.uses_state, store.state.as_deref_mut()) {
                end_transaction(state, outcome.exit_code == 0)?;
            }
        }
        Ok(progress)
    }

    /// Adds fuel for the next [`Run::resume`].
    pub fn add_fuel(&mut self, fuel: u64) {
        self.execution.add_fuel(fuel);
    }

    /// Fuel left.
    pub fn fuel_left(&self) -> u64 {
        self.execution.fuel_left()
    }
}
